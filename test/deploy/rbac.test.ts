import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientNodeKubernetes } from "../../src/integrations/kubernetes/client-node-adapter.ts";
import type { KubernetesPort } from "../../src/integrations/kubernetes/port.ts";
import { type RunningSim, startSim } from "../sandbox/sim/harness.ts";
import { requestAttributes, type RequestAttributes } from "./k8s-request-info.ts";
import { find, type K8sObject, renderKustomization } from "./render.ts";

/**
 * The ClusterRole is derived from the code, not written from memory: every method of the
 * Kubernetes adapter runs against the simulated API server through a recording proxy, each request
 * is classified as the API server's authorizer would (group, resource, verb), and the union must
 * equal what the production manifests grant the aisre ServiceAccount — a new action cannot ship
 * without its permission, and nothing wider is granted.
 */

/** Every public method of the adapter with calls that reach each of its API requests. */
const EXERCISE: Record<keyof KubernetesPort, (k: KubernetesPort, pod: () => Promise<string>) => Promise<unknown>> = {
  clusterShape: async (k) => Promise.all([k.clusterShape("shop"), k.clusterShape()]),
  listDeployments: async (k) => Promise.all([k.listDeployments("shop"), k.listDeployments()]),
  getDeployment: async (k) => Promise.all([k.getDeployment("shop", "cart"), k.getDeployment("shop", "nope")]),
  listPods: async (k) => Promise.all([k.listPods("shop"), k.listPods(), k.listPods("shop", { deployment: "cart" })]),
  podLogs: async (k, pod) => k.podLogs("shop", await pod(), { tailLines: 5 }),
  events: async (k) => Promise.all([k.events("shop", { objectName: "cart", objectKind: "Deployment" }), k.events()]),
  rolloutHistory: async (k) => k.rolloutHistory("shop", "order-processor"),
  restartDeployment: async (k) => Promise.all([k.restartDeployment("shop", "cart", { dryRun: true }), k.restartDeployment("shop", "cart")]),
  scaleDeployment: async (k) => Promise.all([k.scaleDeployment("shop", "search", 4, { dryRun: true }), k.scaleDeployment("shop", "search", 4)]),
  rollbackDeployment: async (k) => Promise.all([k.rollbackDeployment("shop", "order-processor", { dryRun: true }), k.rollbackDeployment("shop", "inventory", { toRevision: 1 })]),
  pauseRollout: async (k) => {
    await k.pauseRollout("shop", "catalog");
    await k.pauseRollout("shop", "catalog", { paused: false });
  },
  deletePod: async (k, pod) => {
    const name = await pod();
    await k.deletePod("shop", name, { dryRun: true });
    await k.deletePod("shop", name);
  },
};
/** Private helpers on the prototype, not API operations of their own. */
const HELPERS = ["constructor", "call", "replicaSets"];

const key = (p: { group: string; resource: string; verb: string }) => `${p.group || "core"}/${p.resource}:${p.verb}`;

describe("RBAC: the production ClusterRole is exactly what the Kubernetes adapter uses", () => {
  let sim: RunningSim;
  let proxy: Server;
  const requests: RequestAttributes[] = [];
  let adapter: ClientNodeKubernetes;

  beforeAll(async () => {
    sim = await startSim();
    // Records each request, then forwards it to the simulated API server.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        requests.push(requestAttributes(req.method!, req.url!));
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([h]) => !["host", "connection", "content-length"].includes(h))) as Record<string, string>;
        fetch(`${sim.url}/k8s${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }).then(
          async (r) => {
            res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
            res.end(Buffer.from(await r.arrayBuffer()));
          },
          (e: unknown) => {
            res.writeHead(502);
            res.end(String(e));
          },
        );
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const kc = new KubeConfig();
    kc.loadFromFile(sim.sim.kubeconfigPath);
    kc.loadFromOptions({
      clusters: [{ name: "recording", server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: kc.getUsers(),
      contexts: [{ name: "recording", cluster: "recording", user: kc.getCurrentUser()!.name }],
      currentContext: "recording",
    });
    adapter = new ClientNodeKubernetes({ kubeConfig: kc });
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await sim?.close();
  });

  it("the exercise covers every public method of the adapter", () => {
    const methods = Object.getOwnPropertyNames(ClientNodeKubernetes.prototype).filter((m) => !HELPERS.includes(m));
    expect(methods.sort()).toEqual(Object.keys(EXERCISE).sort());
  });

  it("grants exactly the derived verbs and resources, cluster-wide only because lists span namespaces", async () => {
    const pod = async () => (await adapter.listPods("shop", { deployment: "catalog" }))[0]!.name;
    for (const [method, run] of Object.entries(EXERCISE)) {
      const before = requests.length;
      await run(adapter, pod);
      expect(requests.length, `${method} made no API request`).toBeGreaterThan(before);
    }
    const derived = [...new Set(requests.map(key))].sort();

    const objects = renderKustomization("overlays/production");
    const sa = find(objects, "ServiceAccount", "aisre");
    const bound = objects.filter(
      (o): o is K8sObject & { roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string; namespace?: string }> } =>
        (o.kind === "ClusterRoleBinding" || o.kind === "RoleBinding") && (o as { subjects?: Array<{ kind: string; name: string; namespace?: string }> }).subjects!.some((s) => s.kind === "ServiceAccount" && s.name === sa.metadata.name && s.namespace === sa.metadata.namespace),
    );
    expect(bound.length).toBeGreaterThan(0);
    const granted: string[] = [];
    for (const binding of bound) {
      const role = find<{ rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }> }>(objects, binding.roleRef.kind, binding.roleRef.name);
      for (const rule of role.rules) {
        // Nothing wider than listed: no wildcards.
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain("*");
        for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) granted.push(key({ group, resource, verb }));
      }
    }
    expect([...new Set(granted)].sort()).toEqual(derived);
    // Lists without a namespace need a ClusterRoleBinding; with one, a RoleBinding would do.
    const clusterWide = requests.some((r) => r.namespace === undefined);
    expect(clusterWide).toBe(true);
    expect(bound.map((b) => b.kind)).toContain("ClusterRoleBinding");
  });

  it("the demo grants nothing: no role, no binding, no token in the pod", () => {
    const objects = renderKustomization("overlays/demo");
    expect(objects.filter((o) => /Role/.test(o.kind)).map((o) => o.kind)).toEqual([]);
    expect(find<{ automountServiceAccountToken: boolean }>(objects, "ServiceAccount", "aisre").automountServiceAccountToken).toBe(false);
  });
});
