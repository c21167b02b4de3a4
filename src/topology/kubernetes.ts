import type { ClusterShape, ServiceShape, WorkloadShape } from "../integrations/kubernetes/port.ts";
import type { SourceObservation } from "../store/repos/topology.ts";

/** Namespaces left out unless asked for by name. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];

const NAME = "app.kubernetes.io/name";
const CONTROLLED = new Set(["ReplicaSet", "Job"]);

const matches = (labels: Record<string, string>, selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The service graph a cluster shows (pure): each top-level workload (a Deployment, StatefulSet,
 * DaemonSet or CronJob; ReplicaSets and Jobs lead to their owners) is a service, named by its
 * `app.kubernetes.io/name` label, else by the Service that selects its pods, else by its own name.
 * An edge is a workload naming another Service's DNS name (`payments.shop.svc:8080`,
 * `http://payments.shop.svc.cluster.local`, `payments` in its own namespace, or an ExternalName's
 * target) in an env var or a ConfigMap it reads.
 */
export function kubernetesObservation(shape: ClusterShape, options: { namespaces?: readonly string[] } = {}): SourceObservation {
  const wanted = (ns: string): boolean => (options.namespaces?.length ? options.namespaces.includes(ns) : !SYSTEM_NAMESPACES.includes(ns));
  const workloads = shape.workloads.filter((w) => wanted(w.namespace));
  const services = shape.services.filter((s) => wanted(s.namespace));
  const key = (ns: string, kind: string, name: string): string => `${ns}/${kind}/${name}`;
  const byKey = new Map(workloads.map((w) => [key(w.namespace, w.kind, w.name), w]));

  /** The top of a workload's owner chain (Pod → ReplicaSet → Deployment, Job → CronJob). */
  const top = (ns: string, kind: string, name: string): WorkloadShape | undefined => {
    let w = byKey.get(key(ns, kind, name));
    for (let hops = 0; w?.owner && hops < 4; hops++) {
      const up = byKey.get(key(ns, w.owner.kind, w.owner.name));
      if (!up) break;
      w = up;
    }
    return w;
  };
  const tops = workloads.filter((w) => !(CONTROLLED.has(w.kind) && w.owner && byKey.has(key(w.namespace, w.owner.kind, w.owner.name))));

  // Service → the top-level workloads behind it: its pods' owners, and templates it matches (scaled to zero).
  const selected = new Map<ServiceShape, Set<WorkloadShape>>();
  for (const s of services) {
    const set = new Set<WorkloadShape>();
    if (s.selector) {
      for (const p of shape.pods) {
        if (p.namespace !== s.namespace || !p.owner || !matches(p.labels, s.selector)) continue;
        const w = top(p.namespace, p.owner.kind, p.owner.name);
        if (w) set.add(w);
      }
      for (const w of tops) if (w.namespace === s.namespace && matches(w.podLabels, s.selector)) set.add(w);
    }
    selected.set(s, set);
  }
  const selectorsOf = (w: WorkloadShape): ServiceShape[] => services.filter((s) => selected.get(s)!.has(w)).sort((a, b) => Number(b.name === w.name) - Number(a.name === w.name) || a.name.localeCompare(b.name));
  const nameOf = new Map<WorkloadShape, string>();
  for (const w of tops) nameOf.set(w, w.labels[NAME] ?? w.podLabels[NAME] ?? selectorsOf(w)[0]?.name ?? w.name);

  /** The graph names a Service stands for. */
  const targets = (s: ServiceShape): string[] => {
    const ws = [...selected.get(s)!];
    return ws.length ? [...new Set(ws.map((w) => nameOf.get(w)!))] : [s.name];
  };

  const out: SourceObservation = { source: "kubernetes", services: [], edges: [] };
  const seen = new Set<string>();
  for (const w of tops) {
    const name = nameOf.get(w)!;
    if (seen.has(name)) continue;
    seen.add(name);
    const attributes: Record<string, string> = { namespace: w.namespace, kind: w.kind, workload: w.name };
    for (const k of ["app.kubernetes.io/part-of", "app.kubernetes.io/component"]) {
      const v = w.labels[k] ?? w.podLabels[k];
      if (v) attributes[k.slice("app.kubernetes.io/".length)] = v;
    }
    out.services.push({ name, attributes });
  }
  // ExternalName Services stand for something outside the cluster; other Services without a
  // workload behind them (the API server's `kubernetes`) are nodes only once something calls them.
  for (const s of services) {
    if (s.type === "ExternalName" && !seen.has(s.name)) {
      seen.add(s.name);
      out.services.push({ name: s.name, attributes: { namespace: s.namespace, kind: "ExternalName", ...(s.externalName ? { externalName: s.externalName } : {}) } });
    }
  }

  const serviceByHost = new Map<string, ServiceShape>();
  for (const s of services) {
    for (const h of [`${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}.svc.cluster.local`]) serviceByHost.set(h, s);
    if (s.externalName) serviceByHost.set(s.externalName.toLowerCase().replace(/\.$/, ""), s);
  }
  const resolve = (host: string, ns: string, bare: boolean): ServiceShape | undefined => {
    const h = host.toLowerCase().replace(/\.$/, "");
    if (!h.includes(".")) return bare ? undefined : services.find((s) => s.namespace === ns && s.name === h);
    return serviceByHost.get(h);
  };

  const edges = new Map<string, { from: string; to: string; evidence: string }>();
  for (const w of tops) {
    const from = nameOf.get(w)!;
    const texts: Array<{ text: string; evidence: string }> = w.env.map((e) => ({ text: e.value, evidence: `${w.kind.toLowerCase()} ${w.namespace}/${w.name} env ${e.name}` }));
    for (const ref of w.configMaps) {
      const cm = shape.configMaps.find((c) => c.namespace === w.namespace && c.name === ref.name);
      if (!cm) continue;
      for (const [k, v] of Object.entries(cm.data)) if (!ref.key || ref.key === k) texts.push({ text: v, evidence: `configmap ${w.namespace}/${cm.name} ${k} (${ref.as})` });
    }
    for (const { text, evidence } of texts) {
      for (const { host, bare } of hostsIn(text)) {
        const s = resolve(host, w.namespace, bare);
        if (!s) continue;
        for (const to of targets(s)) {
          const k = `${from}\u0000${to}`;
          if (to !== from && !edges.has(k)) edges.set(k, { from, to, evidence });
        }
      }
    }
  }
  out.edges = [...edges.values()];
  return out;
}

const URL_HOST = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s"']*@)?([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d+)?/gi;
const HOST_PORT = /(?:^|[\s,;="'(])([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?):(\d{2,5})\b/gi;
const DOTTED = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+\.?$/i;

/** Host names in a value: URL hosts, `host:port`, or the whole value when it is a dotted DNS name. */
export function hostsIn(text: string): Array<{ host: string; bare: boolean }> {
  const out: Array<{ host: string; bare: boolean }> = [];
  for (const m of text.matchAll(URL_HOST)) out.push({ host: m[1]!, bare: false });
  for (const m of text.matchAll(HOST_PORT)) out.push({ host: m[1]!, bare: false });
  const trimmed = text.trim();
  if (DOTTED.test(trimmed)) out.push({ host: trimmed, bare: true });
  return out;
}
