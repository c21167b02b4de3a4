import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Alert, ChangeEvent } from "../../src/domain/alert.ts";
import { firstOf } from "../../src/domain/indexed.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { digestFromTimeline } from "../../src/incident/digest.ts";
import { DIGEST_PURPOSE, type IncidentService } from "../../src/incident/incident-service.ts";
import type { Db } from "../../src/store/db.ts";
import type { Store } from "../../src/store/store.ts";
import { incidentServiceOnMemory } from "../support/incident-service.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

// Incident identity across two open incidents: one failure seen from two sides becomes one thread
// (cascading-failure: the flapping cache incident and the payments incident both explain checkout
// failing), while a bad rollout keeps its own thread.

const topology: Topology = {
  services: ["frontend", "checkout", "payments", "cart", "cache", "orders-db", "reporting"],
  edges: [
    { from: "frontend", to: "checkout" },
    { from: "frontend", to: "cart" },
    { from: "checkout", to: "payments" },
    { from: "checkout", to: "cart" },
    { from: "cart", to: "cache" },
    { from: "payments", to: "orders-db" },
    { from: "reporting", to: "orders-db" },
  ],
};
const M = 60_000;
const T0 = Date.parse("2026-11-23T10:00:00Z");
let now = T0;
const iso = (ms: number) => new Date(ms).toISOString();

function alert(name: string, service: string, severity: "sev2" | "sev3" = "sev3", source = "alertmanager"): Alert {
  return { fingerprint: `fp-${name}-${service}`, source, name, status: "firing", severity, service, summary: `${name} on ${service}`, labels: { alertname: name, service }, startsAt: iso(now) };
}
const deploy = (service: string, version: string, at: number): ChangeEvent => ({ id: `deploy-${service}-${version}`, source: "github", kind: "deploy", service, version, at: iso(at), description: `${service} ${version}` });

describe("merging incidents that are one failure", () => {
  let db: Db;
  let store: Store;
  let incidents: IncidentService;
  const databases = reusedDatabases();
  beforeEach(async () => {
    now = T0;
    ({ db, store, incidents } = await incidentServiceOnMemory(topology, () => now, databases.open));
  });
  afterEach(async () => {
    await db.close();
  });

  it("a symptom both open incidents explain folds the later incident into the first: its alerts, timeline and severity move, it resolves saying where it went", async () => {
    const cache = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache")], changes: [] })).opened);
    now += 10 * M;
    // payments' own signal first: nothing links payments to the cache, so a second incident opens.
    const payments = firstOf((await incidents.ingest({ alerts: [alert("p99-latency anomaly", "payments", "sev3", "anomaly")], changes: [] })).opened);
    expect(payments).not.toBe(cache);
    now += M;
    // checkout fails: downstream of payments (1 hop) and of the cache (through cart, 2 hops).
    const r = await incidents.ingest({ alerts: [alert("SLOErrorBudgetBurn", "checkout", "sev2")], changes: [] });
    expect(r.opened).toEqual([]);
    const open = await store.incidents.listOpen();
    expect(open.map((i) => i.id)).toEqual([cache]);
    const kept = open[0]!;
    expect(new Set(kept.services)).toEqual(new Set(["cache", "payments", "checkout"]));
    expect(kept.severity).toBe("sev2");
    expect((await store.alerts.byIncident(cache)).map((a) => a.name).sort()).toEqual(["RedisEvictionsHigh", "SLOErrorBudgetBurn", "p99-latency anomaly"]);
    expect(await store.alerts.byIncident(payments)).toEqual([]);
    // The digest of the incident that stays shows the merged incident's alerts.
    const digest = digestFromTimeline(cache, await store.timeline.list(cache, ["alert", "anomaly", "change"]));
    expect(digest.alerts.map((a) => a.name).sort()).toEqual(["RedisEvictionsHigh", "SLOErrorBudgetBurn", "p99-latency anomaly"]);
    const merged = (await store.incidents.get(payments))!;
    expect(merged.status).toBe("resolved");
    expect((await store.incidents.card(payments)).mergedInto).toBe(cache);
    const why = (await store.timeline.list(payments, ["status"])).at(-1)!;
    expect(why.text).toContain(`merged into ${cache}`);
    expect((await store.timeline.list(cache, ["note"])).map((e) => e.text).join("\n")).toContain(`Merged ${payments}`);
    // The severity the symptom raised is the kept incident's, said in its timeline.
    expect((await store.timeline.list(cache, ["status"])).some((e) => e.data.to === "sev2")).toBe(true);
    // Later payments alerts join the kept incident; the merged one never reopens.
    now += M;
    await incidents.ingest({ alerts: [alert("DBConnectionPoolExhausted", "payments", "sev2")], changes: [] });
    expect((await store.alerts.get("fp-DBConnectionPoolExhausted-payments"))!.incidentId).toBe(cache);
    expect((await store.incidents.get(payments))!.status).toBe("resolved");
  });

  it("a merged incident's digest says where its signals went instead of showing them live", async () => {
    // cascading-failure walk: the merged incident's digest still said its alert was firing, under a card saying 0 firing / 0 total.
    const cache = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache")], changes: [] })).opened);
    now += 10 * M;
    const payments = firstOf((await incidents.ingest({ alerts: [alert("p99-latency anomaly", "payments", "sev3", "anomaly")], changes: [] })).opened);
    await incidents.flushThreads();
    await store.slackMessages.put({ incidentId: payments, purpose: DIGEST_PURPOSE, channel: "C1", ts: "1.000001", threadTs: "1.000000" });
    now += M;
    await incidents.ingest({ alerts: [alert("SLOErrorBudgetBurn", "checkout", "sev2")], changes: [] });
    await incidents.flushThreads();
    const edits = (await store.outbox.due(100)).filter((o) => o.method === "chat.update" && o.payload.ts === "1.000001");
    expect(edits).toHaveLength(1);
    const text = JSON.stringify(edits[0]!.payload.blocks);
    expect(text).toContain(`merged into ${cache}: 1 alert went there; follow them in that thread`);
    expect(text).not.toContain(":red_circle:");
  });

  it("a rollout's own incident keeps its thread: the cart deploy made after the cache incident began is not folded in, though checkout's failure is downstream of both", async () => {
    const cache = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache")], changes: [] })).opened);
    now += 6 * M;
    await incidents.ingest({ alerts: [], changes: [deploy("cart", "1.8.0", now)] });
    now += 3 * M;
    const cart = firstOf((await incidents.ingest({ alerts: [alert("KubePodCrashLooping", "cart")], changes: [] })).opened);
    expect(cart).not.toBe(cache);
    now += M;
    await incidents.ingest({ alerts: [alert("SLOErrorBudgetBurn", "checkout", "sev2")], changes: [] });
    expect((await store.incidents.listOpen()).map((i) => i.id).sort()).toEqual([cache, cart].sort());
    expect((await store.incidents.card(cart)).mergedInto).toBeUndefined();
  });

  it("incidents whose services only share a caller far away stay apart: a symptom explained by one of them merges nothing", async () => {
    const cache = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache")], changes: [] })).opened);
    now += 5 * M;
    const reporting = firstOf((await incidents.ingest({ alerts: [alert("HighErrorRate", "reporting")], changes: [] })).opened);
    now += M;
    await incidents.ingest({ alerts: [alert("PostgresHighCPU", "orders-db", "sev2")], changes: [] });
    expect((await store.incidents.listOpen()).map((i) => i.id).sort()).toEqual([cache, reporting].sort());
  });

  it("a deploy that arrives after its service's alerts joined an older incident splits them off into an incident of their own (cart 1.8.0 under the flapping cache)", async () => {
    const cache = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache")], changes: [] })).opened);
    now += 7 * M;
    const deployedAt = now;
    now += 2 * M;
    // cart's first symptom comes before the deploy webhook: nothing says yet it is a fault of its own.
    await incidents.ingest({ alerts: [alert("p99-latency anomaly", "cart", "sev3", "anomaly")], changes: [] });
    now += M;
    await incidents.ingest({ alerts: [alert("KubePodCrashLooping", "cart", "sev2")], changes: [] });
    expect((await store.alerts.get("fp-KubePodCrashLooping-cart"))!.incidentId).toBe(cache);
    now += M;
    const r = await incidents.ingest({ alerts: [], changes: [deploy("cart", "1.8.0", deployedAt)] });
    const open = await store.incidents.listOpen();
    expect(open).toHaveLength(2);
    const cart = open.find((i) => i.id !== cache)!;
    expect(cart.services).toEqual(["cart"]);
    expect(cart.severity).toBe("sev2");
    expect((await store.alerts.byIncident(cart.id)).map((a) => a.name).sort()).toEqual(["KubePodCrashLooping", "p99-latency anomaly"]);
    expect((await store.incidents.get(cache))!.services).toEqual(["cache"]);
    expect((await store.alerts.byIncident(cache)).map((a) => a.name)).toEqual(["RedisEvictionsHigh"]);
    // The new incident has the deploy and its alerts; the old one's digest no longer shows cart.
    const own = digestFromTimeline(cart.id, await store.timeline.list(cart.id, ["alert", "anomaly", "change"]));
    expect(own.changes.map((c) => c.change.version)).toEqual(["1.8.0"]);
    expect(own.alerts.map((a) => a.name).sort()).toEqual(["KubePodCrashLooping", "p99-latency anomaly"]);
    const old = digestFromTimeline(cache, await store.timeline.list(cache, ["alert", "anomaly", "change"]));
    expect(old.alerts.map((a) => a.name)).toEqual(["RedisEvictionsHigh"]);
    expect((await store.timeline.list(cache, ["note"])).map((e) => e.text).join("\n")).toContain(`Moved cart to ${cart.id}`);
    // The deploy is the new incident's (attached as it opened, once), not the cache incident's.
    expect(r.changesAttached).toBe(0);
    expect((await store.timeline.list(cart.id, ["change"])).length).toBe(1);
    // cart's next alert goes to its own incident.
    now += M;
    await incidents.ingest({ alerts: [alert("KubeDeploymentReplicasMismatch", "cart")], changes: [] });
    expect((await store.alerts.get("fp-KubeDeploymentReplicasMismatch-cart"))!.incidentId).toBe(cart.id);
  });

  it("a deploy made before the incident began splits nothing: its service's alerts are the incident's own", async () => {
    const d = deploy("cart", "1.8.0", now - 2 * M);
    const cache = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache")], changes: [] })).opened);
    now += 2 * M;
    await incidents.ingest({ alerts: [alert("KubePodCrashLooping", "cart")], changes: [] });
    now += M;
    await incidents.ingest({ alerts: [], changes: [d] });
    expect((await store.incidents.listOpen()).map((i) => i.id)).toEqual([cache]);
    expect((await store.alerts.get("fp-KubePodCrashLooping-cart"))!.incidentId).toBe(cache);
  });
});
