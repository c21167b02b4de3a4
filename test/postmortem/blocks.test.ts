import { describe, expect, it } from "vitest";
import { ACTION, BLOCK, INPUT } from "../../blocks/ids.ts";
import { pagingCardMessage, externalUpdateMessage } from "../../blocks/paging.ts";
import { postmortemMessage } from "../../blocks/postmortem.ts";
import { postmortemEditModal, readPostmortemEdits } from "../../blocks/postmortem-modal.ts";
import type { EffectivePostmortem } from "../../src/postmortem/model.ts";
import { describeIssues, validateBlocks, validateView } from "../../src/sandbox/slack/validate-blocks.ts";

// The Block Kit of the paging card, the postmortem message and the edit modal, checked against
// Slack's limits by the sandbox's validator, with a postmortem far larger than a real one.

const long = (n: number, word = "lorem") => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");

function bigPostmortem(status: EffectivePostmortem["status"]): EffectivePostmortem {
  const sections = { summary: long(900), impact: long(900), rootCause: long(900), trigger: long(900), detection: long(900), resolution: long(900), wentWell: long(900), wentWrong: long(900), actionItems: long(900), lessons: long(900) };
  return {
    incidentId: "INC-20261123-abcdef",
    title: long(80, "title"),
    status,
    version: 7,
    facts: { severity: "sev1", services: Array.from({ length: 40 }, (_, i) => `service-${i}`), startedAt: "2026-11-23T10:00:00Z" } as never,
    sections,
    actionItems: Array.from({ length: 120 }, (_, i) => ({ text: `Action ${i} ${long(20)}`, owner: i % 2 ? "U_ALICE" : "Someone", due: "2026-12-01", jiraKey: i % 3 ? undefined : `OPS-${i}`, jiraUrl: "http://x/browse/OPS-1" })),
    timeline: Array.from({ length: 400 }, (_, i) => ({ at: new Date(Date.parse("2026-11-23T10:00:00Z") + i * 1000).toISOString(), kind: i % 5 ? "alert" : "message", actor: "U_BOB", text: long(30, `t${i}`) })),
    edited: ["summary", "actionItems"],
    narrative: "template",
    generatedAt: "2026-11-23T11:00:00Z",
  } as EffectivePostmortem;
}

const errors = (blocks: unknown) => describeIssues(validateBlocks(blocks, { root: "blocks", surface: "message" })).errors;

describe("postmortem message", () => {
  it("stays within Slack's limits however long the postmortem, and says what it cut", () => {
    for (const status of ["draft", "in_review", "final"] as const) {
      const m = postmortemMessage(bigPostmortem(status), { jira: { key: "OPS-1", url: "http://x/browse/OPS-1" }, note: "edited by <@U_CAROL>" });
      expect(errors(m.blocks)).toEqual([]);
      expect(JSON.stringify(m.blocks)).toMatch(/more moments in OPS-1/);
      expect(JSON.stringify(m.blocks)).toMatch(/more items/);
    }
  });

  it("stays within Slack's limits once the times it names become Slack dates (cascading-failure's draft was refused: invalid_blocks)", () => {
    const p = bigPostmortem("draft");
    const times = (n: number) => Array.from({ length: n }, (_, i) => `07:${String(i % 60).padStart(2, "0")} UTC`).join(", ");
    const timed = { ...p, sections: Object.fromEntries(Object.keys(p.sections).map((k) => [k, `since ${times(200)}`])), timeline: p.timeline.map((m, i) => ({ ...m, text: `anomaly since 07:${String(i % 60).padStart(2, "0")} UTC, ${long(12)}` })) } as EffectivePostmortem;
    const m = postmortemMessage(timed, {});
    expect(errors(m.blocks)).toEqual([]);
    expect(JSON.stringify(m.blocks)).toContain("<!date^");
  });

  it("offers Regenerate, Edit and the next status steps", () => {
    const ids = (s: EffectivePostmortem["status"]) => {
      const actions = postmortemMessage(bigPostmortem(s), {}).blocks.find((b) => (b as { block_id?: string }).block_id === BLOCK.postmortemActions) as { elements: Array<{ action_id: string; value: string }> };
      return actions.elements.map((e) => e.action_id);
    };
    expect(ids("draft")).toEqual([ACTION.postmortemRegenerate, ACTION.postmortemEdit, `${ACTION.postmortemStatus}:in_review`]);
    expect(ids("in_review")).toEqual([ACTION.postmortemRegenerate, ACTION.postmortemEdit, `${ACTION.postmortemStatus}:final`, `${ACTION.postmortemStatus}:draft`]);
    expect(ids("final")).toEqual([ACTION.postmortemRegenerate, ACTION.postmortemEdit, `${ACTION.postmortemStatus}:in_review`]);
  });
});

describe("postmortem edit modal", () => {
  it("is a valid modal with one input per section, prefilled, and reads edits and cleared sections back", () => {
    const view = postmortemEditModal(bigPostmortem("draft"), { channel: "C1" });
    expect(describeIssues(validateView(view)).errors).toEqual([]);
    const inputs = view.blocks.filter((b) => b.type === "input");
    expect(inputs).toHaveLength(10);
    expect(JSON.parse(view.private_metadata!)).toMatchObject({ incidentId: "INC-20261123-abcdef", version: 7 });
    const values = { [`${BLOCK.postmortemSectionPrefix}summary`]: { [INPUT.postmortemText]: { value: "New summary" } }, [`${BLOCK.postmortemSectionPrefix}lessons`]: { [INPUT.postmortemText]: { value: "  " } } };
    expect(readPostmortemEdits(values)).toEqual({ edits: { summary: "New summary" }, cleared: ["lessons"] });
    // A section too long for the input is prefilled cut: submitted unchanged, it is not an edit.
    const meta = JSON.parse(view.private_metadata!) as { cut: Record<string, string> };
    expect(Object.keys(meta.cut)).toContain("rootCause");
    const prefilled = (view.blocks.find((b) => b.block_id === `${BLOCK.postmortemSectionPrefix}rootCause`) as { element: { initial_value: string } }).element.initial_value;
    expect(readPostmortemEdits({ [`${BLOCK.postmortemSectionPrefix}rootCause`]: { [INPUT.postmortemText]: { value: prefilled } } }, meta.cut)).toEqual({ edits: {}, cleared: [] });
    expect(readPostmortemEdits({ [`${BLOCK.postmortemSectionPrefix}rootCause`]: { [INPUT.postmortemText]: { value: `${prefilled} more` } } }, meta.cut).edits.rootCause).toBeDefined();
  });
});

describe("paging card", () => {
  const base = {
    incidentId: "INC-1",
    incidentStatus: "open" as const,
    severity: "sev3" as const,
    service: "checkout",
    oncall: [
      { name: "Alice Chen", slackUserId: "U_ALICE", level: 1, schedule: "Primary" },
      { name: "Carol Diaz", slackUserId: "U_CAROL", level: 2 },
    ],
  };

  it("not paged: says why, who is on call, and offers Page on-call (with a confirmation)", () => {
    const m = pagingCardMessage({ ...base, notPaged: "SEV3 does not page (pages: SEV1, SEV2)" });
    expect(errors(m.blocks)).toEqual([]);
    const s = JSON.stringify(m.blocks);
    expect(s).toContain("Not paged: SEV3 does not page");
    expect(s).toContain("L1: <@U_ALICE> (Primary) · L2: <@U_CAROL>");
    expect(s).toContain(ACTION.pagingPage);
    expect(s).not.toContain(ACTION.pagingEscalate);
    expect(m.text).not.toContain("<http");
  });

  it("paged: who is assigned, and Escalate naming the next level; resolved: no buttons", () => {
    const page = { id: "P1", number: 12, url: "http://pd/incidents/P1", status: "triggered" as const, assignees: [{ name: "Alice Chen", slackUserId: "U_ALICE" }], level: 1 };
    const m = pagingCardMessage({ ...base, page });
    const s = JSON.stringify(m.blocks);
    expect(errors(m.blocks)).toEqual([]);
    expect(s).toContain("PagerDuty #12");
    expect(s).toContain(ACTION.pagingEscalate);
    expect(s).toContain("next escalation level (<@U_CAROL>)");
    const done = pagingCardMessage({ ...base, incidentStatus: "resolved", page: { ...page, status: "resolved" } });
    expect(JSON.stringify(done.blocks)).not.toMatch(/paging_(page|escalate)/);
  });

  it("external updates quote what people wrote, within limits", () => {
    const m = externalUpdateMessage({ system: "jira", ref: "OPS-1", url: "http://j/OPS-1", actor: "Carol", text: "Carol commented in Jira", quote: long(2000) });
    expect(errors(m.blocks)).toEqual([]);
  });
});
