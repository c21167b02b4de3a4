import { describe, expect, it } from "vitest";
import { createSimulatedSystem } from "../../../src/sandbox/sim/system.ts";
import { callersOf, dependentsOf } from "../../../src/domain/topology.ts";
import { START, startSim } from "./harness.ts";

describe("simulated system", () => {
  it("exposes a topology of about a dozen services the correlation code can use", () => {
    const sim = createSimulatedSystem({ speed: 60, dataDir: "/tmp/aisre-sim-topology", publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 0 });
    const t = sim.topology();
    expect(t.services).toHaveLength(13);
    expect(t.edges).toEqual(expect.arrayContaining([expect.objectContaining({ from: "frontend", to: "checkout" }), expect.objectContaining({ from: "checkout", to: "payments" }), expect.objectContaining({ from: "payments", to: "orders-db" })]));
    expect(callersOf(t, "payments")).toEqual(["checkout"]);
    expect(dependentsOf(t, "orders-db")).toEqual(expect.arrayContaining(["checkout", "frontend", "payments", "reporting", "order-processor"]));
    expect(t.nodes.find((n) => n.id === "orders-db")?.kind).toBe("database");
  });

  it("is deterministic given a seed", () => {
    const make = () => createSimulatedSystem({ speed: 60, seed: 99, dataDir: "/tmp/aisre-sim-det", publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 10 * 60_000 });
    const a = make();
    const b = make();
    for (const s of [a, b]) {
      void s.start("memory-leak");
      s.tick(20 * 60_000);
    }
    expect(JSON.stringify(a.health())).toBe(JSON.stringify(b.health()));
    expect(a.world.cluster.servicePods("order-processor").map((p) => [p.name, p.memBytes])).toEqual(b.world.cluster.servicePods("order-processor").map((p) => [p.name, p.memBytes]));
  });

  it("state() has services, deployments, the active scenario with ground truth, the kubeconfig and sim time", async () => {
    const env = await startSim();
    try {
      await env.sim.start("disk-full");
      const state = env.sim.state();
      expect(state.kubeconfig).toBe(env.sim.kubeconfigPath);
      expect(state.simTime).toBe(new Date(START).toISOString());
      expect((state.services as unknown[]).length).toBe(13);
      expect((state.deployments as Array<{ name: string }>).map((d) => d.name)).toContain("catalog");
      expect(state.activeScenario).toMatchObject({ name: "disk-full", rootCause: "catalog", fix: "delete_pod", fixTarget: { kind: "pod" } });
      expect(env.sim.list().map((s) => s.name)).toEqual(["memory-leak", "db-report-query", "bad-deploy", "cascading-failure", "disk-full", "crashloop-config"]);
      await env.sim.stop("disk-full");
      expect(env.sim.active()).toBeNull();
      const clock = await (await fetch(`${env.url}/sim/clock`)).json();
      expect(clock).toMatchObject({ simTimeMs: START, speed: 60 });
    } finally {
      await env.close();
    }
  });

  it("lists orders-db statements and kills one through the hook; DB CPU drops", async () => {
    const env = await startSim();
    try {
      await env.sim.start("db-report-query");
      env.sim.tick(8 * 60_000);
      const { queries } = await (await fetch(`${env.url}/sim/db/queries`)).json();
      expect(queries).toHaveLength(1);
      expect(queries[0]).toMatchObject({ usename: "reporting", application_name: "reporting-job", state: "active" });
      expect(queries[0].duration_seconds).toBeGreaterThan(400);
      const cpu = () =>
        env.sim
          .health()
          .find((h) => h.service === "orders-db")!
          .reasons.some((r) => r.startsWith("CPU"));
      expect(cpu()).toBe(true);
      const dry = await fetch(`${env.url}/sim/hooks/kill-query`, { method: "POST", body: JSON.stringify({ queryId: queries[0].queryId, dryRun: true }) });
      expect((await dry.json()).dryRun).toBe(true);
      const res = await fetch(`${env.url}/sim/hooks/kill-query`, { method: "POST", body: JSON.stringify({ queryId: queries[0].queryId }) });
      expect((await res.json()).killed.pid).toBe(queries[0].pid);
      env.sim.tick(60_000);
      expect(cpu()).toBe(false);
      expect(env.sim.actions().map((a) => a.action)).toEqual(["kill_db_query"]);
      const again = await fetch(`${env.url}/sim/hooks/kill-query`, { method: "POST", body: JSON.stringify({ queryId: queries[0].queryId }) });
      expect(again.status).toBe(404);
    } finally {
      await env.close();
    }
  });

  it("scaling changes latency under load", () => {
    const sim = createSimulatedSystem({ speed: 60, dataDir: "/tmp/aisre-sim-scale", publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 0 });
    const p99 = () => sim.world.signals.get("cart")!.p99;
    sim.tick(2 * 60_000);
    const normal = p99();
    const dep = sim.world.cluster.deployments.get("cart")!;
    dep.spec.replicas = 3;
    sim.world.cluster.touch(dep);
    sim.tick(3 * 60_000);
    const fewer = p99();
    dep.spec.replicas = 6;
    sim.world.cluster.touch(dep);
    sim.tick(3 * 60_000);
    expect(fewer).toBeGreaterThan(normal * 1.5);
    expect(p99()).toBeLessThan(normal);
  });
});
