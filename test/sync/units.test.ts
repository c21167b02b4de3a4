import { describe, expect, it } from "vitest";
import { JiraApiError } from "../../src/integrations/jira/errors.ts";
import { PagerDutyApiError } from "../../src/integrations/pagerduty/errors.ts";
import { EchoMemory } from "../../src/sync/echo-memory.ts";
import { pagingDecision } from "../../src/sync/paging-policy.ts";
import { withRetry } from "../../src/sync/retry.ts";
import { loadSyncSettings, syncSettings } from "../../src/sync/sync-config.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("EchoMemory", () => {
  it("absorbs one echo per remembered change, only within its lifetime", async () => {
    let now = 0;
    const m = new EchoMemory({ ttlMs: 1000, now: () => now });
    await m.remember("pagerduty", "P1", "incident.acknowledged");
    await m.remember("pagerduty", "P1", "incident.acknowledged");
    expect(await m.consume("pagerduty", "P1", "incident.resolved")).toBe(false);
    expect(await m.consume("pagerduty", "P1", "incident.acknowledged")).toBe(true);
    expect(await m.has("pagerduty", "P1", "incident.acknowledged")).toBe(true);
    now = 1500;
    expect(await m.consume("pagerduty", "P1", "incident.acknowledged")).toBe(false);
  });
});

describe("paging policy", () => {
  const settings = syncSettings({ pagerduty: { pageFor: ["sev1", "sev2"], services: { payments: { pageFor: ["sev1", "sev2", "sev3"], routingKey: "R0PAYMENTS000000000000000000000A" } } } }, { project: "OPS", issueType: "Incident" }).pagerduty;

  it("pages SEV1/SEV2 by default and says why not otherwise", () => {
    expect(pagingDecision({ severity: "sev2", services: ["checkout"] }, settings)).toMatchObject({ page: true, service: "checkout", severity: "error", routingKey: undefined });
    expect(pagingDecision({ severity: "sev3", services: ["checkout"] }, settings)).toMatchObject({ page: false, reason: "SEV3 does not page (pages: SEV1, SEV2)" });
  });

  it("per-service thresholds and routing keys win, for the first service that has them", () => {
    expect(pagingDecision({ severity: "sev3", services: ["checkout", "payments"] }, settings)).toMatchObject({ page: true, service: "payments", routingKey: "R0PAYMENTS000000000000000000000A", severity: "warning" });
  });

  it("nothing pages when PagerDuty sync is off", () => {
    const off = syncSettings({ pagerduty: { enabled: false } }, { project: "OPS", issueType: "Incident" }).pagerduty;
    expect(pagingDecision({ severity: "sev1", services: ["checkout"] }, off)).toMatchObject({ page: false, reason: "PagerDuty sync is off" });
  });
});

describe("sync settings (AISRE_SYNC_FILE)", () => {
  it("defaults: every incident gets a ticket, SEV1/2 page, the ownership is declared", () => {
    const s = syncSettings(undefined, { project: "SRE", issueType: "Incident" });
    expect(s.jira).toMatchObject({ enabled: true, ticketFor: ["sev1", "sev2", "sev3", "sev4"], statusFor: { open: "To Do", acknowledged: "In Progress", resolved: "Done" } });
    expect(s.jira.mapping).toMatchObject({ project: "SRE", issueType: "Incident", priorityBySeverity: { sev1: "Highest" }, timelineField: "Incident timeline" });
    expect(s.jira.ownership).toEqual({ status: "aisre", priority: "aisre", severity: "aisre", timeline: "aisre" });
    expect(s.pagerduty.pageFor).toEqual(["sev1", "sev2"]);
    expect(s.postmortem).toMatchObject({ onResolve: true, slo: { objective: 99.9, windowDays: 30 } });
  });

  it("reads mapping, ownership and routes from YAML, and refuses a wrong key with its path", () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-sync-cfg-"));
    const good = join(dir, "sync.yaml");
    writeFileSync(good, "jira:\n  mapping:\n    project: OPS\n    severityField: null\n    extraFields: { Customer impact: Internal only }\n  ownership: { labels: aisre }\npagerduty:\n  pageFor: [sev1]\n");
    const s = loadSyncSettings(good, { project: "X", issueType: "Incident" });
    expect(s.jira.mapping.severityField).toBeUndefined();
    expect(s.jira.mapping.extraFields).toEqual({ "Customer impact": "Internal only" });
    expect(s.jira.ownership.labels).toBe("aisre");
    expect(s.pagerduty.pageFor).toEqual(["sev1"]);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "pagerduty:\n  pageFor: [sev9]\n");
    expect(() => loadSyncSettings(bad, { project: "X", issueType: "Incident" })).toThrow(/bad\.yaml: pagerduty\.pageFor\.0/);
  });
});

describe("withRetry", () => {
  it("waits Retry-After on 429, backs off on 5xx, and gives up at once on other errors", async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    let n = 0;
    const r = await withRetry(
      async () => {
        n++;
        if (n === 1) throw new JiraApiError(429, "slow down", { retryAfterMs: 3000 });
        if (n === 2) throw new PagerDutyApiError(503, "unavailable");
        return "ok";
      },
      { sleep, baseMs: 100, random: () => 1 },
    );
    expect(r).toBe("ok");
    expect(waits).toEqual([3000, 200]);
    await expect(withRetry(async () => Promise.reject(new JiraApiError(400, "bad field")), { sleep })).rejects.toThrow("bad field");
    let tries = 0;
    await expect(withRetry(async () => Promise.reject(new JiraApiError(503, `try ${++tries}`)), { sleep, attempts: 3 })).rejects.toThrow("try 3");
  });
});
