import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/domain/alert.ts";
import { relation, type Topology } from "../../src/domain/topology.ts";
import { backlogOnly, changeBehind, DEFAULT_GROUPING, dependencyPath, groupAlert, mergeFor, labelSimilarity, takesAlertFrom, warnsOnly, type OpenIncidentView, type RecentChange } from "../../src/correlate/grouping.ts";
import { DEFAULT_LIFECYCLE, recordFlip, shouldResolve } from "../../src/correlate/lifecycle.ts";

const shop: Topology = {
  services: ["frontend", "checkout", "payments", "inventory", "orders-db", "search"],
  edges: [
    { from: "frontend", to: "checkout" },
    { from: "checkout", to: "payments" },
    { from: "checkout", to: "inventory" },
    { from: "payments", to: "orders-db" },
    { from: "frontend", to: "search" },
  ],
};

const alert = (name: string, service: string | undefined, labels: Record<string, string> = {}): Alert => ({
  fingerprint: `${name}-${service}`,
  source: "alertmanager",
  name,
  status: "firing",
  severity: "sev2",
  service,
  summary: name,
  labels,
  startsAt: "2026-11-23T10:00:00Z",
});

const now = Date.parse("2026-11-23T10:05:00Z");
const view = (id: string, services: string[], minutesAgo = 1, labelSets: Array<Record<string, string>> = []): OpenIncidentView => ({ id, services, lastActivityMs: now - minutesAgo * 60_000, labelSets });

describe("groupAlert", () => {
  it("joins an alert of a neighbouring service and explains the path", () => {
    const d = groupAlert(alert("HighLatency", "checkout"), now, [view("INC-A", ["payments"])], shop);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-A" });
    expect(d.reason).toContain("checkout calls payments");
  });

  it("opens a new incident for an unrelated service at the same time", () => {
    const d = groupAlert(alert("DiskFull", "reporting"), now, [view("INC-A", ["payments"])], shop);
    expect(d.kind).toBe("new");
  });

  it("prefers the same service over a neighbour", () => {
    const d = groupAlert(alert("Errors", "checkout"), now, [view("INC-N", ["payments"]), view("INC-S", ["checkout"], 5)], shop);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-S" });
  });

  it("does not join an incident that has been quiet longer than the window", () => {
    expect(groupAlert(alert("Errors", "checkout"), now, [view("INC-OLD", ["checkout"], 45)], shop).kind).toBe("new");
  });

  it("does not join services more than two hops apart", () => {
    expect(relation(shop, "search", "orders-db", 2)).toBeUndefined();
    expect(groupAlert(alert("Slow", "search"), now, [view("INC-A", ["orders-db"])], shop).kind).toBe("new");
  });

  it("groups service-less alerts by label similarity", () => {
    const labels = { cluster: "prod-eu", namespace: "shop", alertname: "NodePressure" };
    expect(labelSimilarity(labels, { ...labels })).toBe(1);
    const d = groupAlert(alert("NodePressure", undefined, labels), now, [view("INC-L", [], 1, [labels])], shop);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-L" });
    expect(groupAlert(alert("NodePressure", undefined, { cluster: "prod-us" }), now, [view("INC-L", [], 1, [labels])], shop).kind).toBe("new");
  });
});

/** The sandbox shop's call graph (src/sandbox/sim/catalog.ts): `from` calls `to`. */
const sim: Topology = {
  services: ["frontend", "checkout", "payments", "inventory", "cart", "catalog", "search", "orders-db", "cache", "queue", "payment-provider"],
  edges: [
    ["frontend", "catalog"],
    ["frontend", "cart"],
    ["frontend", "search"],
    ["frontend", "checkout"],
    ["checkout", "cart"],
    ["checkout", "inventory"],
    ["checkout", "payments"],
    ["checkout", "orders-db"],
    ["checkout", "queue"],
    ["payments", "payment-provider"],
    ["payments", "orders-db"],
    ["inventory", "cache"],
    ["inventory", "orders-db"],
    ["cart", "cache"],
    ["catalog", "cache"],
    ["catalog", "orders-db"],
    ["search", "catalog"],
  ].map(([from, to]) => ({ from: from!, to: to! })),
};

describe("incident identity: the same fault joins, an independent one opens its own", () => {
  const t0 = Date.parse("2026-12-05T10:00:00Z");
  const at = (min: number) => t0 + min * 60_000;
  const firing = (name: string, service: string, startMin: number): Alert => ({ ...alert(name, service), fingerprint: `${name}-${service}-${startMin}`, startsAt: new Date(at(startMin)).toISOString() });
  const inc = (id: string, o: Partial<OpenIncidentView> & { services: string[]; openedMin: number; onsets?: Record<string, number> }): OpenIncidentView => ({
    id,
    services: o.services,
    lastActivityMs: o.lastActivityMs ?? at(o.openedMin + 1),
    labelSets: [],
    openedAtMs: at(o.openedMin),
    serviceOnsetMs: Object.fromEntries(Object.entries(o.onsets ?? Object.fromEntries(o.services.map((s) => [s, o.openedMin]))).map(([s, m]) => [s, at(m)])),
    ...(o.suspectedCause ? { suspectedCause: o.suspectedCause } : {}),
    ...(o.recoveredAtMs !== undefined ? { recoveredAtMs: o.recoveredAtMs } : {}),
  });

  it("follows calls, not mere adjacency: a service depends on what it calls", () => {
    expect(dependencyPath(sim, "frontend", "inventory", 2)).toEqual({ hops: 2, path: ["frontend calls checkout", "checkout calls inventory"] });
    expect(dependencyPath(sim, "catalog", "inventory", 3)).toBeUndefined();
  });

  it("a new fault upstream of the incident's edge that starts much later opens its own incident (bad-deploy, then disk-full on catalog)", () => {
    const badDeploy = inc("INC-BD", { services: ["checkout", "inventory", "frontend"], openedMin: 3, suspectedCause: "inventory", onsets: { checkout: 3, inventory: 5, frontend: 4 } });
    const d = groupAlert(firing("HighErrorRate", "catalog", 18), at(18), [badDeploy], sim);
    expect(d.kind).toBe("new");
  });

  it("a dependency's warning of a coming exhaustion explains nothing above it: disk-full's first alert on catalog is its own incident", () => {
    expect(["HighErrorRate", "HighLatencyP99", "DBConnectionPoolExhausted", "KubePodCrashLooping", "ServiceDown", "SLOErrorBudgetBurn", "error-ratio anomaly", "pool-usage anomaly", "RedisEvictionsHigh"].filter(warnsOnly)).toEqual([]);
    expect(["PodDiskAlmostFull", "ContainerMemoryNearLimit", "KubePersistentVolumeFillingUp", "NodeDiskWillFillIn4Hours"].filter((n) => !warnsOnly(n))).toEqual([]);
    const badDeploy = inc("INC-BD", { services: ["checkout", "inventory", "frontend"], openedMin: 3, suspectedCause: "inventory", onsets: { checkout: 3, inventory: 5, frontend: 4 } });
    expect(groupAlert(firing("PodDiskAlmostFull", "catalog", 11), at(11), [badDeploy], sim).kind).toBe("new");
  });

  it("a dependency failing together with the incident's symptoms joins it as the cause it was waiting for (payments under checkout)", () => {
    const cascade = inc("INC-C", { services: ["cache", "checkout", "frontend"], openedMin: 5, suspectedCause: "cache", onsets: { cache: 5, checkout: 13, frontend: 13 } });
    const d = groupAlert(firing("DBConnectionPoolExhausted", "payments", 19), at(20), [cascade], sim);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-C" });
    expect(d.reason).toContain("checkout depends on payments");
  });

  it("a dependency failing with the symptoms of an incident a rollout explains is a fault of its own, unless the rollout could have disturbed it (payments under cart 1.8.0)", () => {
    const cart = inc("INC-CART", { services: ["cart", "checkout", "frontend"], openedMin: 15, onsets: { cart: 15, checkout: 18, frontend: 18 } });
    const deploys: RecentChange[] = [{ service: "cart", atMs: at(12), what: "deploy 1.8.0" }];
    expect(groupAlert(firing("error-ratio anomaly", "payments", 19), at(19), [cart], sim, undefined, deploys).kind).toBe("new");
    // What cart calls may be disturbed by its rollout: the cache failing with it joins.
    expect(groupAlert(firing("RedisEvictionsHigh", "cache", 19), at(19), [cart], sim, undefined, deploys)).toMatchObject({ kind: "join", incidentId: "INC-CART" });
    // Without the rollout, payments failing with checkout is the cause the incident was waiting for.
    expect(groupAlert(firing("error-ratio anomaly", "payments", 19), at(19), [cart], sim)).toMatchObject({ kind: "join", incidentId: "INC-CART" });
  });

  it("only a strong claim takes an alert from its own incident, open or resolved: the cache failing with cart's rollout does not take the cache's alert (flapping:cascading-failure+crashloop-config#3)", () => {
    const cart = inc("INC-CART", { services: ["cart"], openedMin: 15, onsets: { cart: 15 } });
    const deploys: RecentChange[] = [{ service: "cart", atMs: at(12), what: "deploy 1.8.0" }];
    // The cache's alert back: cart's incident explains it only as a dependency failing together (a weak claim).
    const weak = groupAlert(firing("RedisEvictionsHigh", "cache", 16), at(16), [cart], sim, undefined, deploys);
    expect(weak).toMatchObject({ kind: "join", incidentId: "INC-CART", score: 2 });
    expect(takesAlertFrom(weak, "INC-CACHE")).toBe(false);
    // The same whether the cache's incident is open or resolved (then it is not among the open ones grouped).
    expect(takesAlertFrom(weak, undefined)).toBe(false);
    // A symptom downstream of the incident, or its own service, is a strong claim: it takes the alert.
    const down = groupAlert(firing("SLOErrorBudgetBurn", "frontend", 16), at(16), [cart], sim, undefined, deploys);
    expect(down).toMatchObject({ kind: "join", incidentId: "INC-CART", score: 3 });
    expect(takesAlertFrom(down, "INC-OLD")).toBe(true);
    expect(takesAlertFrom(down, undefined)).toBe(true);
    const own = groupAlert(firing("KubePodCrashLooping", "cart", 16), at(16), [cart], sim, undefined, deploys);
    expect(takesAlertFrom(own, "INC-OLD")).toBe(true);
    // Never from the incident that claims it, nor when nothing claims it.
    expect(takesAlertFrom(own, "INC-CART")).toBe(false);
    expect(takesAlertFrom({ kind: "new", reason: "none" }, "INC-OLD")).toBe(false);
  });

  it("a downstream symptom of the incident's service joins it (checkout fails under the cache incident)", () => {
    const cascade = inc("INC-C", { services: ["cache"], openedMin: 5, suspectedCause: "cache" });
    expect(groupAlert(firing("SLOErrorBudgetBurn", "checkout", 13), at(14), [cascade], sim)).toMatchObject({ kind: "join", incidentId: "INC-C" });
  });

  it("a service deployed after the incident began, alerting right after its deploy, is a fault of its own (cart 1.8.0 under the flapping cache)", () => {
    const cascade = inc("INC-C", { services: ["cache"], openedMin: 5, suspectedCause: "cache" });
    const changes: RecentChange[] = [{ service: "cart", atMs: at(12), what: "deploy 1.8.0" }];
    const d = groupAlert(firing("KubePodCrashLooping", "cart", 14), at(15), [cascade], sim, undefined, changes);
    expect(d.kind).toBe("new");
    expect(d.reason).toContain("cart changed (deploy 1.8.0)");
    // Even when the cache incident's diagnosis already points at cart (it sees the deploy from outside).
    expect(groupAlert(firing("p99-latency anomaly", "cart", 13), at(14), [{ ...cascade, suspectedCause: "cart" }], sim, undefined, changes).kind).toBe("new");
    // A deploy from before the incident began is no such sign: cart's alert is a symptom of the cache.
    expect(groupAlert(firing("KubePodCrashLooping", "cart", 14), at(15), [cascade], sim, undefined, [{ service: "cart", atMs: at(1), what: "deploy 1.8.0" }]).kind).toBe("join");
  });

  it("a detector's slowdown on a sibling of the incident's services (both call orders-db) joins it; its errors or an alert do not", () => {
    const topo: Topology = { services: [...sim.services, "order-processor"], edges: [...sim.edges, { from: "order-processor", to: "orders-db" }, { from: "order-processor", to: "queue" }] };
    const cascade = inc("INC-C", { services: ["cache", "checkout", "frontend", "payments"], openedMin: 5, suspectedCause: "payments", recoveredAtMs: at(48), lastActivityMs: at(52) });
    const slow: Alert = { ...firing("p99-job-duration anomaly", "order-processor", 54), source: "anomaly", severity: "sev3" };
    expect(groupAlert(slow, at(54), [cascade], topo)).toMatchObject({ kind: "join", incidentId: "INC-C" });
    expect(groupAlert({ ...slow, name: "job-failure-ratio anomaly" }, at(54), [cascade], topo).kind).toBe("new");
    expect(groupAlert({ ...slow, source: "alertmanager", name: "HighLatencyP99" }, at(54), [cascade], topo).kind).toBe("new");
    // Not into an incident a rollout explains that could not have disturbed it: payments slowing 2 min
    // after cart 1.8.0 (cart calls only the cache; checkout, in cart's incident, also calls orders-db).
    const cart = inc("INC-CART", { services: ["cart", "frontend", "checkout"], openedMin: 17, onsets: { cart: 17, frontend: 18, checkout: 18 } });
    const rollout: RecentChange[] = [{ service: "cart", atMs: at(17), what: "deploy 1.8.0" }];
    const payments: Alert = { ...firing("p99-latency anomaly", "payments", 19), source: "anomaly", severity: "sev3" };
    expect(groupAlert(payments, at(19.5), [cart], sim, undefined, rollout).kind).toBe("new");
    // Without the rollout, payments failing with checkout is the cause that incident was waiting for.
    expect(groupAlert(payments, at(19.5), [cart], sim)).toMatchObject({ kind: "join", incidentId: "INC-CART" });
    // A rollout that reaches the shared dependency may have slowed it: order-processor under inventory 2.3.0 (inventory calls orders-db).
    const badDeploy = inc("INC-BD", { services: ["checkout", "inventory", "frontend"], openedMin: 3, onsets: { checkout: 3, inventory: 3, frontend: 4 }, lastActivityMs: at(20) });
    const slowJobs: Alert = { ...firing("p99-job-duration anomaly", "order-processor", 20), source: "anomaly", severity: "sev3" };
    expect(groupAlert(slowJobs, at(20), [badDeploy], topo, undefined, [{ service: "inventory", atMs: at(1), what: "deploy 2.3.0" }])).toMatchObject({ kind: "join", incidentId: "INC-BD" });
  });

  it("a slowdown through a shared dependency hours into an incident is a fault of its own (the walk's report query on orders-db 2.5 h into catalog's full disk)", () => {
    // catalog's disk filled at minute 0; still full (it needs a pod deleted), its alert keeps the incident active.
    const disk = inc("INC-DISK", { services: ["catalog", "frontend"], openedMin: 0, suspectedCause: "catalog", onsets: { catalog: 0, frontend: 2 }, lastActivityMs: at(150) });
    const inventorySlow: Alert = { ...firing("p99-latency anomaly", "inventory", 152), source: "anomaly", severity: "sev3" };
    const d = groupAlert(inventorySlow, at(152), [disk], sim);
    expect(d.kind).toBe("new");
    // Early in the incident the same slowdown is load it put on orders-db (catalog calls it too): it joins.
    expect(groupAlert({ ...inventorySlow, startsAt: new Date(at(12)).toISOString() }, at(12), [{ ...disk, lastActivityMs: at(11) }], sim)).toMatchObject({ kind: "join", incidentId: "INC-DISK" });
    // And soon after the incident's fix was verified (its recovery burst).
    expect(groupAlert(inventorySlow, at(152), [{ ...disk, recoveredAtMs: at(140) }], sim)).toMatchObject({ kind: "join", incidentId: "INC-DISK" });
  });

  it("a symptom an incident showed hours ago is a weak claim: a fault begun around it since takes its new alert, and no merge (the walk's frontend under the report query, 3 h into catalog's full disk)", () => {
    const disk = inc("INC-DISK", { services: ["catalog", "frontend"], openedMin: 0, suspectedCause: "catalog", onsets: { catalog: 0, frontend: 2 }, lastActivityMs: at(170) });
    const db = inc("INC-DB", { services: ["orders-db", "checkout", "payments"], openedMin: 165, suspectedCause: "orders-db", onsets: { "orders-db": 165, checkout: 166, payments: 166 }, lastActivityMs: at(172) });
    const slow: Alert = { ...firing("HighLatencyP99", "frontend", 174), severity: "sev3" };
    expect(groupAlert(slow, at(175), [disk, db], sim)).toMatchObject({ kind: "join", incidentId: "INC-DB" });
    expect(mergeFor(slow, at(175), [disk, db], sim)).toBeUndefined();
    // Alone, the old incident still takes it (a weak claim is a claim).
    expect(groupAlert(slow, at(175), [disk], sim)).toMatchObject({ kind: "join", incidentId: "INC-DISK" });
    // search, which calls catalog, slowing under the query: both read it downstream of theirs; the one begun around it takes it, and no merge.
    const search: Alert = { ...firing("p99-latency anomaly", "search", 174), source: "anomaly", severity: "sev3" };
    expect(groupAlert(search, at(175), [disk, db], sim)).toMatchObject({ kind: "join", incidentId: "INC-DB" });
    expect(mergeFor(search, at(175), [disk, db], sim)).toBeUndefined();
    // Within the window, frontend is the disk incident's own: it stays there, and the two would merge.
    const early: Alert = { ...firing("HighLatencyP99", "frontend", 20), severity: "sev3" };
    const dbEarly = { ...db, openedAtMs: at(15), serviceOnsetMs: { "orders-db": at(15), checkout: at(16), payments: at(16) }, lastActivityMs: at(19) };
    expect(groupAlert(early, at(21), [{ ...disk, lastActivityMs: at(19) }, dbEarly], sim)).toMatchObject({ kind: "join", incidentId: "INC-DISK" });
  });

  it("a rule alert is compared by when its condition began (its fire time minus its rule's `for`): the queue backlog under the slow order-processor joins", () => {
    const topo: Topology = { services: [...sim.services, "order-processor"], edges: [...sim.edges, { from: "order-processor", to: "orders-db" }, { from: "order-processor", to: "queue" }] };
    const db = inc("INC-DB", { services: ["orders-db", "order-processor"], openedMin: 2, suspectedCause: "orders-db", onsets: { "orders-db": 2, "order-processor": 3 }, lastActivityMs: at(12) });
    // Fired 10.7 min after order-processor's onset, after a 5-min `for`: its condition began 5.7 min after.
    const backlog: Alert = { ...firing("OrdersQueueBacklog", "queue", 13.7), severity: "sev3" };
    const rules = { ...DEFAULT_GROUPING, ruleForMs: { OrdersQueueBacklog: 5 * 60_000, HighErrorRate: 3 * 60_000 } };
    const brokerDown: Alert = { ...firing("QueueBrokerDown", "queue", 13.7), severity: "sev3" };
    const forDown = { ...DEFAULT_GROUPING, ruleForMs: { QueueBrokerDown: 5 * 60_000 } };
    expect(groupAlert(brokerDown, at(13.7), [db], topo, forDown)).toMatchObject({ kind: "join", incidentId: "INC-DB" });
    expect(groupAlert(brokerDown, at(13.7), [db], topo).kind).toBe("new");
    // Only a rule alert's: a detector's start is already its condition's.
    expect(groupAlert({ ...brokerDown, source: "anomaly" }, at(13.7), [db], topo, forDown).kind).toBe("new");
    // A fault that began much later still opens its own (disk-full's catalog errors, 3-min `for`, 14 min after the edge's onset).
    const badDeploy = inc("INC-BD", { services: ["checkout", "inventory", "frontend"], openedMin: 3, suspectedCause: "inventory", onsets: { checkout: 3, inventory: 5, frontend: 4 } });
    expect(groupAlert(firing("HighErrorRate", "catalog", 18), at(18), [badDeploy], sim, rules).kind).toBe("new");
    // The early side is unchanged: a rule alert fired long before the onset is not pulled further back into it.
    expect(groupAlert({ ...backlog, startsAt: new Date(at(-8)).toISOString() }, at(13.7), [db], topo, rules).kind).toBe("new");
  });

  it("a queue's backlog begun after the service that works it began failing joins that incident, however late (db-report-query: OrdersQueueBacklog 25 min after order-processor slowed)", () => {
    expect(["OrdersQueueBacklog", "KafkaConsumerLag", "RabbitmqMessagesUnacked", "SqsQueueDepthHigh"].filter((n) => !backlogOnly(n))).toEqual([]);
    expect(["HighErrorRate", "QueueBrokerDown", "PodDiskAlmostFull", "HighLatencyP99", "ClockSkew"].filter(backlogOnly)).toEqual([]);
    const topo: Topology = { services: [...sim.services, "order-processor", "queue"], edges: [...sim.edges, { from: "order-processor", to: "orders-db" }, { from: "order-processor", to: "queue" }] };
    const db = inc("INC-DB", { services: ["orders-db", "order-processor"], openedMin: 2, suspectedCause: "orders-db", onsets: { "orders-db": 2, "order-processor": 3 }, lastActivityMs: at(27) });
    const backlog: Alert = { ...firing("OrdersQueueBacklog", "queue", 28), severity: "sev3" };
    const d = groupAlert(backlog, at(28), [db], topo);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-DB" });
    expect(d.reason).toContain("queue backs up behind order-processor");
    // Begun long before its client failed: no symptom of this incident (near it, the dependency rule decides).
    expect(groupAlert({ ...backlog, startsAt: new Date(at(-20)).toISOString() }, at(28), [db], topo).kind).toBe("new");
    // Nor a queue none of the incident's services works.
    expect(groupAlert(backlog, at(28), [inc("INC-X", { services: ["catalog"], openedMin: 2, onsets: { catalog: 2 }, lastActivityMs: at(27) })], topo).kind).toBe("new");
  });

  it("a suspected cause that is another open incident's own service is that incident's (the cache incident's diagnosis saw cart's deploy)", () => {
    const cascade = inc("INC-C", { services: ["cache"], openedMin: 5, suspectedCause: "cart" });
    const cart = inc("INC-CART", { services: ["cart"], openedMin: 13, suspectedCause: "cart" });
    expect(groupAlert(firing("KubePodCrashLooping", "cart", 15), at(15), [cascade, cart], sim)).toMatchObject({ kind: "join", incidentId: "INC-CART" });
  });

  it("a symptom two open incidents could explain joins the one whose cause began failing just before it (checkout after payments, not after cart)", () => {
    const cart = inc("INC-CART", { services: ["cart"], openedMin: 17, suspectedCause: "cart" });
    const payments = inc("INC-PAY", { services: ["payments"], openedMin: 23, suspectedCause: "payments" });
    expect(groupAlert(firing("SLOErrorBudgetBurn", "checkout", 24), at(25), [cart, payments], sim)).toMatchObject({ kind: "join", incidentId: "INC-PAY" });
    // Equally close: the incident under way the longest.
    const cache = inc("INC-C", { services: ["cache"], openedMin: 5, suspectedCause: "cache", onsets: { cache: 13 } });
    const cart2 = inc("INC-CART", { services: ["cart"], openedMin: 13, suspectedCause: "cart" });
    expect(groupAlert(firing("SLOErrorBudgetBurn", "checkout", 14), at(15), [cart2, cache], sim)).toMatchObject({ kind: "join", incidentId: "INC-C" });
    // An incident not diagnosed yet is no weaker a home: payments' incident, just opened, gets checkout over the cache's older one.
    const cacheOld = inc("INC-C", { services: ["cache"], openedMin: 6, suspectedCause: "cache" });
    const paymentsNew = inc("INC-PAY", { services: ["payments"], openedMin: 17 });
    expect(groupAlert(firing("SLOErrorBudgetBurn", "checkout", 18), at(19), [cacheOld, paymentsNew], sim)).toMatchObject({ kind: "join", incidentId: "INC-PAY" });
  });

  it("two open incidents that both explain a symptom are one failure: the later folds into the first, unless a recent change explains one of them", () => {
    const cache = inc("INC-C", { services: ["cache"], openedMin: 6, suspectedCause: "cache" });
    const payments = inc("INC-PAY", { services: ["payments"], openedMin: 17 });
    const plan = mergeFor(firing("error-ratio anomaly", "checkout", 18), at(18), [payments, cache], sim);
    expect(plan).toMatchObject({ into: "INC-C", merge: [{ id: "INC-PAY" }] });
    expect(plan?.merge[0]?.reason).toContain("checkout depends on payments");
    // cart deployed at minute 12 and crash-looping from 15: its own fault, never folded nor folding.
    const cart = inc("INC-CART", { services: ["cart"], openedMin: 15 });
    const deploys: RecentChange[] = [{ service: "cart", atMs: at(12), what: "deploy 1.8.0" }];
    expect(changeBehind(cart, deploys)).toMatchObject({ service: "cart" });
    expect(changeBehind(cache, deploys)).toBeUndefined();
    expect(mergeFor(firing("SLOErrorBudgetBurn", "checkout", 16), at(16), [cache, cart], sim, undefined, deploys)).toBeUndefined();
    expect(mergeFor(firing("SLOErrorBudgetBurn", "checkout", 18), at(18), [cache, cart, payments], sim, undefined, deploys)).toMatchObject({ into: "INC-C", merge: [{ id: "INC-PAY" }] });
    // One explainer only, or a weak one (after its fix was verified): nothing to merge.
    expect(mergeFor(firing("error-ratio anomaly", "checkout", 18), at(18), [payments], sim)).toBeUndefined();
    const badDeploy = inc("INC-BD", { services: ["checkout", "inventory", "frontend"], openedMin: 3, suspectedCause: "inventory", recoveredAtMs: at(15) });
    const disk = inc("INC-DISK", { services: ["catalog"], openedMin: 18, suspectedCause: "catalog" });
    expect(mergeFor(firing("SLOErrorBudgetBurn", "frontend", 22), at(22), [badDeploy, disk], sim)).toBeUndefined();
  });

  it("after an incident's fix was verified, its symptom firing anew goes to the incident that explains it (frontend after the rollback, under catalog)", () => {
    const badDeploy = inc("INC-BD", { services: ["checkout", "inventory", "frontend"], openedMin: 3, suspectedCause: "inventory", recoveredAtMs: at(15) });
    const disk = inc("INC-DISK", { services: ["catalog"], openedMin: 18, suspectedCause: "catalog" });
    expect(groupAlert(firing("SLOErrorBudgetBurn", "frontend", 22), at(22), [badDeploy, disk], sim)).toMatchObject({ kind: "join", incidentId: "INC-DISK" });
    // With nothing else to explain it, it is still its own incident's service.
    expect(groupAlert(firing("SLOErrorBudgetBurn", "frontend", 22), at(22), [badDeploy], sim)).toMatchObject({ kind: "join", incidentId: "INC-BD" });
  });
});

describe("lifecycle rules", () => {
  it("resolves only after the quiet period with nothing firing", () => {
    expect(shouldResolve(0, now - 6 * 60_000, now, DEFAULT_LIFECYCLE)).toBe(true);
    expect(shouldResolve(0, now - 60_000, now, DEFAULT_LIFECYCLE)).toBe(false);
    expect(shouldResolve(1, now - 60 * 60_000, now, DEFAULT_LIFECYCLE)).toBe(false);
  });

  it("calls an alert flapping after more than two flips in the window", () => {
    let flips: number[] = [];
    const seen: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = recordFlip(flips, now + i * 60_000, DEFAULT_LIFECYCLE);
      flips = r.flips;
      seen.push(r.flapping);
    }
    expect(seen).toEqual([false, false, true, true, true]);
  });
});

describe("grouping many alerts against many open incidents (a storm with hundreds of incidents open)", () => {
  /** The shop topology, its edges counted each time something walks them. */
  const counted = () => {
    const walks = { n: 0 };
    const edges = new Proxy([...shop.edges], {
      get(target, key, receiver) {
        if (key === Symbol.iterator) walks.n++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    return { topology: { services: shop.services, edges }, walks };
  };

  it("walks the topology's calls once, not once per alert and open incident", () => {
    const { topology, walks } = counted();
    const open = Array.from({ length: 200 }, (_, i) => view(`INC-${i}`, [`probe-${i}`]));
    open.push(view("INC-PAY", ["payments"]));
    const decisions = Array.from({ length: 300 }, (_, i) => groupAlert(alert(`Symptom${i % 4}`, i % 2 ? "checkout" : "search"), now, open, topology));
    expect(decisions.filter((d) => d.kind === "join" && d.incidentId === "INC-PAY")).toHaveLength(150);
    expect(decisions.filter((d) => d.kind === "new")).toHaveLength(150);
    expect(mergeFor(alert("Symptom", "checkout"), now, open, topology)).toBeUndefined();
    expect(walks.n).toBe(1);
  });

  it("answers for the topology as it is now: an edge added, or another topology", () => {
    const t: Topology = { services: [...shop.services], edges: [...shop.edges] };
    expect(dependencyPath(t, "search", "orders-db", 2)).toBeUndefined();
    t.edges.push({ from: "search", to: "orders-db" });
    expect(dependencyPath(t, "search", "orders-db", 2)).toEqual({ hops: 1, path: ["search calls orders-db"] });
    const other: Topology = {
      services: t.services,
      edges: [
        { from: "search", to: "catalog" },
        { from: "catalog", to: "orders-db" },
      ],
    };
    expect(dependencyPath(other, "search", "orders-db", 2)).toEqual({ hops: 2, path: ["search calls catalog", "catalog calls orders-db"] });
    expect(dependencyPath(other, "search", "orders-db", 1)).toBeUndefined();
  });
});
