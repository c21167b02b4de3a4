import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { restoreHistory } from "../../../src/sandbox/sim/history-memo.ts";
import { createSimulatedSystem, type SimulatedSystem } from "../../../src/sandbox/sim/system.ts";
import { simSeries } from "./series.ts";
import { START } from "./harness.ts";

/**
 * The simulation's history is generated once per process for each (seed, start, length); the next
 * system of the same inputs gets a copy. A copied history must be the world a generated one is, and
 * share nothing with the systems that came before.
 */
describe("the simulation's history, remembered", () => {
  // Inputs no other test uses, so the first system below generates its history.
  const SEED = 4_711;
  const HISTORY_MS = 35 * 60_000;
  const make = (history: "now" | "later" = "now") => createSimulatedSystem({ speed: 60, seed: SEED, dataDir: "/tmp/aisre-sim-memo", publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: HISTORY_MS, history });
  /** Everything observable: every series' samples, the pods, the deployments, health, alerts. */
  const seen = (sim: SimulatedSystem) => ({
    now: sim.now(),
    state: JSON.stringify(sim.state()),
    // Each pod whole (its logs too), as a digest: a failure shows which pod differs, not megabytes.
    pods: [...sim.world.cluster.pods.values()].map((p) => `${p.name} ${p.phase} ${p.restartCount} ${createHash("sha256").update(JSON.stringify(p)).digest("hex")}`),
    alerts: sim.firingAlerts(),
    actions: sim.actions(),
  });
  const series = (sim: SimulatedSystem, query: string) => simSeries(sim, query, START - HISTORY_MS);

  it("is the world a generated one is, before and after a scenario runs on it, and shares nothing with it", async () => {
    // Nothing remembered yet for these inputs (restoreHistory would copy into the objects given): the
    // first system generates its history.
    expect(restoreHistory(SEED, START, HISTORY_MS, {} as never)).toBeUndefined();
    const generated = make();
    const copied = make();
    const copiedLater = make("later");
    await copiedLater.warm();
    const queries = ['sum(rate(http_requests_total{service="checkout"}[5m]))', "container_memory_working_set_bytes", "kube_pod_container_status_restarts_total", "redis_evicted_keys_total"];
    const before = { seen: seen(generated), series: await Promise.all(queries.map((q) => series(generated, q))) };
    expect(seen(copied)).toEqual(before.seen);
    expect(seen(copiedLater)).toEqual(before.seen);
    expect(await Promise.all(queries.map((q) => series(copied, q)))).toEqual(before.series);

    // The generated one runs ahead with a scenario first: a copy sharing anything with it would see it.
    await generated.start("memory-leak");
    generated.tick(25 * 60_000);
    const after = { seen: seen(generated), series: await Promise.all(queries.map((q) => series(generated, q))) };
    expect(after.seen).not.toEqual(before.seen);
    expect(seen(copiedLater)).toEqual(before.seen);
    expect(await Promise.all(queries.map((q) => series(copiedLater, q)))).toEqual(before.series);
    // A copy does what the generated one did.
    await copied.start("memory-leak");
    copied.tick(25 * 60_000);
    expect(seen(copied)).toEqual(after.seen);
    expect(await Promise.all(queries.map((q) => series(copied, q)))).toEqual(after.series);
  });
});
