import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { globMatch, idFromPath, loadRunbookDir, parseRunbook, REMEDIATION_ACTIONS, runbookToKbEntry } from "../../src/knowledge/runbook.ts";
import { matchRunbooks } from "../../src/knowledge/runbook-match.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const runbooksDir = fileURLToPath(new URL("../../runbooks/", import.meta.url));

describe("parseRunbook", () => {
  it("reads YAML front matter", () => {
    const rb = parseRunbook(
      `---
id: db-pool
title: DB pool exhausted
services: [checkout, "pay*"]
alerts: ["*ConnectionPool*"]
symptoms: [too many connections, pool timeout]
actions: [kill_db_query, rollout_restart]
risk: high
---
# Heading that is not the title

Body text.
`,
      "db/pool.md",
    );
    expect(rb).toMatchObject({
      id: "db-pool",
      title: "DB pool exhausted",
      services: ["checkout", "pay*"],
      alerts: ["*ConnectionPool*"],
      symptoms: ["too many connections", "pool timeout"],
      actions: ["kill_db_query", "rollout_restart"],
      risk: "high",
      hasFrontMatter: true,
    });
    expect(rb.body.startsWith("# Heading that is not the title")).toBe(true);
    expect(rb.body).not.toContain("risk: high");
  });

  it("reads plain markdown: title from the first heading, id from the path, generic defaults", () => {
    const rb = parseRunbook("Intro line\n\n## Disk Full On Nodes\n\nsteps…\n", "ops/Disk Full.md");
    expect(rb).toMatchObject({ id: "ops/disk-full", title: "Disk Full On Nodes", services: ["*"], alerts: [], actions: [], risk: "medium", hasFrontMatter: false });
  });

  it("falls back to the file name when there is no heading", () => {
    expect(parseRunbook("just text", "x/restart-things.md").title).toBe("restart-things");
  });

  it("accepts comma-separated strings for lists", () => {
    const rb = parseRunbook("---\nservices: api, web\nsymptoms: slow, timeout\n---\nbody", "a.md");
    expect(rb.services).toEqual(["api", "web"]);
    expect(rb.symptoms).toEqual(["slow", "timeout"]);
    expect(rb.id).toBe("a");
  });

  it("rejects actions outside the remediation catalog, naming the bad entry", () => {
    expect(() => parseRunbook("---\nactions: [reboot_the_world]\n---\n# x", "bad.md")).toThrow(/reboot_the_world/);
  });

  it("rejects an unknown risk level and broken YAML", () => {
    expect(() => parseRunbook("---\nrisk: yolo\n---\n# x", "r.md")).toThrow(/risk/);
    expect(() => parseRunbook("---\nservices: [unclosed\n---\n# x", "y.md")).toThrow(/YAML/);
  });

  it("makes ids from paths", () => {
    expect(idFromPath("runbooks/DB/Connection Pool.md")).toBe("runbooks/db/connection-pool");
    expect(idFromPath("./a_b.markdown")).toBe("a-b");
  });
});

describe("shipped runbooks", () => {
  const { runbooks, errors } = loadRunbookDir(runbooksDir);

  it("all parse, with unique ids, catalog actions and practical sections", () => {
    expect(errors).toEqual([]);
    expect(runbooks.length).toBeGreaterThanOrEqual(15);
    const ids = new Set(runbooks.map((r) => r.id));
    expect(ids.size).toBe(runbooks.length);
    for (const rb of runbooks) {
      for (const a of rb.actions) expect(REMEDIATION_ACTIONS).toContain(a);
      expect(rb.body, rb.id).toMatch(/##\s+Symptoms/);
      expect(rb.body, rb.id).toMatch(/##\s+(Checks|Mitigation)/);
      expect(rb.body, rb.id).toMatch(/##\s+Escalation/);
    }
    const withFront = runbooks.filter((r) => r.hasFrontMatter);
    expect(withFront.length).toBeGreaterThanOrEqual(15);
    for (const rb of withFront) {
      expect(rb.alerts.length, rb.id).toBeGreaterThan(0);
      expect(rb.symptoms.length, rb.id).toBeGreaterThan(0);
      expect(rb.actions.length, rb.id).toBeGreaterThan(0);
    }
  });

  it("covers the common failures", () => {
    const ids = runbooks.map((r) => r.id);
    for (const id of [
      "crash-loop",
      "oom-memory-leak",
      "bad-deploy",
      "db-connection-exhaustion",
      "slow-queries",
      "disk-full",
      "certificate-expiry",
      "queue-backlog",
      "dependency-timeouts",
      "node-pressure",
      "dns-failures",
      "cpu-throttling",
      "api-rate-limits",
      "cache-stampede",
      "high-latency",
      "http-5xx-spike",
      "config-error",
    ]) {
      expect(ids).toContain(id);
    }
  });

  it("matches an alert name to the right runbook first", () => {
    const hits = matchRunbooks(runbooks, { alertNames: ["KubePodCrashLooping"], services: ["checkout"], symptoms: "pod checkout-7d9 is in CrashLoopBackOff, back-off restarting failed container" });
    expect(itemAt(hits, 0).runbook.id).toBe("crash-loop");
    expect(itemAt(hits, 0).score).toBeGreaterThan(0.6);
    expect(itemAt(hits, 0).reasons.join(" ")).toMatch(/alert/);
  });

  it("matches symptom text without an alert", () => {
    const hits = matchRunbooks(runbooks, { symptoms: "FATAL: remaining connection slots are reserved; too many connections to postgres" });
    expect(itemAt(hits, 0).runbook.id).toBe("db-connection-exhaustion");
    const dns = matchRunbooks(runbooks, { symptoms: "dial tcp: lookup payments.svc: no such host (SERVFAIL from coredns)" });
    expect(itemAt(dns, 0).runbook.id).toBe("dns-failures");
  });

  it("produces a knowledge-base entry", () => {
    const e = runbookToKbEntry(runbooks.find((r) => r.id === "disk-full")!);
    expect(e).toMatchObject({ id: "runbook:disk-full", kind: "runbook", title: "Disk or volume full" });
    expect(e.body).toContain("no space left on device");
    expect(e.meta.actions).toEqual(["delete_pod", "scale"]);
  });
});

describe("matchRunbooks", () => {
  const scoped = parseRunbook("---\nid: pay\nservices: [payments]\nsymptoms: [card declined]\nactions: [rollback]\n---\n# Payments", "p.md");
  const generic = parseRunbook("---\nid: gen\nsymptoms: [card declined]\n---\n# Generic", "g.md");

  it("prefers a runbook scoped to the incident's service and damps one scoped elsewhere", () => {
    const forPayments = matchRunbooks([scoped, generic], { services: ["payments"], symptoms: "card declined spikes" });
    expect(itemAt(forPayments, 0).runbook.id).toBe("pay");
    expect(itemAt(forPayments, 0).services).toEqual(["payments"]);
    const forSearch = matchRunbooks([scoped, generic], { services: ["search"], symptoms: "card declined spikes" });
    expect(itemAt(forSearch, 0).runbook.id).toBe("gen");
  });

  it("matches runbooks by their text and names, as kb search ranks them, not only by front matter", () => {
    const plain = parseRunbook("# Redis evictions\n\nThe cache evicts keys under memory pressure: `evicted_keys` climbs and the hit ratio falls.\n", "cache/redis-evictions.md");
    const disk = parseRunbook("# Disk full\n\nNo space left on device.\n", "disk.md");
    const byText = matchRunbooks([plain, disk], { services: ["cart"], symptoms: "evicted keys climbing, cache hit ratio falling" });
    expect(byText.map((h) => h.runbook.title)).toEqual(["Redis evictions"]);
    const byName = matchRunbooks([plain, disk], { alertNames: ["RedisEvictions"], services: ["cart"] });
    expect(byName[0]?.runbook.title).toBe("Redis evictions");
    expect(byName[0]?.score).toBeGreaterThanOrEqual(0.5);
    expect(byName[0]?.reasons.join(" ")).toMatch(/named/);
  });

  it("returns nothing for unrelated text", () => {
    expect(matchRunbooks([scoped, generic], { symptoms: "everything is fine" })).toEqual([]);
  });

  it("globs are case-insensitive and anchored", () => {
    expect(globMatch("*CrashLoop*", "KubePodCrashLooping")).toBe(true);
    expect(globMatch("Kube?od*", "kubepodnotready")).toBe(true);
    expect(globMatch("Disk", "DiskFull")).toBe(false);
  });
});
