import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ENV_VARIABLES, loadConfig } from "../../src/config.ts";
import { loadSliConfig } from "../../src/detect/sli-config.ts";
import { loadRouting } from "../../src/incident/routing.ts";
import { parsePolicy } from "../../src/remediate/policy-schema.ts";
import { loadServiceOverrides } from "../../src/topology/overrides.ts";
import { validateObject } from "./k8s-schema.ts";
import { find, type K8sObject, renderKustomization } from "./render.ts";

/** Rendered manifests are untyped JSON. */
type Any = any;

const overlays = { demo: renderKustomization("overlays/demo"), production: renderKustomization("overlays/production") };
const scratch = mkdtempSync(join(tmpdir(), "aisre-deploy-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const podSpec = (objects: K8sObject[]): Any => find<Any>(objects, "Deployment", "aisre").spec.template.spec;
const container = (objects: K8sObject[]): Any => podSpec(objects).containers.find((c: Any) => c.name === "aisre");

/** The container's environment as the kubelet would build it: envFrom ConfigMaps, then env (secret refs get `secret`). */
function environment(objects: K8sObject[], secret: (key: string) => string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container(objects).envFrom ?? []) Object.assign(env, find<Any>(objects, "ConfigMap", from.configMapRef.name).data);
  for (const e of container(objects).env ?? []) {
    const v = e.value ?? (e.valueFrom?.secretKeyRef ? secret(e.valueFrom.secretKeyRef.key) : undefined);
    if (v !== undefined) env[e.name] = v;
  }
  return env;
}

/** Writes each ConfigMap volume's files where the container mounts them, under `root`. */
function mountConfigMaps(objects: K8sObject[], root: string): (path: string) => string {
  const volumes = new Map<string, Any>(podSpec(objects).volumes.map((v: Any) => [v.name, v]));
  for (const m of container(objects).volumeMounts) {
    const cm = volumes.get(m.name)?.configMap;
    if (!cm) continue;
    mkdirSync(join(root, m.mountPath), { recursive: true });
    for (const [file, text] of Object.entries(find<Any>(objects, "ConfigMap", cm.name).data as Record<string, string>)) writeFileSync(join(root, m.mountPath, file), text);
  }
  return (path) => join(root, path);
}

/** Secret values of the right form for every key the production overlay reads. */
const FAKE_SECRETS: Record<string, string> = {
  DATABASE_URL: "postgres://aisre:pw@postgres.aisre.svc:5432/aisre",
  SLACK_BOT_TOKEN: "xoxb-1-2-abc",
  SLACK_SIGNING_SECRET: "0123456789abcdef0123456789abcdef",
  JIRA_API_TOKEN: "jira-token",
  PAGERDUTY_API_TOKEN: "pd-token",
};

describe.each(Object.entries(overlays))("kubectl kustomize deploy/kubernetes/overlays/%s", (overlay, objects) => {
  it("renders objects that all validate against the Kubernetes schemas (no unknown field)", async () => {
    expect(objects.length).toBeGreaterThan(5);
    const problems = (await Promise.all(objects.map(validateObject))).flat();
    expect(problems).toEqual([]);
  });

  it("runs aisre as a non-root user on a read-only root filesystem with no capabilities", () => {
    const pod = podSpec(objects);
    const c = container(objects);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    expect(c.securityContext.capabilities.add).toBeUndefined();
    // Everything it writes is on a volume: the data dir and /tmp.
    const env = environment(objects, (k) => FAKE_SECRETS[k]);
    const mounts = c.volumeMounts.map((m: Any) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining([env.AISRE_DATA_DIR, "/tmp"]));
  });

  it("probes readiness on /readyz and liveness on /healthz, with requests and limits", () => {
    const c = container(objects);
    expect(c.readinessProbe.httpGet).toMatchObject({ path: "/readyz", port: "http" });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(c.ports.find((p: Any) => p.name === "http").containerPort).toBe(Number(environment(objects, (k) => FAKE_SECRETS[k]).PORT));
    for (const r of ["cpu", "memory"]) {
      expect(c.resources.requests[r]).toBeDefined();
      expect(c.resources.limits[r]).toBeDefined();
    }
  });

  it("has a Service, a PodDisruptionBudget and a NetworkPolicy selecting the pods", () => {
    const labels = find<Any>(objects, "Deployment", "aisre").spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(selects(find<Any>(objects, "Service", "aisre").spec.selector)).toBe(true);
    expect(selects(find<Any>(objects, "PodDisruptionBudget", "aisre").spec.selector.matchLabels)).toBe(true);
    const policy = find<Any>(objects, "NetworkPolicy", "aisre");
    expect(selects(policy.spec.podSelector.matchLabels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
  });

  it("sets only variables aisre reads, and references only ConfigMaps and Secrets it names", () => {
    const c = container(objects);
    const names = [...Object.keys(environment(objects, () => "x")), ...(c.env ?? []).map((e: Any) => e.name)];
    expect(names.filter((n) => !ENV_VARIABLES.includes(n))).toEqual([]);
    const configMaps = new Set(objects.filter((o) => o.kind === "ConfigMap").map((o) => o.metadata.name));
    const referenced = [
      ...(c.envFrom ?? []).map((f: Any) => f.configMapRef.name),
      ...podSpec(objects)
        .volumes.filter((v: Any) => v.configMap)
        .map((v: Any) => v.configMap.name),
    ];
    expect(referenced.filter((n) => !configMaps.has(n))).toEqual([]);
    const secrets = new Set((c.env ?? []).filter((e: Any) => e.valueFrom?.secretKeyRef).map((e: Any) => e.valueFrom.secretKeyRef.name));
    expect([...secrets].every((s) => s === "aisre-secrets")).toBe(true);
  });

  it("puts every namespaced object in the aisre namespace", () => {
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);
    for (const o of objects) expect({ kind: o.kind, namespace: clusterScoped.has(o.kind) ? "aisre" : o.metadata.namespace }).toEqual({ kind: o.kind, namespace: "aisre" });
  });
});

describe("overlays", () => {
  it("production: two replicas on Postgres with real Slack, Kubernetes in-cluster, Prometheus, Jira and PagerDuty", () => {
    const objects = overlays.production;
    expect(find<Any>(objects, "Deployment", "aisre").spec.replicas).toBe(2);
    expect(podSpec(objects).automountServiceAccountToken).toBe(true);
    const root = join(scratch, "production");
    mountConfigMaps(objects, root);
    const env = environment(objects, (k) => FAKE_SECRETS[k]);
    const required = container(objects)
      .env.filter((e: Any) => e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional)
      .map((e: Any) => e.name);
    expect(required.sort()).toEqual(Object.keys(FAKE_SECRETS).sort());
    // The files named by the settings are the mounted ConfigMaps (paths re-rooted under scratch).
    for (const k of ["AISRE_POLICY_FILE", "AISRE_ROUTING_FILE", "AISRE_SLIS_FILE", "AISRE_SERVICES_FILE"]) env[k] = join(root, env[k]!);
    const config = loadConfig(env);
    expect(config.databaseUrl).toBe(FAKE_SECRETS.DATABASE_URL);
    expect({ slack: config.slack.mode, kubernetes: config.kubernetes.mode, inCluster: config.kubernetes.inCluster, prometheus: config.prometheus.mode, jira: config.jira.mode, pagerduty: config.pagerduty.mode }).toEqual({
      slack: "real",
      kubernetes: "real",
      inCluster: true,
      prometheus: "real",
      jira: "real",
      pagerduty: "real",
    });
    expect(config.logFormat).toBe("json");
    // Each mounted file is valid for the loader that reads it.
    expect(loadRouting(env.AISRE_ROUTING_FILE).default).toBe("#incidents");
    expect(loadServiceOverrides(env.AISRE_SERVICES_FILE!).calls.length).toBeGreaterThan(0);
    expect(loadSliConfig(env.AISRE_SLIS_FILE).length).toBeGreaterThan(0);
    const policy = parsePolicy(parse(readFileSync(env.AISRE_POLICY_FILE!, "utf8")));
    expect(policy.ok ? "ok" : policy.error).toBe("ok");
  });

  it("demo: one replica on its own sandbox, no credentials, no Kubernetes token, no egress", () => {
    const objects = overlays.demo;
    expect(find<Any>(objects, "Deployment", "aisre").spec.replicas).toBe(1);
    expect(podSpec(objects).automountServiceAccountToken).toBe(false);
    expect(find<Any>(objects, "ServiceAccount", "aisre").automountServiceAccountToken).toBe(false);
    expect(objects.filter((o) => /Role/.test(o.kind) || o.kind === "Secret")).toEqual([]);
    expect(container(objects).env ?? []).toEqual([]);
    const config = loadConfig(environment(objects, () => undefined));
    expect(config.needsSandbox).toBe(true);
    expect([config.slack.mode, config.kubernetes.mode, config.jira.mode, config.pagerduty.mode]).toEqual(["sandbox", "sandbox", "sandbox", "sandbox"]);
    expect(config.databaseUrl).toBeUndefined();
    const sandboxPort = container(objects).ports.find((p: Any) => p.name === "sandbox");
    expect(sandboxPort.containerPort).toBe(config.sandboxPort);
    expect(
      find<Any>(objects, "Service", "aisre")
        .spec.ports.map((p: Any) => p.name)
        .sort(),
    ).toEqual(["http", "sandbox"]);
    expect(find<Any>(objects, "NetworkPolicy", "aisre").spec.egress).toEqual([]);
  });
});
