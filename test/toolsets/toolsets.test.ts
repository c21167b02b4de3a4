import { systemClock } from "../../src/domain/clock.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudWatchPort } from "../../src/integrations/cloudwatch/port.ts";
import { loadRunbookDir } from "../../src/knowledge/runbook.ts";
import type { Db } from "../../src/store/db.ts";
import { toolsetRepos } from "../support/toolset-repos.ts";
import { changesFromRevisions, mergeChanges } from "../../src/toolsets/changes.ts";
import { Toolsets } from "../../src/toolsets/index.ts";
import { eventSignal, podSignals, serviceOfPod } from "../../src/toolsets/kubernetes.ts";
import { memoryPod, memoryPorts } from "../../src/toolsets/memory-ports.ts";
import { DEFAULT_PROM_QUERIES, promQueryFor } from "../../src/toolsets/metrics.ts";
import { defineTool } from "../../src/toolsets/types.ts";
import { z } from "zod";
import { itemAt } from "../../src/domain/indexed.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

const databases = reusedDatabases();
const NOW = Date.parse("2026-03-14T10:30:00Z");
const defined1 = <T>(v: T | undefined): T => {
  if (v === undefined) throw new Error("expected a value");
  return v;
};
const iso = (ms: number) => new Date(ms).toISOString();
const M = 60_000;
const RUNBOOKS = loadRunbookDir(new URL("../../runbooks", import.meta.url).pathname).runbooks;

function series(metric: string, f: (i: number) => number, n = 60, step = 60) {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    timestamps.push(NOW / 1000 - (n - 1 - i) * step);
    values.push(f(i));
  }
  return { metric, timestamps, values };
}

describe("toolsets without integrations", () => {
  let db: Db;
  beforeAll(async () => {
    db = await databases.open();
  });
  afterAll(async () => db.close());

  it("say which are disabled and why; every tool answers with a value, never a throw", async () => {
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, disabledReasons: { kubernetes: "Kubernetes is not configured (set KUBECONFIG)" } });
    expect(
      t
        .disabled()
        .map((d) => d.toolset)
        .sort(),
    ).toEqual(["kubernetes", "metrics", "oncall"]);
    expect(await t.kubernetes.t.podState.run({})).toEqual({ status: "disabled", reason: "Kubernetes is not configured (set KUBECONFIG)" });
    expect((await t.metrics.t.serviceMetrics.run({ services: ["api"], start: NOW - 3600_000 })).status).toBe("disabled");
    expect((await t.oncall.t.whoIsOnCall.run({ service: "api" })).status).toBe("disabled");
    // Changes still work from the store; rollout history is named as missing.
    const c = await t.changes.t.recentChanges.run({ services: ["api"] });
    expect(c).toMatchObject({ status: "no_data" });
    expect((c as { reason: string }).reason).toContain("Kubernetes is not connected");
    // Its window in times of day the thread shows as Slack dates, never raw ISO times.
    const window = await t.changes.t.recentChanges.run({ services: ["api"], since: Date.parse("2026-12-06T00:46:15Z"), until: Date.parse("2026-12-06T06:48:15Z") });
    expect((window as { reason: string }).reason).toMatch(/^no changes to api between 00:46 UTC and 06:48 UTC/);
    expect((await t.knowledge.t.runbookMatches.run({ text: "oom" })).status).toBe("no_data");
    expect(await t.call("no_such_tool", {})).toMatchObject({ status: "error" });
  });

  it("publishes function-calling specs with JSON Schema and the enabled flag", () => {
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] } });
    const specs = t.specs();
    const names = specs.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["recent_changes", "service_metrics", "promql_range", "k8s_pod_state", "k8s_events", "k8s_rollout_history", "log_signatures", "k8s_pod_logs", "runbook_matches", "similar_incidents", "who_is_on_call"]));
    const pods = specs.find((s) => s.name === "k8s_pod_state")!;
    expect(pods).toMatchObject({ enabled: false, toolset: "kubernetes" });
    expect(pods.disabledReason).toMatch(/Kubernetes is not connected/);
    expect(JSON.stringify(specs.find((s) => s.name === "service_metrics")!.parameters)).toContain('"services"');
  });

  it("rejects bad arguments with the field, and a hung integration with a timeout", async () => {
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => RUNBOOKS, search: async () => [] }, ports: memoryPorts({}) });
    const bad = await t.call("service_metrics", { services: [], start: "yesterday" });
    expect(bad.status).toBe("error");
    expect((bad as { error: string }).error).toMatch(/services.*start|start.*services/s);
    const slow = defineTool({ name: "slow", description: "", parameters: z.object({}), availability: () => ({ enabled: true }), timeoutMs: 50, run: () => new Promise(() => undefined) });
    expect(await slow.run({})).toEqual({ status: "error", error: "slow did not answer within 0 s" });
  });
});

describe("Kubernetes toolset", () => {
  let db: Db;
  beforeAll(async () => {
    db = await databases.open();
  });
  afterAll(async () => db.close());

  const pods = [
    memoryPod({ name: "cart-5d8f7c9b6-aaaaa", service: "cart" }),
    memoryPod({
      name: "cart-5d8f7c9b6-bbbbb",
      service: "cart",
      ready: false,
      restarts: 4,
      status: "CrashLoopBackOff",
      createdAt: iso(NOW - 8 * M),
      containers: [{ name: "cart", image: "r/cart:1.8.0", ready: false, restartCount: 4, state: "waiting", reason: "CrashLoopBackOff", message: "back-off 40s", lastTerminated: { reason: "Error", exitCode: 1, finishedAt: iso(NOW - M) } }],
    }),
    memoryPod({
      name: "worker-7c4b9d8f5-ccccc",
      service: "worker",
      restarts: 1,
      containers: [{ name: "worker", image: "r/worker:4.2.1", ready: true, restartCount: 1, state: "running", lastTerminated: { reason: "OOMKilled", exitCode: 137, finishedAt: iso(NOW - 5 * M) } }],
      createdAt: iso(NOW - 48 * 3600_000),
    }),
    memoryPod({ name: "db-0", service: "db", labels: {}, deployment: undefined, owner: { kind: "StatefulSet", name: "db" } }),
    memoryPod({ name: "search-6f7d8c9b5-ddddd", service: "search", phase: "Pending", status: "Pending", ready: false, containers: [], createdAt: iso(NOW - 3 * M) }),
  ];

  it("maps pods to services by label or controller", () => {
    expect(serviceOfPod(itemAt(pods, 0))).toBe("cart");
    expect(serviceOfPod(itemAt(pods, 3))).toBe("db");
    expect(serviceOfPod({ name: "reporting-28934-x1y2z", labels: {}, owner: { kind: "Job", name: "reporting-28934" } })).toBe("reporting");
  });

  it("reads pod signals: crash loops, recent OOM kills and restarts, pending pods", async () => {
    expect(podSignals("cart", pods.slice(0, 2), NOW - 30 * M)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "CrashLoopBackOff", count: 1 }), expect.objectContaining({ kind: "restarts", count: 4 })]));
    const worker = podSignals("worker", [itemAt(pods, 2)], NOW - 30 * M);
    expect(worker.map((s) => s.kind).sort()).toEqual(["OOMKilled", "restarts"]);
    expect(worker.find((s) => s.kind === "restarts")!.count).toBe(1); // an old pod: only the last restart is known to be recent
    expect(podSignals("worker", [itemAt(pods, 2)], NOW - 2 * M)).toEqual([]); // the kill was before the window
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, ports: memoryPorts({ pods }) });
    const r = await t.kubernetes.t.podState.run({ services: ["cart", "search", "db", "nope"], since: NOW - 30 * M });
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.data.map((s) => [s.service, s.workload])).toEqual([
      ["cart", "Deployment"],
      ["search", "Deployment"],
      ["db", "StatefulSet"],
    ]);
    expect(r.data.find((s) => s.service === "search")!.signals.map((s) => s.kind)).toEqual(["Pending"]);
    expect(r.summary).toMatch(/cart: CrashLoopBackOff/);
  });

  it("a pod signal says when the earliest pod behind it was born (unknown when one pod's birth is)", async () => {
    const { mergeSignals } = await import("../../src/diagnose/live/assemble.ts");
    const pending = (name: string, createdAt?: string) => memoryPod({ name, service: "inventory", phase: "Pending", ...(createdAt ? { createdAt } : {}) });
    const [both] = podSignals("inventory", [pending("inventory-2-aaaaa", iso(NOW - 2 * M)), pending("inventory-2-bbbbb", iso(NOW - 5 * M))], NOW - 30 * M);
    expect(both).toMatchObject({ kind: "Pending", count: 2, bornAt: NOW - 5 * M });
    const [unknown] = podSignals("inventory", [pending("inventory-2-aaaaa", iso(NOW - 2 * M)), pending("inventory-2-ccccc")], NOW - 30 * M);
    expect(unknown?.bornAt).toBeUndefined();
    // Pod and event signals of one kind: born after a rollout only when both say so.
    const event = { service: "inventory", kind: "Pending" as const, count: 1, at: NOW - 8 * M, bornAt: NOW - 8 * M, via: "event" as const };
    expect(mergeSignals([[defined1(both)], [event]])[0]?.bornAt).toBe(NOW - 8 * M);
    expect(mergeSignals([[defined1(unknown)], [event]])[0]?.bornAt).toBeUndefined();
  });

  it("turns warning events into signals attributed to their service", async () => {
    const ev = (reason: string, message: string, object: { kind: string; name: string }, type = "Warning", count = 3) => ({ namespace: "prod", type, reason, message, object, count, firstSeen: iso(NOW - 10 * M), lastSeen: iso(NOW - M) });
    const events = [
      ev("BackOff", "Back-off restarting failed container cart in pod cart-5d8f7c9b6-bbbbb", { kind: "Pod", name: "cart-5d8f7c9b6-bbbbb" }),
      ev("FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.", { kind: "Pod", name: "search-6f7d8c9b5-ddddd" }),
      ev("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", { kind: "Pod", name: "cart-5d8f7c9b6-aaaaa" }),
      ev("ScalingReplicaSet", "Scaled up replica set cart-5d8f7c9b6 to 2", { kind: "Deployment", name: "cart" }, "Normal"),
      ev("BackOff", "Back-off pulling image", { kind: "Pod", name: "old-pod" }),
    ];
    itemAt(events, 4).lastSeen = iso(NOW - 5 * 3600_000);
    expect(eventSignal("cart", itemAt(events, 0))).toMatchObject({ kind: "CrashLoopBackOff", count: 3, via: "event" });
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, ports: memoryPorts({ pods, events }) });
    const r = await t.kubernetes.t.events.run({ since: NOW - 30 * M });
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.data.events.map((e) => e.reason).sort()).toEqual(["BackOff", "FailedScheduling", "Unhealthy"]);
    expect(r.data.signals.map((s) => `${s.service}:${s.kind}`).sort()).toEqual(["cart:CrashLoopBackOff", "cart:ProbeFailures", "search:Pending"]);
  });

  it("clusters the logs of the troubled pods first, with the previous container of restarted ones", async () => {
    const line = (at: number, text: string) => `${iso(at)} ${text}`;
    const logs = {
      "cart-5d8f7c9b6-aaaaa": [line(NOW - 20 * M, '{"level":30,"msg":"request completed","res":{"statusCode":200}}'), line(NOW - 2 * M, '{"level":30,"msg":"request completed","res":{"statusCode":200}}')].join("\n"),
      "cart-5d8f7c9b6-bbbbb": line(NOW - 30_000, "cart 1.8.0 starting"),
    };
    const previousLogs = { "cart-5d8f7c9b6-bbbbb": [line(NOW - 90_000, "Error: ENOENT: no such file or directory, open '/etc/cart/flags.yaml'"), line(NOW - 90_000, "    at loadFlags (/app/dist/config.js:41:27)")].join("\n") };
    const ports = memoryPorts({ pods, logs, previousLogs });
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, ports });
    const r = await t.kubernetes.t.logSignatures.run({ service: "cart", since: NOW - 30 * M, now: NOW, maxPods: 1, splitAt: NOW - 10 * M });
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.data.pods).toEqual(["cart-5d8f7c9b6-bbbbb"]);
    expect(r.data.signatures[0]).toMatchObject({ level: "error", count: 1, before: 0, after: 1, signature: "Error: ENOENT: no such file or directory, open '/etc/cart/flags.yaml'" });
    expect(ports.calls.podLogs).toBe(2);
  });
});

describe("changes toolset", () => {
  let db: Db;
  beforeAll(async () => {
    db = await databases.open();
  });
  afterAll(async () => db.close());

  const revisions = [
    { revision: 1, replicaSet: "inventory-1", replicas: 0, readyReplicas: 0, images: ["r/inventory:2.1.0"], createdAt: iso(NOW - 30 * 24 * 3600_000), current: false },
    { revision: 2, replicaSet: "inventory-2", replicas: 0, readyReplicas: 0, images: ["r/inventory:2.2.0"], createdAt: iso(NOW - 3 * 3600_000), current: false },
    { revision: 3, replicaSet: "inventory-3", replicas: 0, readyReplicas: 0, images: ["r/inventory:2.3.0"], createdAt: iso(NOW - 12 * M), current: false },
    { revision: 4, replicaSet: "inventory-4", replicas: 0, readyReplicas: 0, images: ["r/inventory:2.3.0"], createdAt: iso(NOW - 2 * M), current: false },
    // A rollout restart (aisre's remedy): the same spec, a new restartedAt.
    { revision: 5, replicaSet: "inventory-5", replicas: 0, readyReplicas: 0, images: ["r/inventory:2.3.0"], createdAt: iso(NOW - M), current: true, restartedAt: iso(NOW - M) },
  ];

  it("reads rollout history as deploys and template changes", () => {
    const c = changesFromRevisions("inventory", revisions, NOW - 6 * 3600_000, NOW);
    expect(c.map((x) => [x.kind, x.version, x.previousVersion])).toEqual([
      ["deploy", "2.2.0", "2.1.0"],
      ["deploy", "2.3.0", "2.2.0"],
      ["config", "2.3.0", undefined],
    ]);
    // The same rollout seen by a webhook is kept once (the webhook's, it says more).
    const hook = { service: "inventory", at: iso(NOW - 11 * M), kind: "deploy" as const, version: "v2.3.0", description: "multi-warehouse reservations", source: "github" };
    expect(mergeChanges([hook], c).map((x) => `${x.source}:${x.version}`)).toEqual(["kubernetes:2.2.0", "github:v2.3.0", "kubernetes:2.3.0"]);
  });

  it("merges deploy webhooks from the store with the cluster's rollout history", async () => {
    await db.query("INSERT INTO change_events (id, source, kind, service, version, data, at) VALUES ($1, 'github', 'deploy', 'inventory', '2.3.0', $2, $3)", ["gh-1", JSON.stringify({ author: "maria-dev", description: "multi-warehouse reservations (#1432)" }), iso(NOW - 12 * M)]);
    const deployments = [{ namespace: "prod", name: "inventory", replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, revision: 4, images: [], paused: false, generation: 4, observedGeneration: 4, conditions: [], labels: {} }];
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, ports: memoryPorts({ deployments, revisions: { inventory: revisions } }) });
    const r = await t.changes.t.recentChanges.run({ services: ["inventory", "cart"], since: NOW - 6 * 3600_000, until: NOW });
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.data.map((c) => `${c.source}:${c.kind}:${c.version}`)).toEqual(["kubernetes:deploy:2.2.0", "github:deploy:2.3.0", "kubernetes:config:2.3.0"]);
    expect(r.data[1]).toMatchObject({ author: "maria-dev", description: "multi-warehouse reservations (#1432)" });
  });
});

describe("metrics toolset", () => {
  let db: Db;
  beforeAll(async () => {
    db = await databases.open();
  });
  afterAll(async () => db.close());

  it("fills the per-service queries for the asked services and reads the results back per service", async () => {
    const q = promQueryFor(itemAt(DEFAULT_PROM_QUERIES, 0), "service", ["orders-db", "a.b"]);
    expect(q).toBe('sum by (service) (rate(http_requests_total{service=~`orders-db|a\\.b`,code=~"5.."}[2m])) / sum by (service) (rate(http_requests_total{service=~`orders-db|a\\.b`}[2m]))');
    const ports = memoryPorts({
      now: NOW,
      metrics: [
        { service: "api", series: [series("error_ratio", (i) => (i > 50 ? 0.2 : 0.001)), series("latency_p99", () => 0.3)] },
        { service: "db", series: [series("cpu_utilization", (i) => (i > 45 ? 0.95 : 0.2))] },
      ],
    });
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, ports });
    expect(await t.metrics.systemNow()).toBe(NOW);
    const r = await t.metrics.t.serviceMetrics.run({ services: ["api", "db", "cache"], start: NOW - 30 * M, end: NOW });
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.data.services.map((s) => [s.service, s.series.map((x) => x.metric).sort()])).toEqual([
      ["api", ["error_ratio", "latency_p99"]],
      ["db", ["cpu_utilization"]],
    ]);
    expect(itemAt(itemAt(r.data.services, 0).series, 0).timestamps.length).toBe(31);
    expect(r.notes).toContain("no metrics for cache");
    expect(ports.calls.queryRange).toBe(DEFAULT_PROM_QUERIES.length);
  });

  it("asks CloudWatch only for what Prometheus has nothing for, and says when a backend fails", async () => {
    const asked: string[] = [];
    const cloudwatch: Pick<CloudWatchPort, "listMetrics" | "getMetricData"> = {
      async listMetrics(f) {
        const s = f?.dimensions?.Service ?? "";
        asked.push(s);
        return s === "cache" ? [{ namespace: "AWS/ElastiCache", metricName: "Evictions", dimensions: { Service: "cache" } }] : [];
      },
      async getMetricData(queries) {
        return queries.map((q) => ({ id: q.id, label: q.metricName ?? "", status: "Complete", timestamps: [NOW / 1000 - 120, NOW / 1000 - 60], values: [0, 45] }));
      },
    };
    const ports = { ...memoryPorts({ metrics: [{ service: "api", series: [series("error_ratio", () => 0.01)] }] }), cloudwatch };
    const t = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, ports });
    const r = await t.metrics.t.serviceMetrics.run({ services: ["api", "cache"], start: NOW - 30 * M, end: NOW });
    expect(asked).toEqual(["cache"]);
    expect(r.status === "ok" && r.data.services.map((s) => `${s.service}:${itemAt(s.series, 0).metric}`)).toEqual(["api:error_ratio", "cache:AWS/ElastiCache/Evictions"]);
    expect(r.status === "ok" && r.data.sources).toEqual(["prometheus", "cloudwatch"]);

    const broken = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => [], search: async () => [] }, ports: { metrics: { query: async () => [], queryRange: async () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.9:9090")) } } });
    const e = await broken.metrics.t.serviceMetrics.run({ services: ["api"], start: NOW - 30 * M });
    expect(e).toMatchObject({ status: "error" });
    expect((e as { error: string }).error).toMatch(/every Prometheus query failed \(error_ratio: connect ECONNREFUSED/);
  });
});

describe("knowledge and on-call toolsets", () => {
  let db: Db;
  beforeAll(async () => {
    db = await databases.open();
  });
  afterAll(async () => db.close());

  it("matches runbooks with the actions they name, finds similar incidents, says who is on call", async () => {
    const oncall = {
      checkout: [
        { user: { id: "P2", name: "Carol Diaz" }, level: 2, escalationPolicy: { id: "E1", name: "Shop" }, start: null, end: null },
        { user: { id: "P1", name: "Alice Chen" }, level: 1, escalationPolicy: { id: "E1", name: "Shop" }, start: null, end: null },
      ],
    };
    const t = new Toolsets({
      clock: systemClock,
      ...toolsetRepos(db),
      knowledge: { loadedRunbooks: () => RUNBOOKS, search: async (text) => (text.includes("pool") ? [{ id: "pm:1", kind: "postmortem", title: "Payments pool exhausted (INC-12)", score: 0.8, via: ["lexical"], meta: {}, excerpt: "refund retries leaked connections" }] : []) },
      ports: memoryPorts({ oncall }),
    });
    const rb = await t.knowledge.t.runbookMatches.run({ alertNames: ["DBConnectionPoolExhausted"], services: ["payments"], text: "HikariPool-1 - Connection is not available, request timed out after 5000ms" });
    expect(rb.status === "ok" && rb.data[0]).toMatchObject({ id: "db-connection-exhaustion", actions: ["rollout_restart", "scale", "kill_db_query"] });
    const sim = await t.knowledge.t.similarIncidents.run({ text: "payments pool exhausted" });
    expect(sim.status === "ok" && itemAt(sim.data, 0).title).toBe("Payments pool exhausted (INC-12)");
    expect((await t.knowledge.t.similarIncidents.run({ text: "disk" })).status).toBe("no_data");
    const who = await t.oncall.t.whoIsOnCall.run({ service: "checkout" });
    expect(who.status === "ok" && who.data.map((o) => o.user.name)).toEqual(["Alice Chen", "Carol Diaz"]);
    expect(who.status === "ok" && who.summary).toBe("L1 Alice Chen, L2 Carol Diaz");
    expect((await t.oncall.t.whoIsOnCall.run({ service: "nobody" })).status).toBe("no_data");
  });
});
