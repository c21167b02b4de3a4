import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientNodeKubernetes } from "../../../src/integrations/kubernetes/client-node-adapter.ts";
import { KubernetesRemediation } from "../../../src/remediate/kubernetes-adapter.ts";
import { clockOf } from "../../../src/domain/clock.ts";
import { type RunningSim, startSim } from "../../sandbox/sim/harness.ts";

describe("ClientNodeKubernetes against the simulated API server", () => {
  let env: RunningSim;
  let k8s: ClientNodeKubernetes;

  beforeAll(async () => {
    env = await startSim();
    k8s = new ClientNodeKubernetes({ kubeconfigPath: env.sim.kubeconfigPath });
  });
  afterAll(async () => env.close());

  it("lists deployments and pods with summarised statuses", async () => {
    const deps = await k8s.listDeployments("shop");
    expect(deps.map((d) => d.name).sort()).toEqual(["cart", "catalog", "checkout", "frontend", "inventory", "order-processor", "payments", "search"]);
    const inventory = deps.find((d) => d.name === "inventory")!;
    expect(inventory).toMatchObject({ namespace: "shop", replicas: 3, readyReplicas: 3, revision: 2, version: "2.2.0", paused: false });
    const pods = await k8s.listPods();
    expect(pods.length).toBeGreaterThan(25);
    const inv = await k8s.listPods("shop", { deployment: "inventory" });
    expect(inv).toHaveLength(3);
    expect(inv[0]).toMatchObject({ status: "Running", ready: true, deployment: "inventory", owner: { kind: "ReplicaSet" } });
    expect(inv[0]!.containers[0]).toMatchObject({ name: "inventory", state: "running", restartCount: 0 });
    const db = pods.find((p) => p.name === "orders-db-0")!;
    expect(db.owner).toEqual({ kind: "StatefulSet", name: "orders-db" });
    expect(await k8s.getDeployment("shop", "nope")).toBeUndefined();
  });

  it("reads pod logs with tailLines and events", async () => {
    env.sim.tick(5 * 60_000);
    const [pod] = await k8s.listPods("shop", { deployment: "checkout" });
    const logs = await k8s.podLogs("shop", pod!.name, { tailLines: 5 });
    const lines = logs.trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/level=(INFO|ERROR)/);
    const events = await k8s.events("shop");
    expect(Array.isArray(events)).toBe(true);
  });

  it("dry-run changes nothing", async () => {
    const before = await k8s.getDeployment("shop", "frontend");
    const r1 = await k8s.restartDeployment("shop", "frontend", { dryRun: true });
    const r2 = await k8s.scaleDeployment("shop", "frontend", 9, { dryRun: true });
    const r3 = await k8s.rollbackDeployment("shop", "frontend", { dryRun: true });
    const [pod] = await k8s.listPods("shop", { deployment: "frontend" });
    const r4 = await k8s.deletePod("shop", pod!.name, { dryRun: true });
    expect([r1, r2, r3, r4].every((r) => r.dryRun)).toBe(true);
    env.sim.tick(60_000);
    const after = await k8s.getDeployment("shop", "frontend");
    expect(after).toMatchObject({ replicas: before!.replicas, revision: before!.revision, images: before!.images });
    expect((await k8s.listPods("shop", { deployment: "frontend" })).map((p) => p.name)).toContain(pod!.name);
    expect(env.sim.actions()).toHaveLength(0);
  });

  it("restarts a deployment through the restartedAt annotation", async () => {
    const before = (await k8s.listPods("shop", { deployment: "cart" })).map((p) => p.name);
    const r = await k8s.restartDeployment("shop", "cart");
    expect(r.dryRun).toBe(false);
    // Said in words for the action card: no raw ISO time (the annotation's value is the system's time, not the card's business).
    expect(r.detail).toBe("restarted deployment shop/cart");
    env.sim.tick(5 * 60_000);
    const after = await k8s.listPods("shop", { deployment: "cart" });
    expect(after).toHaveLength(4);
    expect(after.some((p) => before.includes(p.name))).toBe(false);
    const dep = await k8s.getDeployment("shop", "cart");
    expect(dep).toMatchObject({ revision: 3, readyReplicas: 4 });
    expect(env.sim.actions().map((a) => a.action)).toContain("rollout_restart");
  });

  it("remediation's restart stamps restartedAt with the system's time (the Clock), not this process's wall clock", async () => {
    const at = env.sim.world.now;
    const remediation = new KubernetesRemediation(
      k8s,
      clockOf(() => at),
    );
    const r = await remediation.restart({ kind: "Deployment", namespace: "shop", name: "catalog" }, { dryRun: false });
    expect(r.summary).toBe("restarted deployment shop/catalog");
    // The simulated API server saw the annotation's new value.
    expect(env.sim.actions().find((a) => a.action === "rollout_restart" && a.detail.startsWith("restarted catalog"))?.detail).toBe(`restarted catalog (restartedAt ${new Date(at).toISOString()})`);
  });

  it("scales through the scale subresource", async () => {
    const r = await k8s.scaleDeployment("shop", "search", 4);
    expect(r.replicas).toBe(4);
    env.sim.tick(2 * 60_000);
    expect(await k8s.listPods("shop", { deployment: "search" })).toHaveLength(4);
    expect((await k8s.getDeployment("shop", "search"))?.readyReplicas).toBe(4);
  });

  it("rolls back to the previous ReplicaSet's template", async () => {
    const history = await k8s.rolloutHistory("shop", "order-processor");
    expect(history.map((h) => h.revision)).toEqual([1, 2, 3]);
    expect(history.at(-1)).toMatchObject({ current: true, images: ["registry.acme-shop.io/shop/order-processor:4.2.1"] });
    const r = await k8s.rollbackDeployment("shop", "order-processor");
    expect(r.revision).toBe(2);
    env.sim.tick(3 * 60_000);
    const dep = await k8s.getDeployment("shop", "order-processor");
    expect(dep).toMatchObject({ revision: 4, version: "4.2.0", readyReplicas: 2 });
    const after = await k8s.rolloutHistory("shop", "order-processor");
    expect(after.map((h) => h.revision)).toEqual([1, 3, 4]);
    expect(env.sim.actions().map((a) => a.action)).toContain("rollback");
  });

  it("pauses a rollout and deletes a pod", async () => {
    await k8s.pauseRollout("shop", "catalog");
    expect((await k8s.getDeployment("shop", "catalog"))?.paused).toBe(true);
    await expect(k8s.rollbackDeployment("shop", "catalog")).rejects.toMatchObject({ code: "k8s_paused" });
    await k8s.pauseRollout("shop", "catalog", { paused: false });
    const [pod] = await k8s.listPods("shop", { deployment: "catalog" });
    await k8s.deletePod("shop", pod!.name);
    env.sim.tick(60_000);
    const pods = await k8s.listPods("shop", { deployment: "catalog" });
    expect(pods.map((p) => p.name)).not.toContain(pod!.name);
    expect(pods).toHaveLength(3);
  });

  it("loads only the SDK's parts it uses (not the package root, nor the other API groups), and they answer over HTTP", async () => {
    // A Node process of its own (this worker's module cache may hold the whole SDK): the port built as
    // the product builds it, one cluster-wide read and one labelled list, every module it loaded recorded.
    const dir = mkdtempSync(join(tmpdir(), "aisre-k8s-modules-"));
    const modulesFile = join(dir, "loaded-modules.txt");
    const lazy = new URL("../../../src/integrations/kubernetes/lazy.ts", import.meta.url).href;
    const script = `const { lazyKubernetes } = await import(${JSON.stringify(lazy)});
const k8s = lazyKubernetes({ kubeconfigPath: ${JSON.stringify(env.sim.kubeconfigPath)} });
const shape = await k8s.clusterShape();
const pods = await k8s.listPods("shop", { deployment: "inventory" });
console.log(JSON.stringify({ workloads: shape.workloads.filter((w) => w.kind === "Deployment").map((w) => w.name).sort(), pods: pods.length }));`;
    const hook = fileURLToPath(new URL("../../support/record-loaded-modules.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", hook, "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000, env: { LOADED_MODULES_FILE: modulesFile } });
    expect(JSON.parse(stdout)).toEqual({ workloads: ["cart", "catalog", "checkout", "frontend", "inventory", "order-processor", "payments", "search"], pods: 3 });
    const sdk = readFileSync(modulesFile, "utf8")
      .split("\n")
      .flatMap((u) => /node_modules\/@kubernetes\/client-node\/dist\/(.*)$/.exec(u)?.[1] ?? []);
    expect(sdk).toContain("config.js");
    expect(sdk).not.toContain("index.js");
    expect(sdk).not.toContain("gen/index.js");
    expect(sdk.filter((f) => f.startsWith("gen/types/"))).toEqual([]);
    expect(sdk.filter((f) => f.startsWith("gen/apis/")).sort()).toEqual(["gen/apis/AppsV1Api.js", "gen/apis/BatchV1Api.js", "gen/apis/CoreV1Api.js", "gen/apis/baseapi.js", "gen/apis/exception.js"]);
  });

  it("rejects a bad token", async () => {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: "c", server: `${env.url}/k8s`, skipTLSVerify: true }], users: [{ name: "u", token: "wrong" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
    const bad = new ClientNodeKubernetes({ kubeConfig: kc });
    await expect(bad.listDeployments("shop")).rejects.toMatchObject({ code: "k8s_forbidden", status: 401 });
  });
});

const kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));

describe.skipIf(!kubectl)("kubectl against the simulated API server", () => {
  let env: RunningSim;
  beforeAll(async () => {
    env = await startSim();
  });
  afterAll(async () => env.close());

  const run = async (...args: string[]): Promise<string> => (await promisify(execFile)(kubectl!, ["--kubeconfig", env.sim.kubeconfigPath, ...args], { encoding: "utf8", timeout: 20_000 })).stdout;

  it("get pods -A lists the simulated pods", async () => {
    const out = await run("get", "pods", "-A");
    expect(out).toMatch(/NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(out).toMatch(/shop\s+orders-db-0\s+1\/1\s+Running/);
    expect(out.split("\n").filter((l) => l.startsWith("shop")).length).toBeGreaterThan(25);
  });

  it("get deployments, logs, and server-side dry-run scale", async () => {
    expect(await run("get", "deployments", "-n", "shop")).toMatch(/inventory\s+3\/3\s+3\s+3/);
    const pod = await run("get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "jsonpath={.items[0].metadata.name}");
    env.sim.tick(2 * 60_000);
    expect((await run("logs", "-n", "shop", pod, "--tail=2")).trim().split("\n")).toHaveLength(2);
    expect(await run("scale", "deployment/checkout", "-n", "shop", "--replicas=5", "--dry-run=server")).toMatch(/scaled/);
    expect(await run("get", "deployment", "checkout", "-n", "shop", "-o", "jsonpath={.spec.replicas}")).toBe("3");
  });

  it("rollout restart and undo", async () => {
    expect(await run("rollout", "restart", "deployment/payments", "-n", "shop")).toMatch(/restarted/);
    env.sim.tick(3 * 60_000);
    expect(await run("rollout", "undo", "deployment/inventory", "-n", "shop")).toMatch(/rolled back/);
    env.sim.tick(3 * 60_000);
    expect(await run("get", "deployment", "inventory", "-n", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].image}")).toBe("registry.acme-shop.io/shop/inventory:2.1.0");
  });
});
