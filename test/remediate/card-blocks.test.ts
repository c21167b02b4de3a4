import { describe, expect, it } from "vitest";
import { actionCardMessage, actionMentionMessage, confirmText } from "../../blocks/remediation-card.ts";
import { auditEntriesBlocks } from "../../blocks/remediation-status.ts";
import { SLACK_LIMITS } from "../../blocks/limits.ts";
import { validateBlocks } from "../../src/sandbox/slack/validate-blocks.ts";
import type { ActionState, RemediationAction } from "../../src/remediate/types.ts";
import type { AuditEntry } from "../../src/store/repos/audit.ts";

const long = (n: number) => "x".repeat(n);

function action(over: Partial<RemediationAction> = {}): RemediationAction {
  return {
    id: "act_0123456789abcdef",
    incidentId: "INC-20261124-abcdef",
    type: "rollback",
    target: { service: "inventory", namespace: "shop", environment: "production" },
    params: {},
    state: "pending",
    risk: "caution",
    requiredApprovals: 2,
    approvedBy: ["U_ALICE"],
    proposedBy: "aisre",
    reason: long(4000),
    detail: {
      title: "Roll back",
      reversible: true,
      blastRadius: long(2500),
      change: long(2500),
      where: "deployment/inventory in namespace shop (production)",
      rollback: long(2500),
      evidence: Array.from({ length: 10 }, () => long(800)),
      symptoms: [{ service: "inventory", check: "error_ratio" }],
      autonomy: "approve",
      approvers: ["@sre-approvers"],
      because: ["default: approve"],
      steps: Array.from({ length: 60 }, (_, i) => ({ at: "2026-11-24T03:00:00Z", text: `step ${i} ${long(100)}`, ok: true })),
      verification: { windowSeconds: 300, intervalSeconds: 15, consecutive: 2 },
      note: long(3000),
    },
    createdAt: "2026-11-24T03:00:00Z",
    updatedAt: "2026-11-24T03:00:00Z",
    ...over,
  };
}

describe("remediation blocks", () => {
  const states: ActionState[] = ["advised", "pending", "running", "verifying", "verified", "unverified", "failed", "refused", "skipped", "rejected", "stale"];

  it("the card stays within Slack's limits in every state, even with oversized content", () => {
    for (const state of states) {
      const msg = actionCardMessage({ action: action({ state }), buttons: state === "pending" });
      const problems = validateBlocks(msg.blocks as unknown[], { root: "/blocks", surface: "message" });
      expect(problems, `${state}: ${JSON.stringify(problems)}`).toEqual([]);
      expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    }
    expect(validateBlocks(actionMentionMessage(action({ reason: long(5000) })).blocks as unknown[], { root: "/blocks", surface: "message" })).toEqual([]);
  });

  it("a line the status says is not listed again under it (withdrawn, failed, stopped, dismissed)", () => {
    const steps = (...texts: Array<[string, boolean]>) => ({ ...action().detail, steps: texts.map(([text, ok]) => ({ at: "2026-11-24T03:00:00Z", text, ok })) });
    const count = (a: RemediationAction, text: string) => JSON.stringify(actionCardMessage({ action: a, buttons: false }).blocks).split(text).length - 1;
    const withdrawn = action({ state: "stale", detail: steps(["proposed", true], ["Withdrawn: the incident was resolved before it ran", false]) });
    expect(count(withdrawn, "the incident was resolved before it ran")).toBe(1);
    expect(count(withdrawn, "proposed")).toBe(1);
    const failed = action({ state: "failed", detail: steps(["approved", true], ["kubectl rollout undo: forbidden", false]) });
    expect(count(failed, "kubectl rollout undo: forbidden")).toBe(1);
    // A step the status does not say stays listed.
    expect(count(action({ state: "verified", detail: steps(["rolled back", true]) }), "rolled back")).toBe(1);
  });

  it("the confirm dialog says what changes, where, the evidence and the rollback path in 300 characters", () => {
    const a = action({ detail: { ...action().detail, change: "Restores revision 2 (2.2.0).", rollback: "Roll forward to revision 3.", evidence: ["5xx 30% on inventory"] } });
    const text = confirmText(a);
    expect(text).toMatch(/^Change: Restores revision 2 \(2\.2\.0\)\.\nWhere: deployment\/inventory in namespace shop \(production\)\.\nEvidence: 5xx 30% on inventory\nRollback: Roll forward to revision 3\.$/);
    expect(confirmText(action()).length).toBeLessThanOrEqual(SLACK_LIMITS.confirmText);
  });

  it("says the autonomy in words, never the policy's internals, and its evidence times as Slack dates", () => {
    const ctx = (a: RemediationAction) => JSON.stringify(actionCardMessage({ action: a, buttons: true }).blocks.filter((b) => (b as { type: string }).type === "context"));
    const plain = ctx(action({ detail: { ...action().detail, note: undefined } }));
    expect(plain).toContain("runs only once approved by 2 approvers (the default for actions)");
    expect(plain).toContain("/aisre audit act_0123456789abcdef");
    expect(plain).not.toMatch(/Policy:|default: approve|action `act_/);
    const ruled = ctx(action({ detail: { ...action().detail, note: undefined, because: ["default: approve", "rule 4 (action=kill_db_query|terminate_backend): approve, 2 approvers"] } }));
    expect(ruled).toContain("remediation policy: rule 4, for kill db query or terminate backend");
    expect(ruled).not.toContain("kill_db_query");
    const dated = JSON.stringify(actionCardMessage({ action: action({ detail: { ...action().detail, evidence: ["[change] deploy 2.3.0 at 02:58 UTC, 2 min before onset"] } }), buttons: true }).blocks);
    expect(dated).toContain("at <!date^1795489080^{time}|02:58 UTC>, 2 min before onset");
  });

  it("buttons only while pending, with the approval count", () => {
    const pending = JSON.stringify(actionCardMessage({ action: action(), buttons: true }).blocks);
    expect(pending).toContain("Approve (1/2)");
    expect(pending).toContain("Approved by <@U_ALICE> (1/2)");
    expect(JSON.stringify(actionCardMessage({ action: action({ state: "verified" }), buttons: false }).blocks)).not.toContain("remediation_approve");
  });

  it("the audit listing fits one message however many entries", () => {
    const entries: AuditEntry[] = Array.from({ length: 2000 }, (_, i) => ({ seq: i + 1, at: "2026-11-24T03:00:00.000Z", actor: "U_ALICE", action: "remediation.approval", incidentId: "INC-1", target: "production/shop/inventory", detail: { type: "rollback", result: long(300) }, prevHash: "0", hash: "1" }));
    const blocks = auditEntriesBlocks("INC-1", entries, { ok: false, entries: 2000, brokenAt: 17, reason: "entry altered" });
    expect(validateBlocks(blocks as unknown[], { root: "/blocks", surface: "message" })).toEqual([]);
    expect(JSON.stringify(blocks)).toMatch(/more: `aisre audit list INC-1`/);
    expect(JSON.stringify(blocks)).toContain("BROKEN at entry #17");
  });
});

describe("times on the action card", () => {
  it("its evidence's times of day are dated by when it was proposed in system time, not by the row's database clock", () => {
    const a = action({
      createdAt: "2026-12-06T09:00:00Z",
      detail: { ...action().detail, proposedAt: "2025-03-10T18:14:30Z", evidence: ['[log] 144× "Traceback", first seen 18:09 UTC'], steps: [], note: undefined },
    });
    const body = JSON.stringify(actionCardMessage({ action: a, buttons: true }).blocks);
    expect(body).toContain(`<!date^${Date.parse("2025-03-10T18:09:00Z") / 1000}^{time}|18:09 UTC>`);
  });
});
