import { describe, expect, it } from "vitest";
import { changeLabel, debugScores, diagnose, fmtMetric, isRollback, logProximity, toRanking } from "../../src/diagnose/engine.ts";
import { propagationEdgesFromCalls } from "../../src/diagnose/graph.ts";
import { syntheticCase } from "../../src/diagnose/synthetic.ts";
import type { DiagnosisInput } from "../../src/diagnose/types.ts";
import { flat, healthy, metric, ONSET, step, svc } from "./helpers.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const rankOf = (d: ReturnType<typeof diagnose>, s: string): number => d.hypotheses.findIndex((h) => h.service === s) + 1;

/** web calls api, api calls db and cache; the fault is in db. */
function chain(): DiagnosisInput {
  return {
    anomalyStart: ONSET,
    services: [
      svc("db", metric("query_latency_p99", 0.05, step(8)), metric("cpu_usage", 40, step(1.6)), metric("connections", 80, flat)),
      svc("cache", metric("latency_p99", 0.002, flat), metric("hit_ratio", 0.9, flat)),
      svc("api", metric("latency_p99", 0.15, step(3.5)), metric("requests_total", 900, flat), metric("errors_5xx", 2, step(1.5))),
      svc("web", metric("latency_p99", 0.3, step(2.2)), metric("requests_total", 1000, flat), metric("availability", 99.9, flat, { noise: 0.0005 })),
      healthy("mailer", 7),
    ],
    graph: {
      edges: propagationEdgesFromCalls([
        { from: "web", to: "api" },
        { from: "api", to: "db" },
        { from: "api", to: "cache" },
        { from: "web", to: "mailer" },
      ]),
    },
    symptom: { service: "web", metric: "latency_p99" },
  };
}

describe("diagnose: topology", () => {
  it("names as a gap a service the evidence names without metrics, not one only the dependency graph names", () => {
    const input = chain();
    input.graph = {
      edges: [
        ...input.graph!.edges,
        ...propagationEdgesFromCalls([
          { from: "web", to: "search" },
          { from: "api", to: "queue" },
        ]),
      ],
    };
    expect(diagnose(input).gaps.filter((g) => g.startsWith("no metrics for"))).toEqual([]);
    input.k8s = [{ service: "queue", kind: "CrashLoopBackOff", count: 3, at: ONSET }];
    expect(diagnose(input).gaps).toContain("no metrics for 1 service: queue");
  });
  it("ranks an upstream fault first, above the downstream callers that show it", () => {
    const d = diagnose(chain());
    expect(itemAt(d.hypotheses, 0).service).toBe("db");
    expect(rankOf(d, "api")).toBeGreaterThan(1);
    expect(rankOf(d, "web")).toBeGreaterThan(1);
    const top = itemAt(d.hypotheses, 0);
    expect(top.evidence.some((e) => e.kind === "metric" && e.source.metric === "query_latency_p99")).toBe(true);
    expect(top.evidence.some((e) => e.kind === "topology" && /api/.test(e.summary) && /web/.test(e.summary))).toBe(true);
    expect(top.services).toEqual(expect.arrayContaining(["db", "api", "web"]));
    expect(top.cause).toMatch(/^db:/);
    // api is anomalous, but its own dependency db explains it
    const api = d.hypotheses.find((h) => h.service === "api")!;
    expect(api.counterEvidence.some((e) => /dependencies are anomalous/.test(e.summary) && /db/.test(e.summary))).toBe(true);
  });

  it("says evidence in an on-call engineer's words: units, 'N× the usual', readable times, real plurals", () => {
    const d = diagnose(chain());
    const all = d.hypotheses.flatMap((h) => [...h.evidence, ...h.counterEvidence].map((e) => e.summary));
    const metric = itemAt(d.hypotheses, 0).evidence.find((e) => e.kind === "metric" && e.source.metric === "query_latency_p99")!;
    expect(metric.summary).toMatch(/^query latency p99 rose to [\d.]+ m?s at \d\d:\d\d UTC \(/);
    for (const text of all) {
      expect(text).not.toMatch(/robust z|spreads|\d\d:\d\dZ\b|\w\(s\)/);
    }
  });

  it("reads a graph written caller→callee (front end without ancestors) and says so", () => {
    const input = chain();
    input.graph = { edges: input.graph!.edges.map((e) => ({ source: e.target, target: e.source })) };
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("db");
    expect(d.notes.join(" ")).toMatch(/reversed/);
  });

  it("keeps the declared direction when asked, and then cannot blame db", () => {
    const input = chain();
    input.graph = { edges: input.graph!.edges.map((e) => ({ source: e.target, target: e.source })), orientation: "as-given" };
    expect(itemAt(diagnose(input).hypotheses, 0).service).not.toBe("db");
  });

  it("without a graph still ranks by anomaly strength and reports the gap", () => {
    const input = chain();
    delete input.graph;
    const d = diagnose(input);
    expect(d.gaps.join(" ")).toMatch(/no dependency graph/);
    expect(itemAt(d.hypotheses, 0).service).toBe("db"); // 8x is the strongest change
  });

  it("finds a fault in the front end itself when nothing it depends on is abnormal", () => {
    const input = chain();
    input.services = [svc("db", metric("query_latency_p99", 0.05, flat), metric("cpu_usage", 40, flat)), svc("api", metric("latency_p99", 0.15, flat), metric("requests_total", 900, step(0.5))), svc("web", metric("latency_p99", 0.3, step(1.3)), metric("errors_5xx", 2, step(20)), metric("requests_total", 1000, flat))];
    input.symptom = { service: "web", metric: "errors_5xx" };
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("web");
  });
});

describe("fmtMetric: a value in its metric's unit", () => {
  it("reads the name's words, not letters inside them: a job's duration is not a ratio", () => {
    // Walk: order-processor's "job duration p99 rose to 56.1 % (before onset: 44.0 %)" for 561 ms.
    expect(fmtMetric("job_duration_p99", 0.561)).toBe("561 ms");
    expect(fmtMetric("error_ratio", 0.0123)).toBe("1.23 %");
    expect(fmtMetric("cpu_utilization", 0.119)).toBe("11.9 %");
    expect(fmtMetric("ErrorRatio", 0.5)).toBe("50.0 %");
    expect(fmtMetric("disk_used_pct", 0.91)).toBe("91.0 %");
    expect(fmtMetric("latency_p99", 2.5)).toBe("2.5 s");
  });
});

describe("diagnose: direction of a metric", () => {
  it("does not blame a cache whose evictions dropped (their benign direction) over the service whose pool filled", () => {
    const input: DiagnosisInput = {
      anomalyStart: ONSET,
      services: [
        svc("cache", metric("cache_evictions_rate", 45, step(0.01)), metric("latency_p99", 0.002, flat)),
        svc("payments", metric("db_pool_utilization", 0.3, step(3)), metric("latency_p99", 0.2, step(4)), metric("error_ratio", 0.01, step(6))),
        svc("checkout", metric("latency_p99", 0.4, step(3)), metric("error_ratio", 0.01, step(5))),
      ],
      graph: {
        edges: propagationEdgesFromCalls([
          { from: "checkout", to: "payments" },
          { from: "checkout", to: "cache" },
        ]),
      },
      symptom: { service: "checkout", metric: "error_ratio" },
    };
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("payments");
    const cache = d.hypotheses.find((h) => h.service === "cache");
    expect(cache?.evidence.some((e) => e.kind === "metric") ?? false).toBe(false);
    for (const h of d.hypotheses) expect(h.cause).not.toMatch(/evictions\S* (dropped|fell)/);
  });

  it("names a resource at its limit as the cause's words, though the service's errors score higher (a full disk, not 'its errors rose')", () => {
    // disk-full walk: the card said "catalog likely (its errors rose)" once the errors outgrew the disk at 100 %.
    const d = diagnose({
      anomalyStart: ONSET,
      services: [svc("catalog", metric("disk_utilization", 0.55, step(1.82)), metric("error_ratio", 0.0005, step(560)), metric("latency_p99", 0.05, flat))],
      symptom: { service: "catalog", metric: "error_ratio" },
    });
    expect(itemAt(d.hypotheses, 0).cause).toBe("catalog: its disk utilization rose.");
    // A resource well below its limit does not: the errors are the story.
    const busy = diagnose({ anomalyStart: ONSET, services: [svc("catalog", metric("cpu_utilization", 0.05, step(2.4)), metric("error_ratio", 0.0005, step(560)))], symptom: { service: "catalog", metric: "error_ratio" } });
    expect(itemAt(busy.hypotheses, 0).cause).toBe("catalog: its errors rose.");
  });

  it("calls a request's time latency, and another time by its own words (a transaction is not a request)", () => {
    // db-report-query walk: "orders-db likely (its latency rose)" for its longest transaction.
    const cause = (name: string) => itemAt(diagnose({ anomalyStart: ONSET, services: [svc("orders-db", metric(name, 0.5, step(40)))], symptom: { service: "orders-db" } }).hypotheses, 0).cause;
    expect(cause("db_longest_transaction_seconds")).toBe("orders-db: its db longest transaction rose.");
    expect(cause("http_request_duration_seconds")).toBe("orders-db: its latency rose.");
    expect(cause("latency_p99")).toBe("orders-db: its latency rose.");
  });

  it("names a metric in words in the cause, as the card's headline shows it", () => {
    const d = diagnose({ anomalyStart: ONSET, services: [svc("cache", metric("cache_evictions_rate", 2, step(20)), metric("latency_p99", 0.002, flat))], symptom: { service: "cache" } });
    expect(itemAt(d.hypotheses, 0).cause).toBe("cache: its cache evictions rate rose.");
  });
});

describe("diagnose: a lone early candidate", () => {
  // The cascading failure's first minutes: only the cache's evictions are abnormal; payments' signals
  // have not arrived. One candidate, nothing else ranked: its margin is 1 by construction.
  const early = (): DiagnosisInput => ({ anomalyStart: ONSET, services: [svc("cache", metric("cache_evictions_rate", 2, step(20)), metric("latency_p99", 0.002, flat)), healthy("payments", 3), healthy("checkout", 4)], symptom: { service: "cache" } });

  it("with only its own symptoms it reads medium, not 92 %", () => {
    const d = diagnose(early());
    expect(d.hypotheses).toHaveLength(1);
    expect(itemAt(d.hypotheses, 0).confidence).toBeLessThanOrEqual(0.6);
    expect(itemAt(d.hypotheses, 0).confidence).toBeGreaterThanOrEqual(0.5);
  });

  it("found among healthy services with no alert naming it, it is a finding: it keeps what the margin gives", () => {
    const { symptom: _, ...found } = early();
    expect(itemAt(diagnose(found).hypotheses, 0).confidence).toBeGreaterThan(0.6);
  });

  it("corroborated (a deploy just before the onset, errors in its logs) it keeps what the margin gives", () => {
    const withDeploy = diagnose({ ...early(), changes: [{ service: "cache", at: ONSET - 120, kind: "deploy", version: "7.2.1" }] });
    expect(itemAt(withDeploy.hypotheses, 0).confidence).toBeGreaterThan(0.85);
    const withLogs = diagnose({ ...early(), logs: [{ service: "cache", signature: "ERROR OOM command not allowed when used memory > 'maxmemory'", count: 50, firstSeen: ONSET + 30 }] });
    expect(itemAt(withLogs.hypotheses, 0).confidence).toBeGreaterThan(0.85);
  });
});

describe("diagnose: changes and other evidence", () => {
  /** Two sibling dependencies of web with the same moderate anomaly: a coin flip on metrics alone. */
  function siblings(): DiagnosisInput {
    return {
      anomalyStart: ONSET,
      services: [svc("search", metric("latency_p99", 0.1, step(2.5), { salt: 1 })), svc("catalog", metric("latency_p99", 0.1, step(2.5), { salt: 2 })), svc("web", metric("latency_p99", 0.3, step(1.8), { salt: 3 })), healthy("billing", 5)],
      graph: {
        edges: propagationEdgesFromCalls([
          { from: "web", to: "search" },
          { from: "web", to: "catalog" },
          { from: "web", to: "billing" },
        ]),
      },
      symptom: { service: "web", metric: "latency_p99" },
      changes: [],
      k8s: [],
      logs: [],
    };
  }

  it("a deploy shortly before onset raises its service to the top", () => {
    const without = diagnose(siblings());
    const input = siblings();
    input.changes = [{ service: "catalog", at: ONSET - 300, kind: "deploy", version: "v42" }];
    const withDeploy = diagnose(input);
    expect(itemAt(withDeploy.hypotheses, 0).service).toBe("catalog");
    expect(itemAt(withDeploy.hypotheses, 0).score).toBeGreaterThan(without.hypotheses.find((h) => h.service === "catalog")!.score);
    const ev = itemAt(withDeploy.hypotheses, 0).evidence.find((e) => e.kind === "change")!;
    expect(ev.summary).toMatch(/v42/);
    expect(ev.summary).toMatch(/5 min before onset/);
    expect(itemAt(withDeploy.hypotheses, 0).cause).toMatch(/trigger/);
  });

  it("a deploy seconds before onset is named in seconds, and the cause reads as a sentence", () => {
    const input = siblings();
    input.changes = [{ service: "catalog", at: ONSET - 15, kind: "deploy", version: "1.8.0", description: "Rolling out catalog 1.8.0" }];
    const lead = itemAt(diagnose(input).hypotheses, 0);
    const ev = lead.evidence.find((e) => e.kind === "change")!;
    expect(ev.summary).toMatch(/^deploy 1\.8\.0 at \d\d:\d\d UTC, 15 s before onset$/);
    expect(lead.cause).toContain("catalog: the deploy 1.8.0, 15 s before onset, is the likely trigger");
  });

  it("a change's description is kept only when it says more than the service and version", () => {
    expect(changeLabel({ service: "cart", kind: "deploy", version: "1.8.0", description: "Rolling out cart 1.8.0" })).toBe("deploy 1.8.0");
    expect(changeLabel({ service: "cart", kind: "deploy", version: "1.8.0", description: "cart v1.8.0 deployed" })).toBe("deploy 1.8.0");
    expect(changeLabel({ service: "inventory", kind: "deploy", version: "2.3.0", description: "inventory 2.3.0 is live" })).toBe("deploy 2.3.0");
    expect(changeLabel({ service: "cart", kind: "deploy", version: "1.8.0", description: "Rollout of cart 1.8.0 did not complete (ProgressDeadlineExceeded)" })).toBe("deploy 1.8.0 (Rollout of cart 1.8.0 did not complete: ProgressDeadlineExceeded)");
    expect(changeLabel({ service: "cart", kind: "config", description: "FEATURE_FLAGS_FILE changed" })).toBe("config (FEATURE_FLAGS_FILE changed)");
    expect(changeLabel({ service: "cart", version: "2" })).toBe("deploy 2");
  });

  it("an unrelated deploy long before onset does not beat the true cause", () => {
    const input = chain();
    input.changes = [
      { service: "mailer", at: ONSET - 6 * 3600, kind: "deploy", version: "v9" },
      { service: "api", at: ONSET - 5 * 3600, kind: "deploy", version: "v3" },
    ];
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("db");
    const mailer = d.hypotheses.find((h) => h.service === "mailer");
    if (mailer) expect(mailer.counterEvidence.some((e) => /too long before/.test(e.summary))).toBe(true);
  });

  it("a red-herring deploy of a healthy service just before onset stays below an anomalous root", () => {
    const input = chain();
    input.changes = [{ service: "mailer", at: ONSET - 120, kind: "deploy", version: "v10" }];
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("db");
    expect(rankOf(d, "mailer")).toBeGreaterThan(1);
    const mailer = d.hypotheses.find((h) => h.service === "mailer")!;
    expect(mailer.counterEvidence.some((e) => /look normal/.test(e.summary))).toBe(true);
  });

  it("a change after onset cannot be the cause", () => {
    const input = siblings();
    input.changes = [{ service: "catalog", at: ONSET + 900, kind: "deploy" }];
    const d = diagnose(input);
    const c = d.hypotheses.find((h) => h.service === "catalog")!;
    expect(c.counterEvidence.some((e) => /after onset/.test(e.summary))).toBe(true);
    expect(c.evidence.some((e) => e.kind === "change")).toBe(false);
  });

  it("pods the fix started (a rollback after the onset, a remediation's restart) are not evidence of the cause; a new rollout's are", () => {
    const input = siblings();
    input.changes = [
      { service: "catalog", at: ONSET - 120, kind: "deploy", version: "2.3.0" },
      // The rollback, 10 min after the onset: its new pods are Pending for a moment.
      { service: "catalog", at: ONSET + 600, kind: "deploy", version: "2.2.0" },
    ];
    input.k8s = [{ service: "catalog", kind: "Pending", count: 1, at: ONSET + 605, bornAt: ONSET + 605, detail: "catalog-6c9d-x2k4q" }];
    const lead = itemAt(diagnose(input).hypotheses, 0);
    expect(lead.service).toBe("catalog");
    expect(lead.cause).not.toMatch(/Pending/);
    expect(lead.evidence.some((e) => e.kind === "k8s")).toBe(false);
    // A restart aisre ran (no change record: a restart is not a change) does the same.
    const restarted = siblings();
    restarted.k8s = [{ service: "search", kind: "Pending", count: 3, at: ONSET + 905, bornAt: ONSET + 900 }];
    restarted.interventions = [{ service: "search", at: ONSET + 900 }];
    expect(
      diagnose(restarted)
        .hypotheses.find((h) => h.service === "search")
        ?.evidence.some((e) => e.kind === "k8s") ?? false,
    ).toBe(false);
    // Pods born before the fix are the fault's: they count.
    restarted.k8s = [{ service: "search", kind: "Pending", count: 3, at: ONSET + 60, bornAt: ONSET + 60 }];
    expect(
      diagnose(restarted)
        .hypotheses.find((h) => h.service === "search")
        ?.evidence.some((e) => e.kind === "k8s"),
    ).toBe(true);
    // Not any change after the onset: a config rollout of catalog 1.8.0 that lands while an earlier
    // anomaly is open is a fault of its own, and its crash-looping pods stay its evidence.
    input.changes = [
      { service: "catalog", at: ONSET - 86400, kind: "deploy", version: "1.7.0" },
      { service: "catalog", at: ONSET + 600, kind: "deploy", version: "1.8.0" },
    ];
    input.k8s = [{ service: "catalog", kind: "CrashLoopBackOff", count: 14, at: ONSET + 700, bornAt: ONSET + 610, detail: "catalog-8k95-ft6bl" }];
    const catalog = diagnose(input).hypotheses.find((h) => h.service === "catalog")!;
    expect(catalog.evidence.some((e) => e.kind === "k8s")).toBe(true);
    expect(isRollback({ service: "catalog", at: ONSET + 600, kind: "deploy", version: "1.8.0" }, input.changes)).toBe(false);
    expect(isRollback({ service: "catalog", at: ONSET + 900, kind: "deploy", version: "1.7.0" }, input.changes)).toBe(true);
    expect(isRollback({ service: "catalog", at: ONSET + 900, kind: "rollback" }, [])).toBe(true);
    expect(isRollback({ service: "catalog", at: ONSET + 900, kind: "deploy", version: "1.10.0" }, input.changes)).toBe(false);
  });

  it("OOMKilled pods and a new error signature raise their service", () => {
    const input = siblings();
    input.k8s = [{ service: "search", kind: "OOMKilled", count: 3, at: ONSET + 60 }];
    input.logs = [
      { service: "search", signature: "java.lang.OutOfMemoryError: Java heap space", count: 40, firstSeen: ONSET + 30 },
      { service: "catalog", signature: "GET /items 200", count: 5000, firstSeen: ONSET - 86400 },
    ];
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("search");
    const kinds = itemAt(d.hypotheses, 0).evidence.map((e) => e.kind);
    expect(kinds).toContain("k8s");
    expect(kinds).toContain("log");
    expect(itemAt(d.hypotheses, 0).cause).toMatch(/OOMKilled/);
  });

  it("errors first seen long after the onset are a consequence: they do not outrank the onset's own", () => {
    const input = siblings();
    input.logs = [
      { service: "search", signature: "java.lang.OutOfMemoryError: Java heap space", count: 12, firstSeen: ONSET + 60 },
      // 50 min later, a knock-on failure elsewhere with many more lines.
      { service: "catalog", signature: "ERROR upstream connect error or disconnect/reset", count: 400, firstSeen: ONSET + 3000 },
    ];
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("search");
    const late = d.hypotheses.find((h) => h.service === "catalog")!.evidence.find((e) => e.kind === "log");
    const early = itemAt(d.hypotheses, 0).evidence.find((e) => e.kind === "log")!;
    expect(late === undefined || late.weight < early.weight / 4).toBe(true);
  });

  it("log proximity: full weight around the onset, fading before (background) and after (consequence)", () => {
    expect(logProximity(undefined, ONSET)).toBe(1);
    expect(logProximity(ONSET - 600, ONSET)).toBe(1);
    expect(logProximity(ONSET + 600, ONSET)).toBe(1);
    expect(logProximity(ONSET + 3000, ONSET)).toBeLessThan(0.1);
    expect(logProximity(ONSET + 1200, ONSET)).toBeGreaterThan(0.4);
    expect(logProximity(ONSET - 86400, ONSET)).toBeLessThan(0.01);
  });

  it("runbook matches are cited as evidence", () => {
    const input = chain();
    input.runbooks = [{ runbookId: "slow-queries", title: "Slow queries", score: 0.8, services: ["db"] }];
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).evidence.some((e) => e.kind === "runbook" && e.source.ref === "slow-queries")).toBe(true);
  });
});

describe("diagnose: uncertainty, gaps and confidence", () => {
  it("close leaders produce 'unsure: two candidates'", () => {
    const d = diagnose({
      anomalyStart: ONSET,
      services: [svc("left", metric("latency_p99", 0.1, step(4), { salt: 1 })), svc("right", metric("latency_p99", 0.1, step(4), { salt: 2 })), healthy("other", 3)],
    });
    expect(d.uncertainty).toBe("unsure: two candidates");
    expect([itemAt(d.hypotheses, 0).service, itemAt(d.hypotheses, 1).service].sort()).toEqual(["left", "right"]);
    expect(d.headline).toMatch(/Unsure/);
    expect(itemAt(d.hypotheses, 0).confidence).toBeLessThan(0.6);
  });

  it("a quiet system gives 'thin evidence', never a confident answer", () => {
    const d = diagnose({ anomalyStart: ONSET, services: [healthy("a", 1), healthy("b", 2), healthy("c", 3)] });
    expect(d.uncertainty).toBe("thin evidence");
    for (const h of d.hypotheses) expect(h.confidence).toBeLessThan(0.5);
  });

  it("a clear single fault is confident, with the largest confidence first", () => {
    const d = diagnose(chain());
    expect(d.uncertainty).toBe("confident");
    const c = d.hypotheses.map((h) => h.confidence);
    expect(c[0]).toBeGreaterThan(0.5);
    for (const x of c) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(c[0]).toBe(Math.max(...c));
    expect(c.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1.0001);
  });

  it("lists investigation gaps for missing data sources", () => {
    const d = diagnose({
      anomalyStart: ONSET,
      services: [svc("x", metric("latency", 1, step(3), { pre: 0 }))],
    });
    const gaps = d.gaps.join(" | ");
    expect(gaps).toMatch(/no baseline/);
    expect(gaps).toMatch(/no dependency graph/);
    expect(gaps).toMatch(/no deploy data/);
    expect(gaps).toMatch(/no Kubernetes/);
    expect(gaps).toMatch(/no symptom/);
  });

  it("does not report a gap for a source that was queried and came back empty", () => {
    const d = diagnose({ ...chain(), changes: [], k8s: [], logs: [] });
    expect(d.gaps.join(" ")).not.toMatch(/no deploy data|no Kubernetes|no log data/);
  });

  it("is deterministic", () => {
    expect(JSON.stringify(toRanking(diagnose(chain())))).toBe(JSON.stringify(toRanking(diagnose(chain()))));
  });
});

describe("diagnose: synthetic systems (sanity of generalisation)", () => {
  it("finds most injected faults in random topologies with noise and distractors", () => {
    let top1 = 0;
    let top3 = 0;
    const n = 30;
    for (let seed = 100; seed < 100 + n; seed++) {
      const c = syntheticCase({ seed, services: 14, magnitude: 0.8, distractors: 2 });
      const d = diagnose(c.input);
      const r = rankOf(d, c.answer);
      if (r === 1) top1++;
      if (r >= 1 && r <= 3) top3++;
    }
    expect(top1 / n).toBeGreaterThanOrEqual(0.7);
    expect(top3 / n).toBeGreaterThanOrEqual(0.9);
  });
});

describe("diagnose: unobserved services", () => {
  it("points at a dependency without metrics shared by several anomalous services", () => {
    const d = diagnose({
      anomalyStart: ONSET,
      services: [svc("orders", metric("latency_p99", 0.1, step(3), { salt: 1 })), svc("invoices", metric("latency_p99", 0.1, step(3), { salt: 2 })), svc("web", metric("latency_p99", 0.3, step(2), { salt: 3 }))],
      graph: {
        edges: propagationEdgesFromCalls([
          { from: "web", to: "orders" },
          { from: "web", to: "invoices" },
          { from: "orders", to: "postgres" },
          { from: "invoices", to: "postgres" },
        ]),
      },
      symptom: { service: "web" },
    });
    expect(d.gaps.join(" ")).toMatch(/postgres has no metrics, yet 2 services that depend on it are anomalous/);
  });
});

describe("diagnose: what callers' logs say of a dependency", () => {
  /** The walk's disk-full hours in: catalog fails (its disk full), frontend shows it; orders-db, which catalog and payments call, answers as usual. */
  function fullDisk(): DiagnosisInput {
    return {
      anomalyStart: ONSET,
      services: [
        svc("catalog", metric("error_ratio", 0.0005, step(60)), metric("disk_utilization", 55, step(1.8)), metric("latency_p99", 0.05, flat)),
        svc("frontend", metric("error_ratio", 0.002, step(20)), metric("latency_p99", 0.3, flat)),
        svc("orders-db", metric("query_latency_p99", 0.014, flat), metric("cpu_utilization", 24, flat), metric("connections", 80, flat)),
        svc("payments", metric("latency_p99", 0.5, flat), metric("error_ratio", 0.003, flat)),
        healthy("search", 5),
      ],
      graph: {
        edges: propagationEdgesFromCalls([
          { from: "frontend", to: "catalog" },
          { from: "frontend", to: "payments" },
          { from: "catalog", to: "orders-db" },
          { from: "payments", to: "orders-db" },
          { from: "search", to: "catalog" },
        ]),
      },
      symptom: { service: "frontend", metric: "error_ratio" },
      logs: [
        { service: "catalog", signature: "failed to write thumbnail cache <*> write: no space left on device (ENOSPC)", count: 397, firstSeen: ONSET + 300, error: true },
        // Background lines naming orders-db in two hours: payments' (the only ones it wrote naming a dependency) and catalog's few.
        { service: "orders-db", signature: "in payments' logs: upstream orders-db responded <n>: bad gateway", count: 18, firstSeen: ONSET + 900, error: true },
        { service: "orders-db", signature: "in catalog's logs: upstream orders-db returned <n> Internal Server Error", count: 5, firstSeen: ONSET + 2000, error: true },
      ],
    };
  }

  it("callers' lines weigh half on a dependency whose own metrics are there and normal; in full on one without metrics (an external provider)", () => {
    const input = fullDisk();
    const d = diagnose(input);
    expect(itemAt(d.hypotheses, 0).service).toBe("catalog");
    const blind = { ...input, services: input.services.filter((s) => s.service !== "orders-db") };
    const quiet = { ...input, logs: input.logs!.filter((l) => l.service !== "orders-db") };
    const added = { seen: debugOf(input, "orders-db") - debugOf(quiet, "orders-db"), unseen: debugOf(blind, "orders-db") - debugOf({ ...blind, logs: quiet.logs }, "orders-db") };
    expect(added.seen).toBeGreaterThan(0);
    expect(added.seen).toBeLessThan(0.6 * added.unseen);
  });
});

function debugOf(input: DiagnosisInput, service: string): number {
  return debugScores(input).ranked.find((r) => r.service === service)?.own ?? 0;
}
