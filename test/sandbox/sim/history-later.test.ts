import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSimulatedSystem, type SimulatedSystem } from "../../../src/sandbox/sim/system.ts";
import { serveRouter } from "../jira/serve.ts";

/**
 * The product's start leaves the simulation's history for later (history: "later"): it is ready
 * before the history is generated. Generated later, the world is the one generated at once; until
 * then its clock stands where the history ends and its routes wait for it.
 */
describe("the simulation's history generated later", () => {
  const START = Date.parse("2026-11-24T18:00:00Z");
  const make = (history: "now" | "later", dataDir = mkdtempSync(join(tmpdir(), "aisre-sim-later-"))) => createSimulatedSystem({ speed: 60, seed: 7, dataDir, publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 40 * 60_000, history, persist: true });
  const seen = (sim: SimulatedSystem) => ({ now: sim.now(), health: sim.health(), alerts: sim.firingAlerts().map((a) => `${a.alertname}/${a.service}`), pods: [...sim.world.cluster.pods.values()].map((p) => `${p.name} ${p.phase} ${p.restartCount} ${p.memBytes}`) });

  it("is the same world as one generated at once; the clock stands at the end of the history meanwhile; routes wait for it", async () => {
    const now = make("now");
    const later = make("later");
    expect(later.warmed()).toBe(false);
    // The clock reads the instant the history ends (not a past instant of the history) before it is generated.
    expect(later.now()).toBe(now.now());
    expect(later.clock.now()).toBe(now.clock.now());
    expect(later.world.now).toBeLessThan(now.now());
    // A query while it is generated is answered from the whole history.
    const served = await serveRouter(later.router);
    try {
      const q = new URLSearchParams({ query: 'sum(rate(http_requests_total{service="checkout"}[5m]))', time: String(now.now() / 1000) });
      const [fromLater, fromNow] = await Promise.all([
        fetch(`${served.url}/prometheus/api/v1/query?${q}`).then((r) => r.json()),
        serveRouter(now.router).then(
          async (s) =>
            await fetch(`${s.url}/prometheus/api/v1/query?${q}`)
              .then((r) => r.json())
              .finally(() => s.close()),
        ),
      ]);
      expect(later.warmed()).toBe(true);
      expect(fromLater).toEqual(fromNow);
      expect((fromLater as { data: { result: unknown[] } }).data.result.length).toBeGreaterThan(0);
    } finally {
      await served.close();
    }
    expect(seen(later)).toEqual(seen(now));
    // And both go on alike.
    now.tick(5 * 60_000);
    later.tick(5 * 60_000);
    expect(seen(later)).toEqual(seen(now));
  });

  it("warm() generates it in slices; a scenario asked for meanwhile starts after the history, as it would have", async () => {
    const now = make("now");
    await now.start("bad-deploy");
    const later = make("later");
    const starting = later.start("bad-deploy");
    expect(later.warmed()).toBe(false);
    await Promise.all([starting, later.warm()]);
    expect(later.activeInfo()?.name).toBe("bad-deploy");
    now.tick(10 * 60_000);
    later.tick(10 * 60_000);
    expect(seen(later)).toEqual(seen(now));
  });

  it("a saved world is replayed later too, and goes on from where it was", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-sim-later-"));
    const first = make("now", dataDir);
    await first.start("memory-leak");
    first.tick(8 * 60_000);
    await first.stop();
    const before = seen(first);
    const again = make("later", dataDir);
    expect(again.now()).toBe(before.now);
    await again.warm();
    expect(seen(again)).toEqual(before);
    expect(again.activeInfo()?.name).toBe("memory-leak");
  });
});
