import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import type { Alert } from "../../src/domain/alert.ts";
import { clockOf } from "../../src/domain/clock.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { incidentServiceOnMemory } from "../support/incident-service.ts";
import { reusedDatabases } from "../support/reused-databases.ts";
import { firstOf } from "../../src/domain/indexed.ts";
import { digestFromTimeline } from "../../src/incident/digest.ts";

// Flap damping across resolution and incident identity, in the system clock (a test clock here).

const topology: Topology = {
  services: ["frontend", "checkout", "payments", "cache", "order-processor", "orders-db"],
  edges: [
    { from: "frontend", to: "checkout" },
    { from: "checkout", to: "payments" },
    { from: "checkout", to: "cache" },
    { from: "order-processor", to: "orders-db" },
  ],
};
const M = 60_000;
const T0 = Date.parse("2026-11-23T10:00:00Z");
let now = T0;
const iso = (ms: number) => new Date(ms).toISOString();

function alert(name: string, service: string, status: "firing" | "resolved", startsAt: number, source = "alertmanager"): Alert {
  return { fingerprint: `fp-${name}-${service}`, source, name, status, severity: "sev3", service, summary: `${name} on ${service}`, labels: { alertname: name, service }, startsAt: iso(startsAt), ...(status === "resolved" ? { endsAt: iso(now) } : {}) };
}

describe("flap damping and incident identity", () => {
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

  /** Moves the clock by each step (minutes) in turn: the auto-resolve resolves `id` at the last step, not before. */
  const resolvesOnlyAfter = async (id: string, steps: number[]) => {
    for (const [i, minutes] of steps.entries()) {
      now += minutes * M;
      expect(await incidents.autoResolve()).toEqual(i === steps.length - 1 ? [id] : []);
    }
  };
  const reopens = async (id: string) => (await store.timeline.list(id, ["status"])).filter((e) => e.data.from === "resolved" && e.data.to === "open").length;
  const resolves = async (id: string) => (await store.timeline.list(id, ["status"])).filter((e) => e.data.to === "resolved").length;

  it("an anomaly that ends after its incident was resolved shows as resolved in the digest and the card's count, not still firing", async () => {
    const r = await incidents.ingest({ alerts: [alert("HighErrorRate", "checkout", "firing", now), alert("error-ratio anomaly", "checkout", "firing", now, "anomaly")], changes: [] });
    const id = firstOf(r.opened);
    now += 10 * M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "checkout", "resolved", now - 10 * M)], changes: [] });
    await incidents.changeStatus(id, "resolved", "aisre", "the fix was verified");
    now += 10 * M;
    await incidents.ingest({ alerts: [alert("error-ratio anomaly", "checkout", "resolved", now - 20 * M, "anomaly")], changes: [] });
    const digest = digestFromTimeline(id, await store.timeline.list(id, ["alert", "anomaly", "change"]));
    expect(digest.alerts.filter((a) => a.status === "firing").map((a) => a.name)).toEqual([]);
    expect(await store.alerts.countByIncident(id)).toEqual({ total: 2, firing: 0 });
    expect((await store.incidents.get(id))?.status).toBe("resolved");
  });

  it("a flapping alert (3 min on, 6 min off for hours) neither resolves nor reopens its incident; it resolves once quiet for the flap period", async () => {
    const r = await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "firing", now)], changes: [] });
    const id = firstOf(r.opened);
    for (let cycle = 0; cycle < 20; cycle++) {
      now += 3 * M;
      await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "resolved", now - 3 * M)], changes: [] });
      for (let m = 0; m < 6; m++) {
        now += M;
        await incidents.autoResolve();
      }
      await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "firing", now)], changes: [] });
    }
    // 20 cycles = 3 hours of flapping: at most the one resolve and reopen it takes to see it flap.
    expect(await resolves(id)).toBeLessThanOrEqual(1);
    expect(await reopens(id)).toBeLessThanOrEqual(1);
    expect((await store.incidents.get(id))!.status).toBe("open");
    expect((await store.incidents.listRecent()).length).toBe(1);
    // The fault ends: quiet for the quiet period is not enough for a flapping alert, nor the flap
    // period once it came back after resolving; the reopen window is.
    now += 3 * M;
    await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "resolved", now - 3 * M)], changes: [] });
    now += 6 * M;
    await incidents.autoResolve();
    expect((await store.incidents.get(id))!.status).toBe("open");
    now += 15 * M;
    expect(await incidents.autoResolve()).toEqual((await reopens(id)) ? [] : [id]);
    now += 9 * M;
    expect((await store.incidents.get(id))!.status === "resolved" || (await incidents.autoResolve()).includes(id)).toBe(true);
  }, 120_000);

  it("a fault a restart only holds off (new pods alerting every 35 min) reopens its incident once, then holds it open: no resolve/reopen loop; it resolves once quiet for the reopen window", async () => {
    const pod = (cycle: number, status: "firing" | "resolved", startsAt: number): Alert => ({ ...alert("ContainerMemoryNearLimit", "order-processor", status, startsAt), fingerprint: `fp-leak-${cycle}`, labels: { alertname: "ContainerMemoryNearLimit", service: "order-processor", pod: `order-processor-${cycle}` } });
    const id = firstOf((await incidents.ingest({ alerts: [pod(0, "firing", now)], changes: [] })).opened);
    for (let cycle = 0; cycle < 6; cycle++) {
      const began = now;
      now += 8 * M;
      await incidents.ingest({ alerts: [pod(cycle, "resolved", began)], changes: [] });
      for (let m = 0; m < 27; m++) {
        now += M;
        await incidents.autoResolve();
      }
      await incidents.ingest({ alerts: [pod(cycle + 1, "firing", now)], changes: [] });
    }
    // Six cycles, 3.5 hours: the first lull resolves it (nothing says yet that it recurs), the
    // second alert reopens it, and from then on it stays open.
    expect(await resolves(id)).toBe(1);
    expect(await reopens(id)).toBe(1);
    expect((await store.incidents.get(id))!.status).toBe("open");
    expect((await store.incidents.listRecent()).length).toBe(1);
    // The fault ends: 20 quiet minutes are not enough any more; the reopen window (30) is.
    const began = now;
    now += 8 * M;
    await incidents.ingest({ alerts: [pod(6, "resolved", began)], changes: [] });
    now += 20 * M;
    expect(await incidents.autoResolve()).toEqual([]);
    now += 10 * M;
    expect(await incidents.autoResolve()).toEqual([id]);
  }, 120_000);

  it("after a fix that ran without the symptoms recovering, quiet for the quiet period does not resolve it; the reopen window does, or a later fix that worked", async () => {
    // memory-leak walk: a restart that did not help paged the second level, and the incident resolved a
    // minute later on five quiet minutes; the leak came back 32 min on, as a new incident.
    const id = firstOf((await incidents.ingest({ alerts: [alert("ContainerMemoryNearLimit", "order-processor", "firing", now)], changes: [] })).opened);
    const fix = (event: string) => store.timeline.append({ incidentId: id, kind: "action", actor: "aisre", text: `restart ${event}`, data: { actionId: `act_${event}`, type: "rollout_restart", event, target: { service: "order-processor" } } });
    now += 4 * M;
    await fix("unverified");
    now += M;
    await incidents.ingest({ alerts: [alert("ContainerMemoryNearLimit", "order-processor", "resolved", T0)], changes: [] });
    await resolvesOnlyAfter(id, [6, 20, 10]);
    expect((await store.timeline.list(id, ["status"])).at(-1)?.text).toContain("quiet for 30 min (after a fix that did not bring recovery)");
    // A later fix that worked settles it again: the quiet period is enough.
    const other = firstOf((await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "firing", now)], changes: [] })).opened);
    const fixOther = (event: string) => store.timeline.append({ incidentId: other, kind: "action", actor: "aisre", text: `restart ${event}`, data: { actionId: `act_${event}`, type: "rollout_restart", event, target: { service: "payments" } } });
    await fixOther("unverified");
    now += M;
    await fixOther("verified");
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved", now - M)], changes: [] });
    now += 6 * M;
    expect(await incidents.autoResolve()).toEqual([other]);
  }, 120_000);

  it("a new fault elsewhere right after a resolution opens a new incident; the same alert back within the window reopens", async () => {
    const first = firstOf((await incidents.ingest({ alerts: [alert("ContainerMemoryNearLimit", "order-processor", "firing", now)], changes: [] })).opened);
    now += 10 * M;
    await incidents.ingest({ alerts: [alert("ContainerMemoryNearLimit", "order-processor", "resolved", T0)], changes: [] });
    now += 6 * M;
    expect(await incidents.autoResolve()).toEqual([first]);
    // Two minutes later a runaway query on orders-db, with an anomaly on order-processor: a new incident, the old one stays resolved.
    now += 2 * M;
    const second = await incidents.ingest({ alerts: [alert("PostgresHighCPU", "orders-db", "firing", now), alert("latency anomaly", "order-processor", "firing", now, "anomaly")], changes: [] });
    expect(second.opened).toHaveLength(1);
    expect(second.opened[0]).not.toBe(first);
    expect((await store.incidents.get(first))!.status).toBe("resolved");
    // The old incident's own alert fires again while the new incident explains order-processor: it joins the new one.
    now += M;
    await incidents.ingest({ alerts: [alert("ContainerMemoryNearLimit", "order-processor", "firing", now)], changes: [] });
    expect((await store.incidents.get(first))!.status).toBe("resolved");
    expect((await store.alerts.get("fp-ContainerMemoryNearLimit-order-processor"))!.incidentId).toBe(second.opened[0]);
  });

  it("the cache's alert back after its incident resolved reopens it, though cart's rollout incident (opened meanwhile) weakly claims it as a dependency failing together", async () => {
    // flapping:cascading-failure+crashloop-config#3: the cache's alert joined cart's incident instead of reopening its own.
    const withCart: Topology = { services: [...topology.services, "cart"], edges: [...topology.edges, { from: "frontend", to: "cart" }, { from: "cart", to: "cache" }] };
    // The same alert again (same fingerprint), and another alert on the cache (the same service).
    for (const back of ["RedisEvictionsHigh", "RedisMemoryHigh"]) {
      now = T0;
      const own = await incidentServiceOnMemory(withCart, () => now, databases.open);
      try {
        const cache = firstOf((await own.incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "firing", now)], changes: [] })).opened);
        now += 3 * M;
        await own.incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "resolved", T0)], changes: [] });
        now += 6 * M;
        expect(await own.incidents.autoResolve()).toEqual([cache]);
        // cart 1.8.0 rolled out, crash-looping right after: an incident of its own.
        now += M;
        await own.incidents.ingest({ alerts: [], changes: [{ id: "d-cart", source: "github", kind: "deploy", service: "cart", version: "1.8.0", previousVersion: "1.7.4", at: iso(now) }] });
        now += 2 * M;
        const cart = firstOf((await own.incidents.ingest({ alerts: [alert("KubePodCrashLooping", "cart", "firing", now)], changes: [] })).opened);
        expect(cart).not.toBe(cache);
        // The cache alerts again a minute later: cart's incident explains it only weakly (cart calls the cache, its rollout may disturb it).
        now += M;
        const again = await own.incidents.ingest({ alerts: [alert(back, "cache", "firing", now)], changes: [] });
        expect(again.opened).toEqual([]);
        expect((await own.store.incidents.get(cache))!.status).toBe("open");
        expect((await own.store.alerts.get(`fp-${back}-cache`))!.incidentId).toBe(cache);
        expect((await own.store.incidents.get(cart))!.services).toEqual(["cart"]);
      } finally {
        await own.db.close();
      }
    }
  });

  it("an alert firing again while the auto-resolver decides keeps its incident open (the resolution is checked again under the lock)", async () => {
    // cascading-failure#1: RedisEvictionsHigh fired again at 18:24:15 and its incident resolved in the
    // same instant, on the auto-resolver's earlier read; checkout's failure 2 min later opened a second incident.
    const id = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "firing", now)], changes: [] })).opened);
    now += 5 * M;
    await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "resolved", T0)], changes: [] });
    now += 6 * M;
    // The alert fires again between the auto-resolver's read of the alerts and its status change
    // (the resolution question is asked in between).
    let fired = false;
    const stop = incidents.askOnResolve(async () => {
      if (!fired) {
        fired = true;
        await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache", "firing", now)], changes: [] });
      }
      return undefined;
    });
    try {
      expect(await incidents.autoResolve()).toEqual([]);
    } finally {
      stop();
    }
    expect(fired).toBe(true);
    expect((await store.incidents.get(id))!.status).toBe("open");
    expect(await resolves(id)).toBe(0);
  });

  it("its own alert, firing again within the window with nothing else open, reopens it; the same alert within the recurrence window too; after them, a new incident", async () => {
    const id = firstOf((await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "firing", now)], changes: [] })).opened);
    now += 2 * M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved", T0)], changes: [] });
    now += 6 * M;
    await incidents.autoResolve();
    now += 5 * M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "firing", now)], changes: [] });
    expect((await store.incidents.get(id))!.status).toBe("open");
    expect(await reopens(id)).toBe(1);
    // A different alert on the same service after it resolved again (an incident that came back is
    // held for the whole reopen window, not the quiet period nor the flap period): the same problem back.
    now += M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved", now - M)], changes: [] });
    await resolvesOnlyAfter(id, [6, 15, 9]);
    expect((await store.timeline.list(id, ["status"])).at(-1)?.text).toContain("quiet for 30 min (it came back once after resolving)");
    now += M;
    await incidents.ingest({ alerts: [alert("HighLatency", "payments", "firing", now)], changes: [] });
    expect(await reopens(id)).toBe(2);
    // Resolved, then an hour later: a new incident.
    now += M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved", now), alert("HighLatency", "payments", "resolved", now)], changes: [] });
    now += 31 * M;
    await incidents.autoResolve();
    expect((await store.incidents.get(id))!.status).toBe("resolved");
    // Said as it is: it came back twice by now, not "once".
    expect((await store.timeline.list(id, ["status"])).at(-1)?.text).toContain("quiet for 30 min (it came back twice after resolving)");
    // 45 min on, the same alert: past the reopen window, within the recurrence window — its fix did not hold.
    now += 45 * M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "firing", now)], changes: [] });
    expect(await reopens(id)).toBe(3);
    expect((await store.timeline.list(id, ["status"])).at(-1)?.text).toContain("HighErrorRate on payments came back 45 min after it was resolved");
    // Another alert of its service that late is not the same problem back: it stays out (a new incident).
    now += M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved", now)], changes: [] });
    now += 31 * M;
    await incidents.autoResolve();
    expect((await store.incidents.get(id))!.status).toBe("resolved");
    now += 45 * M;
    const other = await incidents.ingest({ alerts: [alert("DiskFilling", "payments", "firing", now)], changes: [] });
    expect(other.opened).toHaveLength(1);
    expect(other.opened[0]).not.toBe(id);
    // Past the recurrence window, the same alert too: not the old incident (here, the open one of its service).
    now += 16 * M;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "firing", now)], changes: [] });
    expect((await store.incidents.get(id))!.status).toBe("resolved");
    expect((await store.alerts.get("fp-HighErrorRate-payments"))?.incidentId).toBe(other.opened[0]);
  });

  it("the same alert back after its fix, 35 min on, reopens its incident rather than joining another's as a symptom of it (memory-leak walk)", async () => {
    const oom = (status: "firing" | "resolved", pod: string) => ({ ...alert("KubePodOOMKilled", "order-processor", status, now), fingerprint: `fp-oom-${pod}` });
    const leak = firstOf((await incidents.ingest({ alerts: [oom("firing", "a")], changes: [] })).opened);
    now += 5 * M;
    await incidents.ingest({ alerts: [oom("resolved", "a")], changes: [] });
    now += 6 * M;
    expect(await incidents.autoResolve()).toEqual([leak]);
    // A report query on orders-db opens its own incident meanwhile; order-processor calls orders-db.
    now += 3 * M;
    const query = firstOf((await incidents.ingest({ alerts: [alert("PostgresLongRunningQuery", "orders-db", "firing", now)], changes: [] })).opened);
    // The leak is back in the restarted pods (new fingerprints) 35 min after the resolution.
    now += 32 * M;
    await incidents.ingest({ alerts: [oom("firing", "b")], changes: [] });
    expect((await store.alerts.get("fp-oom-b"))?.incidentId).toBe(leak);
    expect((await store.incidents.get(leak))!.status).toBe("open");
    expect((await store.timeline.list(leak, ["status"])).at(-1)?.text).toBe("Status resolved → open: KubePodOOMKilled on order-processor came back 35 min after it was resolved");
    expect((await store.incidents.get(query))!.services).toEqual(["orders-db"]);
  });

  it("a rule alert is compared by when its condition began, with the rules' `for`s as learnt: the queue broker's alert 10.7 min after order-processor's onset joins its incident", async () => {
    const withQueue: Topology = { services: [...topology.services, "queue"], edges: [...topology.edges, { from: "order-processor", to: "queue" }] };
    const service = (on: Store, ruleForMs?: () => Record<string, number>) =>
      new IncidentService({ store: on, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => withQueue, threadFlushMs: 0, clock: clockOf(() => now), ...(ruleForMs ? { ruleForMs } : {}) });
    const run = async (svc: IncidentService) => {
      const first = await svc.ingest({ alerts: [{ ...alert("p99-job-duration anomaly", "order-processor", "firing", now, "anomaly"), fingerprint: `fp-op-${now}` }], changes: [] });
      now += 10.7 * M;
      const backlog = await svc.ingest({ alerts: [{ ...alert("QueueBrokerDown", "queue", "firing", now), fingerprint: `fp-q-${now}` }], changes: [] });
      now += 60 * M;
      return { first: firstOf(first.opened), backlog };
    };
    const learnt = await run(service(store, () => ({ QueueBrokerDown: 5 * M })));
    expect(learnt.backlog.opened).toEqual([]);
    expect(await store.alerts.countByIncident(learnt.first)).toMatchObject({ total: 2 });
    // Without the rules (fire time only): just outside the causal window, an incident of its own.
    const other = await databases.open();
    try {
      now = T0;
      const unknown = await run(
        service(
          createStore(
            other,
            clockOf(() => now),
          ),
        ),
      );
      expect(unknown.backlog.opened).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it("an incident whose alert still fires is active: a related alert an hour later joins it rather than opening a second incident", async () => {
    const id = firstOf((await incidents.ingest({ alerts: [alert("KubePodCrashLooping", "payments", "firing", now)], changes: [] })).opened);
    now += 60 * M;
    const later = await incidents.ingest({ alerts: [alert("latency anomaly", "frontend", "firing", now, "anomaly")], changes: [] });
    expect(later.opened).toEqual([]);
    expect((await store.alerts.get("fp-latency anomaly-frontend"))!.incidentId).toBe(id);
  });
});
