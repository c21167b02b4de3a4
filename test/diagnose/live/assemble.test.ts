import type { EvidenceItem } from "../../../src/diagnose/types.ts";
import { systemClock } from "../../../src/domain/clock.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleContext, candidateServices, logEvidence, metricHint, namesDependency, primaryAlert, unusualSinceOnset } from "../../../src/diagnose/live/assemble.ts";
import { estimateOnset } from "../../../src/diagnose/live/onset.ts";
import { chooseRemedy } from "../../../src/diagnose/live/remedy.ts";
import { diagnose } from "../../../src/diagnose/engine.ts";
import type { Incident } from "../../../src/domain/incident.ts";
import { loadRunbookDir } from "../../../src/knowledge/runbook.ts";
import type { Db } from "../../../src/store/db.ts";
import { Toolsets } from "../../../src/toolsets/index.ts";
import { toolsetRepos } from "../../support/toolset-repos.ts";
import { memoryPorts } from "../../../src/toolsets/memory-ports.ts";
import { alert, iso, LEAK, line, M, NOW, poolLeakLogs, poolLeakMetrics, shopPods, TOPOLOGY } from "./fixtures.ts";
import { itemAt } from "../../../src/domain/indexed.ts";
import { reusedDatabases } from "../../support/reused-databases.ts";

const databases = reusedDatabases();
const RUNBOOKS = loadRunbookDir(new URL("../../../runbooks", import.meta.url).pathname).runbooks;

describe("assembly helpers", () => {
  it("looks at the alerting services, everything they depend on, then their callers", () => {
    expect(candidateServices(TOPOLOGY, ["checkout"], 60)).toEqual(["checkout", "payments", "inventory", "orders-db", "cache", "frontend"]);
    expect(candidateServices(TOPOLOGY, ["checkout"], 3)).toEqual(["checkout", "payments", "inventory"]);
  });

  it("reads the metric an alert is about from its name", () => {
    expect(metricHint("SLOErrorBudgetBurn")).toBe("error_ratio");
    expect(metricHint("HighLatencyP99")).toBe("latency_p99");
    expect(metricHint("ContainerMemoryNearLimit")).toBe("memory_utilization");
    expect(metricHint("DBConnectionPoolExhausted")).toBe("db_pool_utilization");
    expect(metricHint("PodDiskAlmostFull")).toBe("disk_utilization");
    expect(metricHint("RedisEvictionsHigh")).toBeUndefined();
  });

  it("takes the most severe user-facing alert as the primary one, not an earlier noisy warning", () => {
    const noisy = alert("RedisEvictionsHigh", "cache", NOW - 30 * M, { severity: "sev3" });
    const slo = alert("SLOErrorBudgetBurn", "checkout", NOW - 14 * M);
    const pool = alert("DBConnectionPoolExhausted", "payments", NOW - 10 * M);
    expect(primaryAlert([noisy, pool, slo])?.name).toBe("SLOErrorBudgetBurn");
  });

  it("moves the onset back to where a slowly building metric left its normal range", () => {
    const leakStart = NOW - 60 * M;
    const mem = line("memory_utilization", 0.35, (t) => (t < leakStart ? 1 : 1 + (t - leakStart) / M / 40), 0.01);
    const alertAt = NOW - 10 * M;
    const est = estimateOnset(mem, alertAt / 1000) * 1000;
    expect(est).toBeLessThan(leakStart + 12 * M);
    expect(est).toBeGreaterThanOrEqual(leakStart);
    // A step at the alert stays where it is; noise alone moves nothing.
    expect(
      estimateOnset(
        line("error_ratio", 0.01, (t) => (t < alertAt ? 1 : 30)),
        alertAt / 1000,
      ),
    ).toBe(alertAt / 1000);
    expect(estimateOnset(line("error_ratio", 0.01, undefined, 0.2), alertAt / 1000)).toBe(alertAt / 1000);
  });

  it("knows when a log line names a dependency, and when a service name is an ordinary word", () => {
    expect(namesDependency("timeout waiting for orders-db query after <n>ms", "orders-db")).toBe(true);
    expect(namesDependency("upstream payments call failed: context deadline exceeded", "payments")).toBe(true);
    expect(namesDependency("dial tcp: lookup cache.shop.svc.cluster.local: no such host", "cache")).toBe(true);
    expect(namesDependency("GET http://inventory:8000/stock failed", "inventory")).toBe(true);
    expect(namesDependency("failed to write thumbnail cache <*> write: no space left on device", "cache")).toBe(false);
    expect(namesDependency("search results empty for query", "search")).toBe(false);
  });

  it("keeps new or sharply increased log signatures, and blames the dependency a line names", () => {
    const onset = NOW - 15 * M;
    const coverage = { from: NOW - 45 * M, to: NOW };
    const ev = logEvidence(
      "checkout",
      [
        { signature: "upstream payments call failed: context deadline exceeded", level: "error", count: 40, before: 0, after: 40, sample: "", sources: ["checkout-1"], firstSeen: onset + M },
        { signature: "internal error: unexpected EOF", level: "error", count: 9, before: 6, after: 3, sample: "", sources: ["checkout-1"] },
        { signature: "request completed", level: "info", count: 900, before: 600, after: 300, sample: "", sources: ["checkout-1"] },
        { signature: "LOG: duration: <n> ms execute <unnamed>", level: "info", count: 12, before: 0, after: 12, sample: "", sources: ["checkout-1"] },
      ],
      coverage,
      onset,
      new Set(["payments", "inventory", "orders-db"]),
    );
    expect(ev.map((e) => [e.service, e.signature, e.count, e.error])).toEqual([
      ["payments", "in checkout's logs: upstream payments call failed: context deadline exceeded", 40, true],
      ["checkout", "LOG: duration: <n> ms execute <unnamed>", 12, false],
    ]);
  });
});

describe("log evidence: what a caller blames is shared out", () => {
  it("a line naming a dependency weighs by its part of what the caller logged since the onset (the walk's checkout, failing on its own)", () => {
    const onset = NOW - 15 * M;
    const sig = (signature: string, after: number) => ({ signature, level: "error" as const, count: after, before: 0, after, sample: "", sources: ["checkout-1"], firstSeen: onset + M });
    const ev = logEvidence("checkout", [sig("upstream payments returned <n> Internal Server Error", 312), sig("upstream orders-db returned <n> Internal Server Error", 25), sig("internal error: unexpected EOF", 41)], { from: NOW - 45 * M, to: NOW }, onset, new Set(["payments", "orders-db"]));
    const share = Object.fromEntries(ev.map((e) => [e.service, e.share]));
    expect(share.payments).toBeCloseTo(312 / 378, 3);
    expect(share["orders-db"]).toBeCloseTo(25 / 378, 3);
    expect(share.checkout).toBeUndefined();
    // A caller whose only lines name one dependency blames it in full.
    expect(logEvidence("inventory", [sig("timeout waiting for orders-db query after <n>ms", 90)], { from: NOW - 45 * M, to: NOW }, onset, new Set(["orders-db"]))[0]?.share).toBeUndefined();
  });
});

describe("log base rates: sparse background lines are not evidence", () => {
  it("a line seen a few times in a long incident and never in the window before is what its base rate predicts", () => {
    // disk-full seed 3: "upstream orders-db returned 500" in catalog's logs, 0 in the 25 min before, 3 in the 90 min since.
    expect(unusualSinceOnset(0, 3, 25 * M, 90 * M)).toBe(false);
    expect(unusualSinceOnset(0, 1, 25 * M, 5 * M)).toBe(false);
    expect(unusualSinceOnset(0, 2, 25 * M, 10 * M)).toBe(false);
    // A real fault's lines: many, new or sharply up.
    expect(unusualSinceOnset(0, 40, 25 * M, 10 * M)).toBe(true);
    expect(unusualSinceOnset(5, 300, 25 * M, 10 * M)).toBe(true);
    expect(unusualSinceOnset(20, 10, 25 * M, 10 * M)).toBe(false);
  });

  it("the dependency a sparse line names gets no evidence from it", () => {
    const onset = NOW - 90 * M;
    const ev = logEvidence(
      "catalog",
      [
        { signature: "upstream orders-db returned <n> Internal Server Error", level: "error", count: 3, before: 0, after: 3, sample: "", sources: ["catalog-1"], firstSeen: onset + 40 * M },
        { signature: "failed to write thumbnail cache <*>: no space left on device (ENOSPC)", level: "error", count: 300, before: 0, after: 300, sample: "", sources: ["catalog-1"], firstSeen: onset + M },
      ],
      { from: onset - 25 * M, to: NOW },
      onset,
      new Set(["orders-db", "cache"]),
    );
    expect(ev.map((e) => e.service)).toEqual(["catalog"]);
  });
});

describe("assembleContext over in-memory ports", () => {
  let db: Db;
  beforeAll(async () => {
    db = await databases.open();
    // A harmless deploy of search ten minutes before the leak (the red herring).
    await db.query("INSERT INTO change_events (id, source, kind, service, version, data, at) VALUES ('gh-9', 'github', 'deploy', 'search', '3.1.0', '{}', $1)", [iso(LEAK - 10 * M)]);
  });
  afterAll(async () => db.close());

  const incident: Incident = { id: "inc-1", title: "checkout is burning its error budget", status: "open", severity: "sev2", origin: "alert", services: ["checkout", "frontend", "payments", "cache"], createdAt: iso(NOW - 14 * M), updatedAt: iso(NOW) };
  const alerts = [alert("RedisEvictionsHigh", "cache", NOW - 30 * M, { severity: "sev3" }), alert("SLOErrorBudgetBurn", "checkout", LEAK + 6 * M), alert("SLOErrorBudgetBurn", "frontend", LEAK + 7 * M), alert("DBConnectionPoolExhausted", "payments", LEAK + 9 * M)];

  it("gathers every source, moves the onset to the pool's climb, and ranks the pool leak first", async () => {
    const ports = memoryPorts({ now: NOW, metrics: poolLeakMetrics(), pods: shopPods(), logs: poolLeakLogs(), oncall: { checkout: [{ user: { id: "P1", name: "Alice Chen" }, level: 1, escalationPolicy: { id: "E", name: "Shop" }, start: null, end: null }] } });
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => RUNBOOKS, search: async () => [] }, ports });
    const ctx = await assembleContext(incident, alerts, TOPOLOGY, t);
    expect(ctx.tools.map((x) => `${x.tool}:${x.status}`)).toEqual(["service_metrics:ok", "recent_changes:ok", "k8s_pod_state:ok", "k8s_events:no_data", "log_signatures:ok", "who_is_on_call:ok", "similar_incidents:no_data"]);
    expect(ctx.gaps).toEqual([]);
    expect(ctx.symptom).toEqual({ service: "checkout", metric: "error_ratio", alert: "SLOErrorBudgetBurn" });
    // The pool started filling before the edge's alert: the onset follows the pool.
    expect(ctx.window.onset).toBeLessThan(LEAK + 6 * M);
    expect(ctx.window.onset).toBeGreaterThanOrEqual(LEAK - 2 * M);
    expect(ctx.input.changes?.map((c) => c.service)).toEqual(["search"]);
    // checkout's and frontend's timeouts blame their dependencies; payments' own errors stay its own.
    const logs = ctx.input.logs!.map((l) => `${l.service} <- ${l.signature}`);
    expect(logs).toEqual([
      "payments <- in checkout's logs: upstream payments call failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
      "checkout <- in frontend's logs: upstream request to checkout timed out after <n>ms",
      "payments <- HikariPool-<n> - Connection is not available, request timed out after <n>ms (total=<n>, active=<n>, idle=<n>, waiting=<n>)",
    ]);
    expect(logs.some((l) => l.includes("unexpected EOF"))).toBe(false); // as frequent before the onset: background
    expect(ctx.runbooks.find((r) => r.service === "payments")?.id).toBe("db-connection-exhaustion");
    expect(ctx.oncall?.people.map((p) => p.user.name)).toEqual(["Alice Chen"]);
    expect(ctx.workloads["orders-db"]?.kind).toBe("StatefulSet");

    const d = diagnose(ctx.input);
    expect(itemAt(d.hypotheses, 0).service).toBe("payments");
    expect(d.uncertainty).toBe("confident");
    const rank = (s: string) => d.hypotheses.findIndex((h) => h.service === s);
    expect(rank("search") === -1 || rank("search") > 0).toBe(true);
    expect(rank("cache") === -1 || rank("cache") > 0).toBe(true);

    // The remedy: the pool runbook's first action, on payments' Deployment.
    const remedy = chooseRemedy(d, ctx, RUNBOOKS, alerts);
    expect(remedy?.recommendation).toMatchObject({ type: "rollout_restart", target: { service: "payments" }, hypothesisRef: "rank 1: payments" });
    expect(remedy?.runbook?.id).toBe("db-connection-exhaustion");
  });

  it("names what it could not read as investigation gaps instead of failing", async () => {
    const t = new Toolsets({
      clock: systemClock,
      ...toolsetRepos(db),
      knowledge: { loadedRunbooks: () => RUNBOOKS, search: async () => [] },
      ports: { metrics: memoryPorts({ now: NOW, metrics: poolLeakMetrics() }).metrics },
      disabledReasons: { kubernetes: "Kubernetes is not configured (set KUBECONFIG or AISRE_K8S_IN_CLUSTER)" },
    });
    const ctx = await assembleContext(incident, alerts, TOPOLOGY, t);
    expect(ctx.gaps).toEqual(["pod state: Kubernetes is not configured (set KUBECONFIG or AISRE_K8S_IN_CLUSTER)", "logs: Kubernetes is not configured (set KUBECONFIG or AISRE_K8S_IN_CLUSTER)"]);
    expect(ctx.input.queried).toMatchObject({ k8s: false, logs: false, changes: true });
    const d = diagnose(ctx.input);
    expect(itemAt(d.hypotheses, 0).service).toBe("payments");
    expect(d.gaps).toEqual(expect.arrayContaining(["no Kubernetes pod data", "no log data"]));
  });
});

describe("chooseRemedy", () => {
  const ctx = { runbooks: [], logs: [], workloads: { inventory: { kind: "Deployment" as const, pods: ["inventory-a", "inventory-b"] }, "orders-db": { kind: "StatefulSet" as const, pods: ["orders-db-0"] } } };
  const diag = (service: string, evidence: Array<{ kind: "change" | "metric" | "log"; summary: string; weight: number }>, confidence = 0.9) => ({
    hypotheses: [{ rank: 1, service, cause: `${service}: it broke.`, services: [service], score: 1, confidence, evidence: evidence.map((e) => ({ ...e, source: { service } })), counterEvidence: [], gaps: [] }],
    uncertainty: "confident" as const,
    headline: "",
    gaps: [],
    notes: [],
    elapsedMs: 0,
  });

  it("rolls back a deploy that lines up with the onset, above any runbook", () => {
    const r = chooseRemedy(diag("inventory", [{ kind: "change", summary: "deploy 2.3.0 at 10:00Z, 3 min before onset", weight: 0.9 }]), ctx, RUNBOOKS, [alert("HighErrorRate", "inventory", NOW)]);
    expect(r?.recommendation.type).toBe("rollback");
    expect(r?.why).toContain("deploy 2.3.0");
  });

  it("deletes the one pod the alerts name; kills the runaway query rather than restart a database", () => {
    const disk = chooseRemedy(diag("inventory", [{ kind: "metric", summary: "disk_utilization rose to 1", weight: 0.6 }]), ctx, RUNBOOKS, [alert("PodDiskAlmostFull", "inventory", NOW, { labels: { pod: "inventory-b" } })]);
    expect(disk?.recommendation).toMatchObject({ type: "delete_pod", target: { service: "inventory", pod: "inventory-b" } });
    const db = chooseRemedy(diag("orders-db", [{ kind: "metric", summary: "cpu_utilization rose to 0.99", weight: 0.6 }]), ctx, RUNBOOKS, [alert("PostgresHighCPU", "orders-db", NOW), alert("PostgresLongRunningQuery", "orders-db", NOW)]);
    expect(db?.recommendation).toMatchObject({ type: "kill_db_query", target: { service: "orders-db", kind: "StatefulSet" } });
  });

  it("rolls back a crash-looping service's rollout even when the ranking gives its deploy little weight; never restarts it first", () => {
    const cart = { ...ctx, workloads: { cart: { kind: "Deployment" as const, pods: ["cart-a", "cart-b"] } } };
    const crashing = diag("cart", [{ kind: "log", summary: "ENOENT: no such file or directory, open '/etc/cart/flags.yaml'", weight: 0.7 }]);
    const alerts = [alert("KubePodCrashLooping", "cart", NOW)];
    const onset = Math.floor(NOW / 1000);
    // Without a change of cart seen yet: restarting pods that crash at start is no remedy, so nothing is proposed yet.
    const looping = diag("cart", [{ kind: "log", summary: "ENOENT: no such file or directory", weight: 0.7 }]);
    itemAt(looping.hypotheses, 0).evidence.push({ kind: "k8s", summary: "CrashLoopBackOff ×12", weight: 0.8, source: { service: "cart" } } as never);
    expect(chooseRemedy(looping, { ...cart, input: { anomalyStart: onset, changes: [{ service: "search", at: onset - 300, kind: "deploy", version: "3.1.0" }] } }, RUNBOOKS, alerts)).toBeUndefined();
    // Without a change and without crash loops, the crash-loop runbook's other actions apply.
    expect(chooseRemedy(crashing, { ...cart, input: { anomalyStart: onset, changes: [] } }, RUNBOOKS, alerts)?.recommendation.type).not.toBe("rollback");
    // cart 1.8.0 rolled out (and failed its progress deadline) around the onset: roll it back.
    const r = chooseRemedy(crashing, { ...cart, input: { anomalyStart: onset, changes: [{ service: "cart", at: onset - 120, kind: "deploy", version: "1.8.0" }] } }, RUNBOOKS, alerts);
    expect(r?.recommendation).toMatchObject({ type: "rollback", target: { service: "cart" } });
    expect(r?.why).toContain("deploy 1.8.0 of cart 2 min before the onset");
    // A slow trend dated the onset 76 minutes before the deploy, which came just before the incident opened: still its rollout.
    const early = chooseRemedy(looping, { ...cart, input: { anomalyStart: onset - 76 * 60, changes: [{ service: "cart", at: onset, kind: "deploy", version: "1.8.0" }] } }, RUNBOOKS, alerts, { openedAtS: onset + 60 });
    expect(early?.recommendation).toMatchObject({ type: "rollback", target: { service: "cart" } });
    // A deploy made after the incident opened (someone's fix) is not rolled back.
    expect(chooseRemedy(looping, { ...cart, input: { anomalyStart: onset - 76 * 60, changes: [{ service: "cart", at: onset + 600, kind: "deploy", version: "1.8.1" }] } }, RUNBOOKS, alerts, { openedAtS: onset + 60 })).toBeUndefined();
  });

  it("restarts only a service whose own state is at fault: not a front end whose latency and errors come from what it calls", () => {
    const front = { ...ctx, workloads: { frontend: { kind: "Deployment" as const, pods: ["frontend-a", "frontend-b"] }, payments: { kind: "Deployment" as const, pods: ["payments-a", "payments-b"] } } };
    const alerts = [alert("SLOErrorBudgetBurn", "frontend", NOW), alert("HighLatencyP99", "frontend", NOW)];
    const victim = diag("frontend", [
      { kind: "metric", summary: "latency p99 rose to 2.03 s", weight: 0.7 },
      { kind: "metric", summary: "error ratio rose to 4.11 %", weight: 0.6 },
    ]);
    const withMetric = (d: ReturnType<typeof diag>, metric: (summary: string) => string | undefined) => {
      const lead = itemAt(d.hypotheses, 0);
      lead.evidence = lead.evidence.map((e) => ({ ...e, source: { service: lead.service, metric: metric(e.summary) } }));
      return d;
    };
    withMetric(victim, (x) => (/latency/.test(x) ? "latency_p99" : "error_ratio"));
    expect(chooseRemedy(victim, front, RUNBOOKS, alerts)).toBeUndefined();
    // A full connection pool is its own state: restarting returns the connections.
    const pool = diag("payments", [
      { kind: "metric", summary: "db pool utilization rose to 100 %", weight: 0.8 },
      { kind: "metric", summary: "latency p99 rose to 2.5 s", weight: 0.7 },
    ]);
    withMetric(pool, (x) => (/pool/.test(x) ? "db_pool_utilization" : "latency_p99"));
    expect(chooseRemedy(pool, front, RUNBOOKS, [alert("DBConnectionPoolExhausted", "payments", NOW)])?.recommendation).toMatchObject({ type: "rollout_restart", target: { service: "payments" } });
  });

  it("does not restart a service its callers' logs name while its own dependencies fail too: it may only pass their failure on", () => {
    // checkout led for a minute of the cascading failure: its latency rose and frontend's logs named it
    // (502s), while payments, which it calls, was running out of connections.
    const wk = { ...ctx, workloads: { checkout: { kind: "Deployment" as const, pods: ["checkout-a", "checkout-b"] } } };
    const checkout = () => {
      const d = diag("checkout", [{ kind: "metric", summary: "latency p99 rose to 2.35 s", weight: 0.7 }]);
      const lead = itemAt(d.hypotheses, 0);
      const evidence: EvidenceItem[] = [
        { kind: "metric", summary: "latency p99 rose to 2.35 s", weight: 0.7, source: { service: "checkout", metric: "latency_p99" } },
        { kind: "log", summary: `24× "in frontend's logs: upstream checkout responded <n>: bad gateway"`, weight: 0.4, source: { service: "checkout", ref: "in frontend's logs: upstream checkout responded <n>: bad gateway" } },
      ];
      lead.evidence = evidence as never;
      return d;
    };
    const victim = checkout();
    itemAt(victim.hypotheses, 0).counterEvidence = [{ kind: "topology", summary: "its own dependencies are anomalous too (cache, payments): it may be a victim", weight: 0.3, source: { service: "checkout", ref: "graph" } }] as never;
    const alerts = [alert("HighLatencyP99", "checkout", NOW)];
    expect(chooseRemedy(victim, wk, RUNBOOKS, alerts)?.recommendation.type).not.toBe("rollout_restart");
    // With its dependencies healthy, the errors its callers see are its own: a restart may be proposed.
    expect(chooseRemedy(checkout(), wk, RUNBOOKS, alerts)?.recommendation).toMatchObject({ type: "rollout_restart", target: { service: "checkout" } });
  });

  it("recommends nothing when unsure", () => {
    expect(chooseRemedy({ ...diag("inventory", [{ kind: "change", summary: "deploy", weight: 0.9 }]), uncertainty: "unsure: two candidates" }, ctx, RUNBOOKS, [])).toBeUndefined();
    expect(chooseRemedy(diag("inventory", [{ kind: "change", summary: "deploy", weight: 0.9 }], 0.3), ctx, RUNBOOKS, [])).toBeUndefined();
  });
});
