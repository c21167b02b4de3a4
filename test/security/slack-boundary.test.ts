import { describe, expect, it } from "vitest";
import { incidentCardMessage } from "../../blocks/incident-card.ts";
import { incidentDigestMessage } from "../../blocks/incident-digest.ts";
import { diagnosisAnalysisMessage } from "../../blocks/diagnosis.ts";
import { pagingCardMessage } from "../../blocks/paging.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { escapeText, inlineCode, link, liveControls, mentionGroup, mentionUser, safeUrl, slackDate } from "../../src/text/slack-markup.ts";
import { HOSTILE, HOSTILE_URL, injections } from "../support/hostile.ts";

const incident: Incident = { id: "INC-1", title: HOSTILE, status: "open", severity: "sev2", origin: "alert", services: [HOSTILE], createdAt: "2026-11-23T10:00:00Z", updatedAt: "2026-11-23T10:00:00Z" };

describe("the Slack escaping boundary", () => {
  it("escapes & < > so no control sequence stays live", () => {
    expect(escapeText("<!channel> & <@U1>")).toBe("&lt;!channel&gt; &amp; &lt;@U1&gt;");
    expect(liveControls(escapeText(HOSTILE))).toEqual([]);
    expect(liveControls(HOSTILE).length).toBeGreaterThanOrEqual(6);
  });

  it("makes links only of http(s) URLs and neutralises | < > in them", () => {
    expect(link("https://ok.example/a?b=1", "details")).toBe("<https://ok.example/a?b=1|details>");
    expect(link(HOSTILE_URL, "details")).toBe("<https://evil.example/x%7C%3C!everyone%3E%7Cdetails|details>");
    expect(link("javascript:alert(1)", "x")).toBe("x");
    expect(link("slack://open", "<!here>")).toBe("&lt;!here&gt;");
    expect(link(undefined, "Jira OPS-1")).toBe("Jira OPS-1");
    expect(safeUrl("ftp://x")).toBeUndefined();
    expect(link("https://ok.example", "<!channel>|x")).toBe("<https://ok.example/|&lt;!channel&gt;|x>");
  });

  it("mentions only real user and group ids; dates fall back safely; code spans cannot be closed", () => {
    expect(mentionUser("U_ALICE")).toBe("<@U_ALICE>");
    expect(mentionUser("<!channel>")).toBe("&lt;!channel&gt;");
    expect(mentionUser("alice")).toBe("alice");
    expect(mentionGroup("S123")).toBe("<!subteam^S123>");
    expect(mentionGroup("S1>|<!here")).toBe("S1&gt;|&lt;!here");
    // The fallback (notifications, older clients) is readable UTC, not an ISO string.
    expect(slackDate("2026-11-23T10:00:00Z", "{time}")).toBe("<!date^1795428000^{time}|10:00 UTC>");
    expect(slackDate("2026-11-23T10:00:00Z", "{date_short_pretty} {time}")).toBe("<!date^1795428000^{date_short_pretty} {time}|23 Nov 10:00 UTC>");
    expect(slackDate("<!channel>", "{time}")).toBe("&lt;!channel&gt;");
    expect(inlineCode("a`<!here>`b")).toBe("`aˋ&lt;!here&gt;ˋb`");
  });
});

describe("the leaks found on main are closed", () => {
  it("root card: notification text, Services field and the Resolve confirm", () => {
    const m = incidentCardMessage({ incident, alerts: { total: 1, firing: 1, names: [HOSTILE] }, links: { jira: { key: HOSTILE, url: HOSTILE_URL }, runbooks: [{ title: HOSTILE, url: HOSTILE_URL }] } });
    expect(liveControls(m.text)).toEqual([]);
    expect(injections(m)).toEqual([]);
    const services = JSON.stringify((m.blocks[1] as { fields: unknown[] }).fields[2]);
    expect(services).toContain("&lt;!channel&gt;");
  });

  it("the digest: alerts, anomalies and recent changes (version, author and url)", () => {
    const m = incidentDigestMessage({
      incidentId: HOSTILE,
      alerts: [{ fingerprint: HOSTILE, name: HOSTILE, service: HOSTILE, severity: "sev2", status: "firing", since: "2026-11-23T10:00:00Z", reason: HOSTILE, flips: 3 }],
      anomalies: [{ key: HOSTILE, service: HOSTILE, sli: HOSTILE, unit: HOSTILE, value: 2, usual: 1, shape: HOSTILE, since: 0, over: false, worsened: 0 }],
      changes: [{ change: { id: "c1", source: "github", kind: "deploy", service: HOSTILE, version: HOSTILE, previousVersion: HOSTILE, author: HOSTILE, url: HOSTILE_URL, at: "2026-11-23T10:00:00Z" }, reason: HOSTILE }],
    });
    expect(injections(m)).toEqual([]);
    expect(JSON.stringify(m)).toContain("<https://evil.example/x%7C%3C!everyone%3E%7Cdetails|details>");
  });

  it("diagnosis post text", () => {
    const h = { rank: 1, service: HOSTILE, cause: HOSTILE, services: [HOSTILE], score: 1, confidence: 0.8, evidence: [], counterEvidence: [], gaps: [] };
    const m = diagnosisAnalysisMessage({
      incident,
      diagnosis: { hypotheses: [h, { ...h, rank: 2 }, { ...h, rank: 3 }, { ...h, rank: 4 }], uncertainty: "confident", headline: HOSTILE, gaps: [HOSTILE], notes: [], elapsedMs: 1 },
      window: { start: 0, onset: 0, end: 0 },
      tools: [{ tool: HOSTILE, status: "ok", detail: HOSTILE } as never],
      similar: [],
      runbooks: [],
    });
    expect(liveControls(m.text)).toEqual([]);
    expect(injections(m)).toEqual([]);
  });

  it("paging card and its confirm dialog", () => {
    const m = pagingCardMessage({ incidentId: "INC-1", incidentStatus: "open", severity: "sev1", service: HOSTILE, oncall: [{ name: HOSTILE, level: 1, schedule: HOSTILE, slackUserId: HOSTILE }], problem: HOSTILE, notPaged: HOSTILE });
    expect(injections(m)).toEqual([]);
    const paged = pagingCardMessage({ incidentId: "INC-1", incidentStatus: "open", severity: "sev1", service: HOSTILE, oncall: [{ name: HOSTILE, level: 2 }], page: { id: HOSTILE, url: HOSTILE_URL, status: "acknowledged", assignees: [{ name: HOSTILE, slackUserId: "U_ALICE" }], level: 1 } });
    expect(injections(paged)).toEqual([]);
    expect(JSON.stringify(paged)).toContain("<@U_ALICE>");
  });
});
