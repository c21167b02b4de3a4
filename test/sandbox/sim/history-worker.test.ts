import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { forgetHistory } from "../../../src/sandbox/sim/history-memo.ts";
import { createSimulatedSystem, type SimulatedSystem } from "../../../src/sandbox/sim/system.ts";
import { simSeries } from "./series.ts";

/**
 * The product's start has the simulation's history generated in a worker thread (history:
 * "worker"): its event loop — the product's, when the sandbox runs in its process — takes none of
 * the history's steps, and the world it gets is the one generated on its own thread.
 */
describe("the simulation's history generated in a worker thread", () => {
  // Inputs no other test uses (the history of inputs already generated in this process is copied instead).
  const START = Date.parse("2026-11-23T06:00:00Z");
  const HISTORY_MS = 45 * 60_000;
  const make = (history: "now" | "later" | "worker", seed: number) => createSimulatedSystem({ speed: 60, seed, dataDir: mkdtempSync(join(tmpdir(), "aisre-sim-worker-")), publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: HISTORY_MS, history, persist: true });
  const seen = (sim: SimulatedSystem) => ({ now: sim.now(), health: sim.health(), alerts: sim.firingAlerts().map((a) => `${a.alertname}/${a.service}`), pods: [...sim.world.cluster.pods.values()].map((p) => JSON.stringify(p)) });
  const series = (sim: SimulatedSystem, query: string) => simSeries(sim, query, START - HISTORY_MS);
  const queries = ['sum(rate(http_requests_total{service="checkout"}[5m]))', "container_memory_working_set_bytes", "kube_pod_container_status_restarts_total"];

  it("takes no step on this thread, and gives the world a generated one is, before and after it goes on", async () => {
    // The same world generated on this thread first (history: "later", in slices), then forgotten
    // (this process would otherwise copy it rather than ask the worker).
    const here = make("later", 9_001);
    let stepsThere = 0;
    here.world.onStep(() => stepsThere++);
    await here.warm();
    expect(stepsThere).toBe(HISTORY_MS / 15_000);
    forgetHistory(9_001, START, HISTORY_MS);

    const worker = make("worker", 9_001);
    let stepsHere = 0;
    worker.world.onStep(() => stepsHere++);
    expect(worker.warmed()).toBe(false);
    await worker.warm();
    expect(worker.warmed()).toBe(true);
    // Every step of the history was taken in the worker: none ran this thread's step listeners.
    expect(stepsHere).toBe(0);
    expect(worker.world.now).toBe(worker.now());

    expect(seen(worker)).toEqual(seen(here));
    expect(await Promise.all(queries.map((q) => series(worker, q)))).toEqual(await Promise.all(queries.map((q) => series(here, q))));
    // Both go on alike: the world, its series and the emitter's counters were all handed over.
    await worker.start("memory-leak");
    await here.start("memory-leak");
    worker.tick(20 * 60_000);
    here.tick(20 * 60_000);
    expect(stepsHere).toBe(stepsThere - HISTORY_MS / 15_000);
    expect(seen(worker)).toEqual(seen(here));
    expect(await Promise.all(queries.map((q) => series(worker, q)))).toEqual(await Promise.all(queries.map((q) => series(here, q))));
    await worker.stop();
    await here.stop();
  }, 120_000);

  it("is generated on this thread at once when the world is needed before the worker is done", async () => {
    const worker = make("worker", 9_003);
    const warming = worker.warm();
    // Read synchronously while the worker runs: the history is generated here, the worker's dropped.
    const state = seen(worker);
    expect(worker.warmed()).toBe(true);
    await warming;
    const here = make("now", 9_003);
    expect(state).toEqual(seen(here));
    expect(seen(worker)).toEqual(seen(here));
  }, 60_000);
});
