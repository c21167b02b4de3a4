import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/sandbox/slack/limits.ts";
import { encodeMentions, richTextBlock } from "../../../src/sandbox/slack/mentions.ts";
import { slackSignature, verifySlackSignature } from "../../../src/sandbox/slack/signing.ts";
import { Triggers } from "../../../src/sandbox/slack/triggers.ts";
import { describeIssues, normalizeBlocks, validateBlocks, validateView } from "../../../src/sandbox/slack/validate-blocks.ts";
import { SlackWorkspace } from "../../../src/sandbox/slack/workspace.ts";
import { itemAt } from "../../../src/domain/indexed.ts";
import { defined } from "../../support/defined.ts";

describe("block validation details", () => {
  it("reports a mrkdwn header, a bad button style and a confirm that is too long", () => {
    const issues = validateBlocks(
      [
        { type: "header", text: { type: "mrkdwn", text: "x" } },
        { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Go" }, style: "green", confirm: { title: { type: "plain_text", text: "t".repeat(101) }, text: { type: "plain_text", text: "x" }, confirm: { type: "plain_text", text: "y" }, deny: { type: "plain_text", text: "n" } } }] },
      ],
      { root: "/blocks", surface: "message" },
    );
    expect(describeIssues(issues).errors).toEqual(['must be "plain_text" [json-pointer:/blocks/0/text/type]', "must be less than 101 characters [json-pointer:/blocks/1/elements/0/confirm/title/text]", 'must be one of "primary", "danger" [json-pointer:/blocks/1/elements/0/style]']);
  });

  it("refuses duplicate block_ids and action_ids, empty text, and an empty actions block", () => {
    const errors = describeIssues(
      validateBlocks(
        [
          { type: "divider", block_id: "a" },
          { type: "divider", block_id: "a" },
          { type: "section", text: { type: "mrkdwn", text: "" } },
          { type: "actions", elements: [] },
          {
            type: "actions",
            elements: [
              { type: "button", action_id: "x", text: { type: "plain_text", text: "1" } },
              { type: "button", action_id: "x", text: { type: "plain_text", text: "2" } },
            ],
          },
        ],
        { root: "/blocks", surface: "message" },
      ),
    ).errors;
    expect(errors).toContain("duplicate block_id: a [json-pointer:/blocks/1/block_id]");
    expect(errors).toContain("must be more than 0 characters [json-pointer:/blocks/2/text/text]");
    expect(errors).toContain("must provide at least 1 item [json-pointer:/blocks/3/elements]");
    expect(errors).toContain("duplicate action_id: x [json-pointer:/blocks/4/elements/1/action_id]");
  });

  it("views: a modal needs a title, and submit when it has inputs", () => {
    const errors = describeIssues(validateView({ type: "modal", blocks: [{ type: "input", label: { type: "plain_text", text: "L" }, element: { type: "plain_text_input" } }] })).errors;
    expect(errors).toContain("missing required field: title [json-pointer:/view]");
    expect(errors).toContain("missing required field: submit [json-pointer:/view]");
  });

  it("adds block_id and action_id where Slack would", () => {
    const [b] = normalizeBlocks([{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Go" } }] }]) as unknown as Array<{ block_id: string; elements: Array<{ action_id: string }> }>;
    defined(b, "b");
    expect(b.block_id).toMatch(/^[A-Za-z0-9]{5}$/);
    expect(itemAt(b.elements, 0).action_id).toMatch(/^[A-Za-z0-9]{5}$/);
  });
});

describe("mentions", () => {
  it("encodes typed mentions and builds the rich_text block", () => {
    const ws = new SlackWorkspace();
    const text = encodeMentions(ws, "@aisre ping @bob and @sre-approvers in #incidents, not foo@example.com");
    expect(text).toBe(`<@${ws.botUserId}> ping <@U_BOB> and <!subteam^S0SREAPPRV|@sre-approvers> in <#${ws.channel("incidents")!.id}|incidents>, not foo@example.com`);
    const block = richTextBlock(text, "b1") as { elements: Array<{ elements: Array<{ type: string }> }> };
    expect(itemAt(block.elements, 0).elements.map((e) => e.type)).toEqual(["user", "text", "user", "text", "usergroup", "text", "channel", "text"]);
  });
});

describe("signing, triggers, rate limits", () => {
  it("matches Slack's documented example signature", () => {
    // From Slack's "Verifying requests from Slack" guide.
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(slackSignature("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body)).toBe("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
    expect(verifySlackSignature("8f742231b10e8888abcd99yyyzzz85a5", { "x-slack-request-timestamp": "1531420618", "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" }, body, 1531420618 + 299)).toBe(true);
    expect(verifySlackSignature("8f742231b10e8888abcd99yyyzzz85a5", { "x-slack-request-timestamp": "1531420618", "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" }, body, 1531420618 + 301)).toBe(false);
  });

  it("trigger ids: once, within 3 s", () => {
    const t = new Triggers();
    const id = t.issue({ user: "U_ALICE" });
    expect(t.exchange(id)).toEqual({ user: "U_ALICE", channel: undefined, viewId: undefined });
    expect(t.exchange(id)).toEqual({ error: "exchanged_trigger_id" });
    const late = t.issue({ user: "U_ALICE" });
    expect(t.exchange(late, Date.now() + 3001)).toEqual({ error: "expired_trigger_id" });
    expect(t.exchange("nope")).toEqual({ error: "invalid_trigger_id" });
  });

  it("the token bucket allows the burst, then about one a second", () => {
    const r = new RateLimiter({ perSecond: 1, burst: 4 });
    const t0 = 1_000_000;
    expect([0, 1, 2, 3].map(() => r.take("C1", t0))).toEqual([0, 0, 0, 0]);
    expect(r.take("C1", t0)).toBe(1);
    expect(r.take("C1", t0 + 1000)).toBe(0);
    expect(r.take("C2", t0)).toBe(0);
  });
});

describe("message timestamps", () => {
  it("follow the clock the workspace is given (the simulation's), unique and increasing even when it stands still or steps back", () => {
    let now = Date.parse("2025-03-10T18:24:00Z");
    const ws = new SlackWorkspace({ now: () => now });
    const channel = ws.channel("incidents");
    defined(channel, "#incidents");
    const post = () => ws.post({ channel: channel.id, user: "U_ALICE", text: "hi" });
    const first = post();
    expect(first.ts).toBe("1741631040.000000");
    const second = post();
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    now -= 60_000;
    const third = post();
    expect(Number(third.ts)).toBeGreaterThan(Number(second.ts));
    now += 10 * 60_000;
    const later = ws.post({ channel: channel.id, user: "U_ALICE", text: "later" });
    expect(later.ts).toBe("1741631580.000000");
    expect(new Set([first, second, third, later].map((m) => m.ts)).size).toBe(4);
  });
});
