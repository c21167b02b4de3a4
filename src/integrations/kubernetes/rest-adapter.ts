import type { CoreV1Event, V1ConfigMap, V1DaemonSet, V1Deployment, V1Job, V1CronJob, V1Pod, V1ReplicaSet, V1Scale, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import { AppError } from "../../errors.ts";
import { refusedError, unreachableError } from "./api-errors.ts";
import type { PlainKubeConfig } from "./plain-kubeconfig.ts";
import type { ActionOptions, ActionResult, ClusterEvent, ClusterShape, DeploymentSummary, KubernetesPort, PodSummary, RolloutRevision } from "./port.ts";
import { KubeApiError, KubeRestClient, type Query } from "./rest-client.ts";
import { configMapShape, podShape, serviceShape, workloadShape } from "./shape.ts";
import { revisionOf, summarizeDeployment, summarizeEvent, summarizePod, summarizeRevision } from "./summarize.ts";

const RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
const STRATEGIC_MERGE = "application/strategic-merge-patch+json";
const MERGE = "application/merge-patch+json";
const JSON_PATCH = "application/json-patch+json";

/** A list response: only its items are read. */
interface List<T> {
  items: T[];
}

/** `/api/v1` or `/apis/<group>/v1`, in a namespace or across all, then the resource (and a name, a subresource). */
function path(group: "core" | "apps" | "batch", resource: string, namespace?: string, name?: string, sub?: string): string {
  const root = group === "core" ? "/api/v1" : `/apis/${group}/v1`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${root}${ns}/${resource}${name ? `/${encodeURIComponent(name)}` : ""}${sub ? `/${sub}` : ""}`;
}

/** The product's error for a request to do `what` that failed. */
function failure(e: unknown, what: string): AppError {
  return e instanceof KubeApiError ? refusedError(e.status, e.apiMessage, what, e) : unreachableError(e, what);
}

function dry(options: ActionOptions | undefined): Query {
  return options?.dryRun ? { dryRun: "All" } : {};
}

/**
 * KubernetesPort over the API server's REST interface with plain HTTP(S) requests, for a kubeconfig
 * that needs nothing more (`plainKubeConfig`: a token or client certificate, the server's CA): the
 * same requests and answers as the client-library adapter (ClientNodeKubernetes), without loading
 * that library, whose generated API and model classes for every API group are ~25 MiB of the main
 * thread's heap and ~15 MB of module source held beside it. Timestamps stay the API's strings (the
 * summaries read both those and the library's Dates).
 */
export class RestKubernetes implements KubernetesPort {
  private readonly api: KubeRestClient;

  constructor(config: PlainKubeConfig) {
    this.api = new KubeRestClient(config);
  }

  private async call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw failure(e, what);
    }
  }

  private list<T>(what: string, group: "core" | "apps" | "batch", resource: string, namespace?: string, query: Query = {}): Promise<T[]> {
    return this.call(what, () => this.api.get<List<T>>(path(group, resource, namespace), query)).then((l) => l.items ?? []);
  }

  private readDeployment(namespace: string, name: string): Promise<V1Deployment> {
    return this.call(`read deployment ${namespace}/${name}`, () => this.api.get<V1Deployment>(path("apps", "deployments", namespace, name)));
  }

  async clusterShape(namespace?: string): Promise<ClusterShape> {
    const [services, deployments, statefulsets, daemonsets, replicasets, cronjobs, jobs, pods, configMaps] = await Promise.all([
      this.list<V1Service>("list services", "core", "services", namespace),
      this.list<V1Deployment>("list deployments", "apps", "deployments", namespace),
      this.list<V1StatefulSet>("list statefulsets", "apps", "statefulsets", namespace),
      this.list<V1DaemonSet>("list daemonsets", "apps", "daemonsets", namespace),
      this.list<V1ReplicaSet>("list replicasets", "apps", "replicasets", namespace),
      this.list<V1CronJob>("list cronjobs", "batch", "cronjobs", namespace),
      this.list<V1Job>("list jobs", "batch", "jobs", namespace),
      this.list<V1Pod>("list pods", "core", "pods", namespace),
      this.list<V1ConfigMap>("list configmaps", "core", "configmaps", namespace),
    ]);
    return {
      services: services.map(serviceShape),
      workloads: [
        ...deployments.map((d) => workloadShape("Deployment", d.metadata, d.spec?.template)),
        ...statefulsets.map((d) => workloadShape("StatefulSet", d.metadata, d.spec?.template)),
        ...daemonsets.map((d) => workloadShape("DaemonSet", d.metadata, d.spec?.template)),
        ...replicasets.map((d) => workloadShape("ReplicaSet", d.metadata, d.spec?.template)),
        ...cronjobs.map((d) => workloadShape("CronJob", d.metadata, d.spec?.jobTemplate?.spec?.template)),
        ...jobs.map((d) => workloadShape("Job", d.metadata, d.spec?.template)),
      ],
      pods: pods.map(podShape),
      configMaps: configMaps.map(configMapShape),
    };
  }

  async listDeployments(namespace?: string, options: { labelSelector?: string } = {}): Promise<DeploymentSummary[]> {
    return (await this.list<V1Deployment>("list deployments", "apps", "deployments", namespace, { labelSelector: options.labelSelector })).map(summarizeDeployment);
  }

  async getDeployment(namespace: string, name: string): Promise<DeploymentSummary | undefined> {
    try {
      return summarizeDeployment(await this.api.get<V1Deployment>(path("apps", "deployments", namespace, name)));
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw failure(e, `read deployment ${namespace}/${name}`);
    }
  }

  async listPods(namespace?: string, options: { labelSelector?: string; deployment?: string } = {}): Promise<PodSummary[]> {
    let selector = options.labelSelector;
    if (options.deployment && namespace) {
      const dep = await this.readDeployment(namespace, options.deployment);
      const match = dep.spec?.selector?.matchLabels ?? {};
      selector = [selector, ...Object.entries(match).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(",");
    }
    return (await this.list<V1Pod>("list pods", "core", "pods", namespace, { labelSelector: selector })).map(summarizePod);
  }

  async podLogs(namespace: string, pod: string, options: { container?: string; tailLines?: number; sinceSeconds?: number; previous?: boolean; timestamps?: boolean } = {}): Promise<string> {
    return this.call(`read logs of ${namespace}/${pod}`, () => this.api.text(path("core", "pods", namespace, pod, "log"), { container: options.container, tailLines: options.tailLines, sinceSeconds: options.sinceSeconds, previous: options.previous, timestamps: options.timestamps }));
  }

  async events(namespace?: string, options: { objectName?: string; objectKind?: string; limit?: number } = {}): Promise<ClusterEvent[]> {
    const fields = [options.objectName ? `involvedObject.name=${options.objectName}` : "", options.objectKind ? `involvedObject.kind=${options.objectKind}` : ""].filter(Boolean).join(",") || undefined;
    const events = (await this.list<CoreV1Event>("list events", "core", "events", namespace, { fieldSelector: fields })).map(summarizeEvent).sort((a, b) => (a.lastSeen ?? "").localeCompare(b.lastSeen ?? ""));
    return options.limit ? events.slice(-options.limit) : events;
  }

  private async replicaSets(namespace: string, dep: V1Deployment): Promise<V1ReplicaSet[]> {
    const match = dep.spec?.selector?.matchLabels ?? {};
    const selector = Object.entries(match)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const list = await this.list<V1ReplicaSet>(`list replicasets of ${namespace}/${dep.metadata?.name}`, "apps", "replicasets", namespace, { labelSelector: selector || undefined });
    return list.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === "Deployment" && o.uid === dep.metadata?.uid)).sort((a, b) => revisionOf(a) - revisionOf(b));
  }

  async rolloutHistory(namespace: string, deployment: string): Promise<RolloutRevision[]> {
    const dep = await this.readDeployment(namespace, deployment);
    const current = revisionOf(dep);
    return (await this.replicaSets(namespace, dep)).map((rs) => summarizeRevision(rs, current));
  }

  private patchDeployment(what: string, namespace: string, name: string, body: unknown, contentType: string, options: ActionOptions): Promise<V1Deployment> {
    return this.call(what, () => this.api.patch<V1Deployment>(path("apps", "deployments", namespace, name), body, contentType, { ...dry(options), fieldManager: "aisre" }));
  }

  async restartDeployment(namespace: string, name: string, options: ActionOptions & { at?: Date } = {}): Promise<ActionResult> {
    const at = (options.at ?? new Date()).toISOString();
    const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
    await this.patchDeployment(`restart ${namespace}/${name}`, namespace, name, body, STRATEGIC_MERGE, options);
    return { action: "rollout_restart", namespace, name, dryRun: Boolean(options.dryRun), detail: `${options.dryRun ? "would restart" : "restarted"} deployment ${namespace}/${name}` };
  }

  async scaleDeployment(namespace: string, name: string, replicas: number, options: ActionOptions = {}): Promise<ActionResult> {
    if (!Number.isInteger(replicas) || replicas < 0) throw new AppError("k8s_invalid", `Replicas must be a whole number ≥ 0 (got ${replicas}).`);
    const scalePath = path("apps", "deployments", namespace, name, "scale");
    const before = await this.call(`read scale of ${namespace}/${name}`, () => this.api.get<V1Scale>(scalePath));
    const scale = await this.call(`scale ${namespace}/${name}`, () => this.api.patch<V1Scale>(scalePath, { spec: { replicas } }, MERGE, { ...dry(options), fieldManager: "aisre" }));
    return { action: "scale", namespace, name, dryRun: Boolean(options.dryRun), replicas: scale.spec?.replicas ?? replicas, detail: `${options.dryRun ? "would scale" : "scaled"} ${namespace}/${name} from ${before.spec?.replicas ?? "?"} to ${replicas} replicas` };
  }

  async rollbackDeployment(namespace: string, name: string, options: ActionOptions & { toRevision?: number } = {}): Promise<ActionResult> {
    const dep = await this.readDeployment(namespace, name);
    if (dep.spec?.paused) throw new AppError("k8s_paused", `Deployment ${namespace}/${name} is paused; resume it before rolling back.`, { status: 409 });
    const current = revisionOf(dep);
    const history = await this.replicaSets(namespace, dep);
    const target = options.toRevision ? history.find((rs) => revisionOf(rs) === options.toRevision) : history.filter((rs) => revisionOf(rs) < current).at(-1);
    if (!target) throw new AppError("k8s_no_revision", options.toRevision ? `Revision ${options.toRevision} of ${namespace}/${name} not found.` : `${namespace}/${name} has no previous revision to roll back to.`, { status: 404 });
    const template = structuredClone(target.spec!.template!);
    if (template.metadata?.labels) delete template.metadata.labels["pod-template-hash"];
    const rev = revisionOf(target);
    await this.patchDeployment(`roll back ${namespace}/${name}`, namespace, name, [{ op: "replace", path: "/spec/template", value: template }], JSON_PATCH, options);
    const image = template.spec?.containers?.[0]?.image ?? "";
    return { action: "rollback", namespace, name, dryRun: Boolean(options.dryRun), revision: rev, detail: `${options.dryRun ? "would roll back" : "rolled back"} ${namespace}/${name} from revision ${current} to revision ${rev} (${image})` };
  }

  async pauseRollout(namespace: string, name: string, options: ActionOptions & { paused?: boolean } = {}): Promise<ActionResult> {
    const paused = options.paused ?? true;
    await this.patchDeployment(`${paused ? "pause" : "resume"} ${namespace}/${name}`, namespace, name, { spec: { paused } }, MERGE, options);
    return { action: paused ? "pause_rollout" : "resume_rollout", namespace, name, dryRun: Boolean(options.dryRun), detail: `${options.dryRun ? "would " : ""}${paused ? "pause" : "resume"}${options.dryRun ? "" : "d"} the rollout of ${namespace}/${name}` };
  }

  async deletePod(namespace: string, name: string, options: ActionOptions = {}): Promise<ActionResult> {
    await this.call(`delete pod ${namespace}/${name}`, () => this.api.delete(path("core", "pods", namespace, name), dry(options)));
    return { action: "delete_pod", namespace, name, dryRun: Boolean(options.dryRun), detail: `${options.dryRun ? "would delete" : "deleted"} pod ${namespace}/${name}` };
  }
}
