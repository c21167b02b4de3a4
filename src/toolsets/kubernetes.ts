import { z } from "zod";
import { clusterLogLines, type ClusterResult, type LogLevel } from "./log-signatures.ts";
import type { K8sDeploymentView, K8sEventView, K8sPodView, K8sRevisionView, KubernetesReadPort, ToolsetPorts } from "./ports.ts";
import { defineTool, noData, ok, timeArg, type Availability, type Tool, type Toolset } from "./types.ts";
import { plural } from "../text/words.ts";
import { systemClock } from "../domain/clock.ts";

/** Which service a pod belongs to: the usual labels first, then its controller. */
export function serviceOfPod(p: Pick<K8sPodView, "labels" | "deployment" | "owner" | "name">): string {
  const l = p.labels ?? {};
  const fromLabel = l["app.kubernetes.io/name"] ?? l.app ?? l["k8s-app"] ?? l.service ?? l["app.kubernetes.io/instance"];
  if (fromLabel) return fromLabel;
  if (p.deployment) return p.deployment;
  if (p.owner?.kind === "StatefulSet" || p.owner?.kind === "DaemonSet") return p.owner.name;
  if (p.owner?.kind === "Job") return p.owner.name.replace(/-\d+$/, "");
  if (p.owner?.kind === "ReplicaSet") return p.owner.name.replace(/-[a-z0-9]{5,10}$/, "");
  return p.name.replace(/-[a-z0-9]{5,10}-[a-z0-9]{5}$/, "").replace(/-\d+$/, "");
}

/** Which service an event is about (by the pod, deployment or replica set it names). */
function serviceOfObject(name: string, kind: string, pods: Map<string, string>, services: readonly string[]): string | undefined {
  if (kind === "Pod" && pods.has(name)) return pods.get(name);
  if (services.includes(name)) return name;
  // ReplicaSet "cart-7d9f8c6b5", pod "cart-7d9f8c6b5-x2k4q", job "reporting-28934"
  let best: string | undefined;
  for (const s of services) if ((name.startsWith(`${s}-`) || name === s) && (!best || s.length > best.length)) best = s;
  return best;
}

/** A pod signal the diagnosis weighs (OOMKilled, CrashLoopBackOff, restarts, Pending, …). */
export interface PodSignal {
  service: string;
  kind: "OOMKilled" | "CrashLoopBackOff" | "restarts" | "Pending" | "ImagePullBackOff" | "Evicted" | "NotReady" | "ProbeFailures" | "FailedMount" | "ProgressDeadlineExceeded";
  /** Pods affected or times seen. */
  count: number;
  /** unix ms, when first seen (last termination, event first timestamp). */
  at?: number;
  /**
   * unix ms, when the earliest pod behind it was created (an event's: when it was first seen);
   * undefined when not known for every one. Pods all born after a rollout are that rollout's.
   */
  bornAt?: number;
  detail?: string;
  /** Where it came from. */
  via: "pod" | "event";
}

export interface PodBrief {
  name: string;
  namespace: string;
  status: string;
  ready: boolean;
  restarts: number;
  node?: string;
  createdAt?: string;
  lastTerminated?: { reason?: string; exitCode: number; finishedAt?: string };
  waiting?: { reason?: string; message?: string };
}

export interface ServicePods {
  service: string;
  /** The controller kind of its pods (a ReplicaSet's pods belong to a Deployment). */
  workload: "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "Pod";
  pods: PodBrief[];
  signals: PodSignal[];
}

const ms = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

/** Pod signals of one service's pods since `since` (unix ms); pure. */
export function podSignals(service: string, pods: readonly K8sPodView[], since: number): PodSignal[] {
  const out = new Map<PodSignal["kind"], PodSignal>();
  // Kinds one of whose pods has no creation time: their birth is not known.
  const unborn = new Set<PodSignal["kind"]>();
  let created: number | undefined;
  const add = (kind: PodSignal["kind"], at: number | undefined, detail: string | undefined, n = 1): void => {
    const cur = out.get(kind);
    if (created === undefined) unborn.add(kind);
    if (!cur) out.set(kind, { service, kind, count: n, ...(at !== undefined ? { at } : {}), ...(created !== undefined ? { bornAt: created } : {}), ...(detail ? { detail } : {}), via: "pod" });
    else {
      cur.count += n;
      if (at !== undefined && (cur.at === undefined || at < cur.at)) cur.at = at;
      if (created !== undefined && (cur.bornAt === undefined || created < cur.bornAt)) cur.bornAt = created;
    }
  };
  for (const p of pods) {
    created = ms(p.createdAt);
    let recentRestarts = 0;
    for (const c of p.containers) {
      const lt = c.lastTerminated;
      const finished = ms(lt?.finishedAt);
      const recent = finished !== undefined && finished >= since;
      // Only the last termination's time is known: all restarts count when the pod is new, else one.
      if (recent) recentRestarts += created !== undefined && created >= since ? c.restartCount : 1;
      if (lt?.reason === "OOMKilled" && recent) add("OOMKilled", finished, `${p.name} (exit ${lt.exitCode})`);
      else if (c.state === "terminated" && c.reason === "OOMKilled") add("OOMKilled", undefined, p.name);
      if (c.state === "waiting" && c.reason === "CrashLoopBackOff") add("CrashLoopBackOff", finished, `${p.name}${lt?.reason ? ` (last exit: ${lt.reason}, code ${lt.exitCode})` : ""}`);
      if (c.state === "waiting" && (c.reason === "ImagePullBackOff" || c.reason === "ErrImagePull")) add("ImagePullBackOff", created, c.message ?? p.name);
      if (c.state === "waiting" && (c.reason === "CreateContainerConfigError" || c.reason === "CreateContainerError")) add("CrashLoopBackOff", created, `${p.name}: ${c.reason}${c.message ? ` (${c.message})` : ""}`);
    }
    if (recentRestarts > 0) add("restarts", undefined, undefined, recentRestarts);
    if (p.phase === "Pending" && !p.containers.some((c) => c.state === "waiting" && /BackOff|ErrImagePull/.test(c.reason ?? ""))) add("Pending", created, p.name);
    if (p.status === "Evicted") add("Evicted", created, p.name);
    if (p.phase === "Running" && !p.ready && p.containers.every((c) => c.state === "running")) add("NotReady", undefined, p.name);
  }
  for (const k of unborn) delete out.get(k)?.bornAt;
  return [...out.values()];
}

const EVENT_KINDS: Array<{ test: (e: K8sEventView) => boolean; kind: PodSignal["kind"] }> = [
  { test: (e) => e.reason === "OOMKilling" || /OOMKilled|out of memory/i.test(e.message), kind: "OOMKilled" },
  { test: (e) => e.reason === "BackOff" && /restarting failed container|back-off restarting/i.test(e.message), kind: "CrashLoopBackOff" },
  { test: (e) => e.reason === "FailedScheduling", kind: "Pending" },
  { test: (e) => (e.reason === "Failed" || e.reason === "BackOff") && /image|pull/i.test(e.message), kind: "ImagePullBackOff" },
  { test: (e) => e.reason === "Evicted", kind: "Evicted" },
  { test: (e) => e.reason === "Unhealthy", kind: "ProbeFailures" },
  { test: (e) => e.reason === "FailedMount" || e.reason === "FailedAttachVolume", kind: "FailedMount" },
  { test: (e) => e.reason === "ProgressDeadlineExceeded" || /ProgressDeadlineExceeded|exceeded its progress deadline/i.test(e.message), kind: "ProgressDeadlineExceeded" },
];

export function eventSignal(service: string, e: K8sEventView): PodSignal | undefined {
  if (e.type !== "Warning" && !/ProgressDeadlineExceeded/.test(e.reason)) return undefined;
  const k = EVENT_KINDS.find((x) => x.test(e));
  if (!k) return undefined;
  const first = ms(e.firstSeen ?? e.lastSeen);
  return { service, kind: k.kind, count: e.count, ...(first !== undefined ? { at: first, bornAt: first } : {}), detail: `${e.object.kind}/${e.object.name}: ${e.reason}: ${e.message}`.slice(0, 200), via: "event" };
}

export interface KubernetesToolsetOptions {
  /** Namespaces to look in; default: all the credentials can see. */
  namespaces?: string[];
  /** The system clock (the simulation's in the sandbox), for default time windows. */
  now?: () => number;
  /** How long listings are reused between tools of one diagnosis (ms). */
  cacheMs?: number;
  disabledReason?: string;
}

const servicesArg = z.array(z.string().min(1)).max(100).optional().describe("service names; default: every service found");

export interface KubernetesTools {
  podState: Tool<{ services?: string[]; since?: string | number }, ServicePods[]>;
  events: Tool<{ services?: string[]; since?: string | number; limit?: number }, { events: Array<K8sEventView & { service?: string }>; signals: PodSignal[] }>;
  rolloutHistory: Tool<{ service: string }, { service: string; namespace: string; revisions: K8sRevisionView[] }>;
  logSignatures: Tool<{ service: string; since?: string | number; until?: string | number; maxPods?: number; tailLines?: number; minLevel?: LogLevel; now?: string | number; splitAt?: string | number; protect?: string[] }, ClusterResult & { service: string; pods: string[] }>;
  podLogs: Tool<{ pod: string; namespace?: string; tailLines?: number; previous?: boolean }, { pod: string; namespace: string; text: string; truncated: boolean }>;
}

/**
 * Kubernetes, read only: pod state per service, warning events, rollout history, and log excerpts
 * clustered into signatures.
 */
export function kubernetesToolset(ports: ToolsetPorts, o: KubernetesToolsetOptions = {}): Toolset & { t: KubernetesTools; deploymentNamespace(service: string): Promise<string | undefined> } {
  const availability = (): Availability => (ports.kubernetes ? { enabled: true } : { enabled: false, reason: o.disabledReason ?? "Kubernetes is not connected (set KUBECONFIG or AISRE_K8S_IN_CLUSTER, or run the sandbox)" });
  const k8s = (): KubernetesReadPort => ports.kubernetes!;
  const cacheMs = o.cacheMs ?? 5000;
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  const cached = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < cacheMs) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key));
    return value;
  };
  const namespaces = (): Array<string | undefined> => (o.namespaces?.length ? o.namespaces : [undefined]);
  const allPods = (): Promise<K8sPodView[]> => cached("pods", async () => (await Promise.all(namespaces().map((ns) => k8s().listPods(ns)))).flat());
  const allDeployments = (): Promise<K8sDeploymentView[]> => cached("deployments", async () => (await Promise.all(namespaces().map((ns) => k8s().listDeployments(ns)))).flat());
  const allEvents = (): Promise<K8sEventView[]> => cached("events", async () => (await Promise.all(namespaces().map((ns) => k8s().events(ns, { limit: 500 })))).flat());
  const podsByService = async (): Promise<Map<string, K8sPodView[]>> => {
    const m = new Map<string, K8sPodView[]>();
    for (const p of await allPods()) {
      const s = serviceOfPod(p);
      let list = m.get(s);
      if (!list) m.set(s, (list = []));
      list.push(p);
    }
    return m;
  };
  const deploymentNamespace = async (service: string): Promise<string | undefined> => (await allDeployments()).find((d) => d.name === service)?.namespace;

  const podState = defineTool({
    name: "k8s_pod_state",
    description: "Pods of the given services (all when omitted): status, readiness, restarts, last termination reason, and the signals that matter for an incident (OOMKilled, CrashLoopBackOff, recent restarts, Pending, ImagePullBackOff, not ready).",
    parameters: z.object({ services: servicesArg, since: timeArg.optional().describe("restarts after this time count as recent (ISO 8601 or unix seconds); default: last hour") }),
    availability,
    run: async (a) => {
      const since = a.since ?? (o.now ?? systemClock.now)() - 3_600_000;
      const by = await podsByService();
      const wanted = a.services ?? [...by.keys()].sort();
      const out: ServicePods[] = [];
      for (const s of wanted) {
        const pods = by.get(s) ?? [];
        if (pods.length === 0) continue;
        const ok = pods.find((p) => p.owner)?.owner?.kind;
        out.push({
          service: s,
          workload: ok === "ReplicaSet" ? "Deployment" : ok === "StatefulSet" || ok === "DaemonSet" || ok === "Job" ? ok : "Pod",
          pods: pods.map((p) => {
            const c = p.containers.find((x) => x.state !== "running") ?? p.containers[0];
            return {
              name: p.name,
              namespace: p.namespace,
              status: p.status,
              ready: p.ready,
              restarts: p.restarts,
              ...(p.node ? { node: p.node } : {}),
              ...(p.createdAt ? { createdAt: p.createdAt } : {}),
              ...(c?.lastTerminated ? { lastTerminated: { reason: c.lastTerminated.reason, exitCode: c.lastTerminated.exitCode, finishedAt: c.lastTerminated.finishedAt } } : {}),
              ...(c?.state === "waiting" ? { waiting: { reason: c.reason, message: c.message } } : {}),
            };
          }),
          signals: podSignals(s, pods, since),
        });
      }
      if (out.length === 0) return noData(`no pods found${a.services ? ` for ${a.services.join(", ")}` : ""}`);
      const bad = out.flatMap((s) => s.signals.map((x) => `${s.service}: ${x.kind}${x.count > 1 ? ` ×${x.count}` : ""}`));
      return ok(
        out,
        `${plural(
          out.reduce((n, s) => n + s.pods.length, 0),
          "pod",
        )} of ${plural(out.length, "service")}${bad.length ? `; ${bad.slice(0, 6).join(", ")}` : "; no pod problems"}`,
      );
    },
  });

  const events = defineTool({
    name: "k8s_events",
    description: "Kubernetes warning events (BackOff, OOMKilling, FailedScheduling, Unhealthy probes, image pulls, evictions, stalled rollouts) for the given services since a time.",
    parameters: z.object({ services: servicesArg, since: timeArg.optional().describe("default: last hour"), limit: z.number().int().min(1).max(500).default(100) }),
    availability,
    run: async (a) => {
      const since = a.since ?? (o.now ?? systemClock.now)() - 3_600_000;
      const [evs, pods] = await Promise.all([allEvents(), allPods()]);
      const podService = new Map(pods.map((p) => [p.name, serviceOfPod(p)]));
      const known = [...new Set([...podService.values(), ...(a.services ?? [])])];
      const list: Array<K8sEventView & { service?: string }> = [];
      const signals = new Map<string, PodSignal>();
      for (const e of evs) {
        const last = ms(e.lastSeen ?? e.firstSeen);
        if (last !== undefined && last < since) continue;
        const service = serviceOfObject(e.object.name, e.object.kind, podService, known);
        if (a.services && (!service || !a.services.includes(service))) continue;
        if (e.type !== "Warning" && !/ProgressDeadlineExceeded|Killing|OOM/.test(e.reason)) continue;
        list.push({ ...e, ...(service ? { service } : {}) });
        const sig = service ? eventSignal(service, e) : undefined;
        if (sig) {
          const key = `${sig.service}|${sig.kind}`;
          const cur = signals.get(key);
          if (!cur) signals.set(key, sig);
          else {
            cur.count += sig.count;
            if (sig.at !== undefined && (cur.at === undefined || sig.at < cur.at)) cur.at = sig.at;
          }
        }
      }
      list.sort((x, y) => (ms(y.lastSeen) ?? 0) - (ms(x.lastSeen) ?? 0));
      if (list.length === 0) return noData("no warning events in that window");
      return ok({ events: list.slice(0, a.limit), signals: [...signals.values()] }, `${plural(list.length, "warning event")}: ${[...new Set(list.map((e) => e.reason))].slice(0, 6).join(", ")}`);
    },
  });

  const rolloutHistory = defineTool({
    name: "k8s_rollout_history",
    description: "Revisions of a Deployment (ReplicaSets by revision: images, creation time, change cause, which one is live).",
    parameters: z.object({ service: z.string().min(1).describe("the Deployment's name") }),
    availability,
    run: async (a) => {
      const ns = await deploymentNamespace(a.service);
      if (!ns) return noData(`no Deployment named ${a.service}`);
      const revisions = await k8s().rolloutHistory(ns, a.service);
      if (revisions.length === 0) return noData(`no ReplicaSets for ${a.service}`);
      const live = revisions.find((r) => r.current);
      return ok({ service: a.service, namespace: ns, revisions }, `${plural(revisions.length, "revision")} of ${a.service}; live: ${live ? `revision ${live.revision} (${live.images.join(", ")})` : "unknown"}`);
    },
  });

  const logSignatures = defineTool({
    name: "log_signatures",
    description: "Recent log lines of a service's pods clustered into signatures (variable parts masked) with counts, first and last seen, and the pods they came from; errors first. Reads the pods that are not ready or restarted first, and the previous container of restarted pods.",
    parameters: z.object({
      service: z.string().min(1),
      since: timeArg.optional().describe("default: 30 minutes ago"),
      until: timeArg.optional(),
      maxPods: z.number().int().min(1).max(10).default(3),
      tailLines: z.number().int().min(10).max(5000).default(1000),
      minLevel: z.enum(["error", "warn", "info"]).default("warn"),
      now: timeArg.optional().describe("the cluster's current time, when it differs from this host's"),
      splitAt: timeArg.optional().describe("count each signature's lines before and after this time (e.g. the incident's onset)"),
      protect: z.array(z.string()).max(500).optional().describe("words never merged into <*> (service names)"),
    }),
    availability,
    timeoutMs: 20_000,
    run: async (a) => {
      const pods = (await podsByService()).get(a.service) ?? [];
      if (pods.length === 0) return noData(`no pods for ${a.service}`);
      const now = a.now ?? (o.now ?? systemClock.now)();
      const since = a.since ?? now - 30 * 60_000;
      const sinceSeconds = Math.max(60, Math.ceil((now - since) / 1000));
      // Troubled pods first: they hold the interesting lines.
      const ranked = [...pods].sort((x, y) => Number(x.ready) - Number(y.ready) || y.restarts - x.restarts || x.name.localeCompare(y.name)).slice(0, a.maxPods);
      const lines: Array<{ text: string; source: string }> = [];
      const notes: string[] = [];
      await Promise.all(
        ranked.map(async (p) => {
          const reads: Array<Promise<void>> = [];
          const read = (previous: boolean) =>
            k8s()
              .podLogs(p.namespace, p.name, { tailLines: a.tailLines, sinceSeconds, timestamps: true, ...(previous ? { previous: true } : {}) })
              .then((text) => {
                for (const l of text.split("\n")) if (l) lines.push({ text: l, source: p.name });
              })
              .catch((e: unknown) => {
                if (!previous) notes.push(`${p.name}: ${e instanceof Error ? e.message : String(e)}`);
              });
          reads.push(read(false));
          if (p.restarts > 0) reads.push(read(true));
          await Promise.all(reads);
        }),
      );
      const until = a.until;
      const inRange =
        until === undefined
          ? lines
          : lines.filter((l) => {
              const t = /^(\S+)\s/.exec(l.text);
              const at = t?.[1] ? Date.parse(t[1]) : Number.NaN;
              return !Number.isFinite(at) || at <= until;
            });
      if (inRange.length === 0) return noData(`no log lines from ${a.service} since ${new Date(since).toISOString()}${notes.length ? ` (${notes.join("; ")})` : ""}`);
      const r = clusterLogLines(inRange, { minLevel: a.minLevel, limit: 15, ...(a.protect ? { protect: a.protect } : {}), ...(a.splitAt !== undefined ? { splitAt: a.splitAt } : {}) });
      const errors = r.signatures.filter((s) => s.level === "error");
      return ok({ ...r, service: a.service, pods: ranked.map((p) => p.name) }, `${plural(r.lines, "line")} from ${plural(ranked.length, "pod")} of ${a.service}: ${errors.length ? `${plural(errors.length, "error signature")}, top: ${errors[0]?.count}× "${errors[0]?.signature.slice(0, 100)}"` : "no errors"}`, notes);
    },
  });

  const podLogs = defineTool({
    name: "k8s_pod_logs",
    description: "The last lines of one pod's log (or of its previous container), at most 20 kB.",
    parameters: z.object({ pod: z.string().min(1), namespace: z.string().optional(), tailLines: z.number().int().min(1).max(1000).default(100), previous: z.boolean().default(false) }),
    availability,
    run: async (a) => {
      const ns = a.namespace ?? (await allPods()).find((p) => p.name === a.pod)?.namespace;
      if (!ns) return noData(`no pod named ${a.pod}`);
      const text = await k8s().podLogs(ns, a.pod, { tailLines: a.tailLines, ...(a.previous ? { previous: true } : {}) });
      if (!text.trim()) return noData(`${a.pod} has no log lines`);
      const truncated = text.length > 20_000;
      return ok({ pod: a.pod, namespace: ns, text: truncated ? text.slice(-20_000) : text, truncated }, `${plural(text.split("\n").length, "line")} of ${a.pod}`);
    },
  });

  const t: KubernetesTools = { podState, events, rolloutHistory, logSignatures, podLogs };
  return {
    name: "kubernetes",
    description: "Read-only Kubernetes state: pods, warning events, rollout history, clustered logs.",
    availability,
    tools: Object.values(t),
    t,
    deploymentNamespace,
  };
}
