import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { scoreTopologyDiscovery } from "../../src/cli/commands/eval-topology.ts";
import { clockOf } from "../../src/domain/clock.ts";
import { TOPOLOGY_LEADER_LOCK, topologyCron } from "../../src/app/topology.ts";
import { loadConfig } from "../../src/config.ts";
import { AdvisoryLockLeader, POLL_LEADER_LOCK } from "../../src/detect/polling/leader.ts";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";
import type { SourceObservation } from "../../src/store/repos/topology.ts";
import { createStore } from "../../src/store/store.ts";
import { type DiscoverySource, TopologyDiscovery } from "../../src/topology/discovery.ts";
import type { DiscoveryScore } from "../../src/topology/evaluate.ts";
import { NO_OVERRIDES, parseServiceOverrides } from "../../src/topology/overrides.ts";

const H = 3_600_000;

/** A source whose answer the test sets (what a cluster or a mesh shows at this moment). */
function scripted(name: string): DiscoverySource & { shows: SourceObservation | undefined; calls: number } {
  const s = {
    name,
    shows: undefined as SourceObservation | undefined,
    calls: 0,
    async observe() {
      s.calls++;
      return s.shows;
    },
  };
  return s;
}

describe("topology discovery against the simulation, through the real adapters", () => {
  let scores: DiscoveryScore[];
  beforeAll(async () => {
    ({ scores } = await scoreTopologyDiscovery({ everyMinutes: 30 }));
  }, 240_000);

  it.each(["kubernetes", "service-graph", "istio", "all"])("%s: precision and recall ≥ 0.95 within two simulated hours", (label) => {
    const s = scores.find((x) => x.label === label)!;
    expect(s.checkpoints.at(-1)!.minutes).toBe(120);
    expect(s.reachedAtMinutes, JSON.stringify(s.final)).toBeDefined();
    expect(s.reachedAtMinutes!).toBeLessThanOrEqual(120);
    expect(s.final.precision).toBeGreaterThanOrEqual(0.95);
    expect(s.final.recall).toBeGreaterThanOrEqual(0.95);
  });

  it("Kubernetes alone finds the unlabelled workload (search) and the job; metrics alone miss only the job that has not run", () => {
    const k8s = scores.find((x) => x.label === "kubernetes")!;
    expect(k8s.final.missing).toEqual([]);
    expect(k8s.final.extra).toEqual([]);
    for (const label of ["service-graph", "istio"]) expect(scores.find((x) => x.label === label)!.final.missing).toEqual(["reporting -> orders-db"]);
  });
});

describe("topology discovery: store, schedule, ageing, replicas", () => {
  let db: Db;
  let clock = Date.parse("2026-12-01T10:00:00Z");
  beforeAll(async () => {
    db = await openDb({ dataDir: "memory" });
  });
  afterAll(async () => {
    await db.close();
  });

  it("ages out an edge that disappears, keeps the ones still seen, and every replica reads the same graph", async () => {
    const mesh = scripted("istio");
    mesh.shows = {
      source: "istio",
      services: [{ name: "checkout" }, { name: "payments" }, { name: "legacy" }],
      edges: [
        { from: "checkout", to: "payments" },
        { from: "checkout", to: "legacy" },
      ],
    };
    const repo = createStore(db).topology;
    const leader = new AdvisoryLockLeader({ db, key: 990_020 });
    const other = new AdvisoryLockLeader({ db, key: 990_020 });
    const a = new TopologyDiscovery({ repo, sources: [mesh], overrides: NO_OVERRIDES, clock: clockOf(() => clock), maxAgeMs: 6 * H, leader });
    const b = new TopologyDiscovery({ repo, sources: [mesh], overrides: NO_OVERRIDES, clock: clockOf(() => clock), maxAgeMs: 6 * H, leader: other });
    await a.prime();
    await b.prime();
    expect(mesh.calls).toBe(1); // only the leader asked the source; the other replica read the store
    expect(b.topology().edges.map((e) => `${e.from}>${e.to}`)).toEqual(["checkout>legacy", "checkout>payments"]);

    // legacy is decommissioned: the mesh stops reporting the call.
    mesh.shows = { source: "istio", services: [{ name: "checkout" }, { name: "payments" }], edges: [{ from: "checkout", to: "payments" }] };
    clock += 3 * H;
    await a.tick();
    expect(a.topology().edges.map((e) => `${e.from}>${e.to}`)).toEqual(["checkout>legacy", "checkout>payments"]);
    clock += 4 * H; // 7 h since legacy was last seen, more than the 6 h maximum age
    await a.tick();
    await b.tick();
    for (const r of [a, b]) expect(r.topology().edges.map((e) => `${e.from}>${e.to}`)).toEqual(["checkout>payments"]);
    expect(a.lastRun()?.agedOut.edges).toBe(1);
    expect(b.topology().services).not.toContain("legacy");
    await a.stop();
    await b.stop();
  });

  it("refreshes every 5 minutes, every 15 simulated minutes in a sped-up sandbox (at most every 15 s), or on AISRE_TOPOLOGY_CRON", () => {
    expect(topologyCron(loadConfig({}), undefined)).toBe("*/5 * * * *");
    expect(topologyCron(loadConfig({}), 60)).toBe("*/15 * * * * *");
    expect(topologyCron(loadConfig({}), 600)).toBe("*/15 * * * * *");
    expect(topologyCron(loadConfig({}), 10)).toBe("*/2 * * * *");
    expect(topologyCron(loadConfig({ AISRE_TOPOLOGY_CRON: "*/30 * * * * *" }), 60)).toBe("*/30 * * * * *");
    expect(() => loadConfig({ AISRE_TOPOLOGY_SOURCES: "kubernetes,zipkin" })).toThrow(/AISRE_TOPOLOGY_SOURCES/);
    expect(loadConfig({ AISRE_TOPOLOGY_SOURCES: "none" }).env.AISRE_TOPOLOGY_SOURCES).toEqual([]);
  });

  it("leads independently of the SLI poller: one replica can hold both locks", async () => {
    const poller = new AdvisoryLockLeader({ db, key: POLL_LEADER_LOCK });
    const topology = new AdvisoryLockLeader({ db, key: TOPOLOGY_LEADER_LOCK });
    expect(TOPOLOGY_LEADER_LOCK).not.toBe(POLL_LEADER_LOCK);
    expect(await poller.ensure()).toBe(true);
    expect(await topology.ensure()).toBe(true);
    await topology.resign();
    await poller.resign();
  });

  it("a restart sees the stored graph before any source answers; a failing source is reported, not fatal; services.yaml overrides apply", async () => {
    // The source answers (with an error) only when the test lets it: the start does not wait for it.
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const broken: DiscoverySource = {
      name: "kubernetes",
      async observe() {
        await answered;
        throw new Error("Kubernetes refused to list services: HTTP 403");
      },
    };
    const overrides = parseServiceOverrides("services:\n  checkout: { calls: [fraud-check], not_calls: [payments] }\n");
    const restarted = new TopologyDiscovery({ repo: createStore(db).topology, sources: [broken], overrides, clock: clockOf(() => clock), maxAgeMs: 6 * H });
    await restarted.prime();
    expect(restarted.topology().edges).toEqual([{ from: "checkout", to: "fraud-check", sources: ["services.yaml"] }]);
    expect(restarted.lastRun()).toBeUndefined();
    answer();
    await vi.waitFor(() => expect(restarted.lastRun()).toBeDefined(), { timeout: 10_000 });
    expect(restarted.lastRun()?.sources).toEqual([{ name: "kubernetes", status: "error", services: 0, edges: 0, error: "Kubernetes refused to list services: HTTP 403" }]);
    const plain = new TopologyDiscovery({ repo: createStore(db).topology, sources: [], overrides: NO_OVERRIDES, clock: clockOf(() => clock), maxAgeMs: 6 * H });
    await plain.prime();
    expect(plain.topology().edges.map((e) => `${e.from}>${e.to}:${e.sources.join(",")}`)).toEqual(["checkout>payments:istio"]);
  });
});
