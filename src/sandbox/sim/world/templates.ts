import { NAMESPACE, SERVICE_BY_NAME, type ServiceSpec } from "../catalog.ts";
import { fnv32, stableJson } from "../hash.ts";
import type { K8sObject } from "./types.ts";

const HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Like Kubernetes' pod-template-hash: a short stable name derived from the template. */
export function templateHash(template: K8sObject): string {
  const t = structuredClone(template);
  if (t.metadata?.labels) delete t.metadata.labels["pod-template-hash"];
  let h = fnv32(stableJson(t));
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += HASH_ALPHABET[h % HASH_ALPHABET.length];
    h = (Math.floor(h / HASH_ALPHABET.length) ^ fnv32(out)) >>> 0;
  }
  return out;
}

/** Where a service's clients find it: the in-cluster DNS name of its Service, or an external host. */
export function serviceUrl(to: ServiceSpec, short = false): string {
  if (to.workload === "External") return `https://${EXTERNAL_HOSTS[to.name] ?? `${to.name}.example`}/${to.versions.at(-1)}`;
  return short ? `http://${to.name}:${to.port}` : `http://${to.name}.${NAMESPACE}.svc.cluster.local:${to.port}`;
}

/** External endpoints behind ExternalName Services. */
export const EXTERNAL_HOSTS: Record<string, string> = { "payment-provider": "api.paygate.example" };

/** Services whose upstream URLs come from a ConfigMap (`<name>-upstreams`, envFrom) instead of env. */
export const UPSTREAMS_IN_CONFIGMAP = new Set(["frontend"]);

/** Services deployed without the app.kubernetes.io/* labels (only `app`): found through their Service. */
export const UNLABELLED = new Set(["search"]);

/** `CATALOG_URL`-style variable names. */
export function urlVar(name: string): string {
  return `${name.toUpperCase().replace(/-/g, "_")}_URL`;
}

/** Upstream URLs of a service's HTTP calls (databases, caches and queues have their own variables). */
export function upstreamUrls(s: ServiceSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of s.calls) {
    const to = SERVICE_BY_NAME.get(c.to);
    if (!to || to.kind === "database" || to.kind === "cache" || to.kind === "queue") continue;
    // Same-namespace short names for some callers, full DNS names for others, as real manifests mix them.
    out[urlVar(c.to)] = serviceUrl(to, s.runtime === "go");
  }
  return out;
}

function env(s: ServiceSpec): Array<{ name: string; value: string }> {
  const out = [
    { name: "PORT", value: String(s.port) },
    { name: "LOG_LEVEL", value: "info" },
    { name: "OTEL_SERVICE_NAME", value: s.name },
  ];
  if (s.calls.some((c) => c.to === "orders-db")) out.push({ name: "DATABASE_URL", value: `postgres://app@orders-db.${NAMESPACE}.svc:5432/orders` });
  if (s.calls.some((c) => c.to === "cache")) out.push({ name: "REDIS_ADDR", value: `cache.${NAMESPACE}.svc:6379` });
  if (s.calls.some((c) => c.to === "queue")) out.push({ name: "AMQP_URL", value: `amqp://queue.${NAMESPACE}.svc:5672/orders` });
  if (!UPSTREAMS_IN_CONFIGMAP.has(s.name)) for (const [name, value] of Object.entries(upstreamUrls(s))) out.push({ name, value });
  return out;
}

function mem(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

function cpu(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** The pod template of a service at a version. */
export function podTemplate(s: ServiceSpec, version: string): K8sObject {
  const container: K8sObject = {
    name: s.name,
    image: `${s.image}:${version}`,
    imagePullPolicy: "IfNotPresent",
    env: s.runtime === "postgres" || s.runtime === "redis" || s.runtime === "rabbitmq" ? [] : env(s),
    resources: {
      requests: { cpu: cpu(Math.max(0.05, s.cpuLimitCores / 2)), memory: mem(Math.round(s.memLimitMiB / 2)) },
      limits: { cpu: cpu(s.cpuLimitCores), memory: mem(s.memLimitMiB) },
    },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
  };
  if (s.port) {
    container.ports = [{ containerPort: s.port, name: s.kind === "database" || s.kind === "cache" || s.kind === "queue" ? s.runtime : "http", protocol: "TCP" }];
    if (s.kind === "web" || s.kind === "api" || s.kind === "worker") {
      container.readinessProbe = { httpGet: { path: "/healthz", port: s.port, scheme: "HTTP" }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
    }
  }
  if (UPSTREAMS_IN_CONFIGMAP.has(s.name)) container.envFrom = [{ configMapRef: { name: `${s.name}-upstreams` } }];
  const volumes: K8sObject[] = [];
  if (s.name === "catalog") {
    container.volumeMounts = [{ name: "image-cache", mountPath: "/var/cache/thumbnails" }];
    volumes.push({ name: "image-cache", emptyDir: { sizeLimit: "5Gi" } });
  }
  return {
    metadata: { labels: UNLABELLED.has(s.name) ? { app: s.name, version } : { app: s.name, "app.kubernetes.io/name": s.name, "app.kubernetes.io/part-of": "acme-shop", version }, annotations: {} },
    spec: {
      containers: [container],
      ...(volumes.length ? { volumes } : {}),
      restartPolicy: s.workload === "CronJob" ? "Never" : "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      securityContext: {},
    },
  };
}

export function objectMeta(name: string, uid: string, createdAt: number, labels: Record<string, string>, annotations: Record<string, string> = {}): K8sObject {
  return { name, namespace: NAMESPACE, uid, resourceVersion: "1", generation: 1, creationTimestamp: iso(createdAt), labels, annotations };
}

export function workloadLabels(s: ServiceSpec): Record<string, string> {
  if (UNLABELLED.has(s.name)) return { app: s.name, team: s.team };
  return { app: s.name, "app.kubernetes.io/name": s.name, "app.kubernetes.io/part-of": "acme-shop", team: s.team };
}

/** Container image version from a template (the tag). */
export function templateVersion(template: K8sObject): string {
  const image: string = template?.spec?.containers?.[0]?.image ?? "";
  const i = image.lastIndexOf(":");
  return i > image.lastIndexOf("/") ? image.slice(i + 1) : "latest";
}

export function templateEnv(template: K8sObject, name: string): string | undefined {
  const envs: Array<{ name: string; value?: string }> = template?.spec?.containers?.[0]?.env ?? [];
  return envs.find((e) => e.name === name)?.value;
}

/** "25%" of n, or an int; Kubernetes rounds surge up and unavailable down. */
export function intOrPercent(value: unknown, n: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * n) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
