import type { V1Deployment, V1ReplicaSet } from "@kubernetes/client-node";
import { AppError } from "../../errors.ts";
import type { ActionOptions, ActionResult, ClusterEvent, ClusterShape, DeploymentSummary, KubernetesPort, PodSummary, RolloutRevision } from "./port.ts";
import { configMapShape, podShape, serviceShape, workloadShape } from "./shape.ts";
import { ApiException, AppsV1, BatchV1, CoreV1, KubeConfig, PatchStrategy, setHeaderOptions } from "./sdk.ts";
import { revisionOf, summarizeDeployment, summarizeEvent, summarizePod, summarizeRevision } from "./summarize.ts";

const RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

export type KubeConfigSource = { kubeconfigPath: string; context?: string } | { inCluster: true } | { kubeConfig: KubeConfig };

/** Loads a KubeConfig from a file (optionally a context), from the pod's service account, or as given. */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  if ("kubeConfig" in source) return source.kubeConfig;
  const kc = new KubeConfig();
  if ("inCluster" in source) kc.loadFromCluster();
  else {
    kc.loadFromFile(source.kubeconfigPath);
    if (source.context) kc.setCurrentContext(source.context);
  }
  return kc;
}

function toAppError(e: unknown, what: string): AppError {
  if (e instanceof ApiException) {
    let message = "";
    try {
      const body = typeof e.body === "string" ? JSON.parse(e.body) : e.body;
      message = body?.message ?? "";
    } catch {
      message = String(e.body ?? "");
    }
    const status = e.code;
    const code = status === 404 ? "k8s_not_found" : status === 409 ? "k8s_conflict" : status === 422 ? "k8s_invalid" : status === 401 || status === 403 ? "k8s_forbidden" : "k8s_error";
    return new AppError(code, `Kubernetes refused to ${what}: ${message || `HTTP ${status}`}`, { status, cause: e });
  }
  return new AppError("k8s_unreachable", `Could not reach the Kubernetes API to ${what}: ${(e as Error).message}`, { status: 502, cause: e });
}

function dry(options: ActionOptions | undefined): string | undefined {
  return options?.dryRun ? "All" : undefined;
}

/** KubernetesPort over `@kubernetes/client-node` (works against any API server, the sandbox included); sdk.ts loads the parts of the SDK it uses. */
export class ClientNodeKubernetes implements KubernetesPort {
  private readonly core: CoreV1;
  private readonly apps: AppsV1;
  private readonly batch: BatchV1;

  constructor(source: KubeConfigSource) {
    const kc = loadKubeConfig(source);
    this.core = kc.makeApiClient(CoreV1);
    this.apps = kc.makeApiClient(AppsV1);
    this.batch = kc.makeApiClient(BatchV1);
  }

  async clusterShape(namespace?: string): Promise<ClusterShape> {
    const ns = namespace ? { namespace } : undefined;
    const [services, deployments, statefulsets, daemonsets, replicasets, cronjobs, jobs, pods, configMaps] = await Promise.all([
      this.call("list services", () => (ns ? this.core.listNamespacedService(ns) : this.core.listServiceForAllNamespaces())),
      this.call("list deployments", () => (ns ? this.apps.listNamespacedDeployment(ns) : this.apps.listDeploymentForAllNamespaces())),
      this.call("list statefulsets", () => (ns ? this.apps.listNamespacedStatefulSet(ns) : this.apps.listStatefulSetForAllNamespaces())),
      this.call("list daemonsets", () => (ns ? this.apps.listNamespacedDaemonSet(ns) : this.apps.listDaemonSetForAllNamespaces())),
      this.call("list replicasets", () => (ns ? this.apps.listNamespacedReplicaSet(ns) : this.apps.listReplicaSetForAllNamespaces())),
      this.call("list cronjobs", () => (ns ? this.batch.listNamespacedCronJob(ns) : this.batch.listCronJobForAllNamespaces())),
      this.call("list jobs", () => (ns ? this.batch.listNamespacedJob(ns) : this.batch.listJobForAllNamespaces())),
      this.call("list pods", () => (ns ? this.core.listNamespacedPod(ns) : this.core.listPodForAllNamespaces())),
      this.call("list configmaps", () => (ns ? this.core.listNamespacedConfigMap(ns) : this.core.listConfigMapForAllNamespaces())),
    ]);
    return {
      services: services.items.map(serviceShape),
      workloads: [
        ...deployments.items.map((d) => workloadShape("Deployment", d.metadata, d.spec?.template)),
        ...statefulsets.items.map((d) => workloadShape("StatefulSet", d.metadata, d.spec?.template)),
        ...daemonsets.items.map((d) => workloadShape("DaemonSet", d.metadata, d.spec?.template)),
        ...replicasets.items.map((d) => workloadShape("ReplicaSet", d.metadata, d.spec?.template)),
        ...cronjobs.items.map((d) => workloadShape("CronJob", d.metadata, d.spec?.jobTemplate?.spec?.template)),
        ...jobs.items.map((d) => workloadShape("Job", d.metadata, d.spec?.template)),
      ],
      pods: pods.items.map(podShape),
      configMaps: configMaps.items.map(configMapShape),
    };
  }

  private async call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw toAppError(e, what);
    }
  }

  async listDeployments(namespace?: string, options: { labelSelector?: string } = {}): Promise<DeploymentSummary[]> {
    const list = await this.call("list deployments", () => (namespace ? this.apps.listNamespacedDeployment({ namespace, labelSelector: options.labelSelector }) : this.apps.listDeploymentForAllNamespaces({ labelSelector: options.labelSelector })));
    return list.items.map(summarizeDeployment);
  }

  async getDeployment(namespace: string, name: string): Promise<DeploymentSummary | undefined> {
    try {
      return summarizeDeployment(await this.apps.readNamespacedDeployment({ name, namespace }));
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw toAppError(e, `read deployment ${namespace}/${name}`);
    }
  }

  async listPods(namespace?: string, options: { labelSelector?: string; deployment?: string } = {}): Promise<PodSummary[]> {
    let selector = options.labelSelector;
    if (options.deployment && namespace) {
      const dep = await this.call(`read deployment ${namespace}/${options.deployment}`, () => this.apps.readNamespacedDeployment({ name: options.deployment!, namespace }));
      const match = dep.spec?.selector?.matchLabels ?? {};
      selector = [selector, ...Object.entries(match).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(",");
    }
    const list = await this.call("list pods", () => (namespace ? this.core.listNamespacedPod({ namespace, labelSelector: selector }) : this.core.listPodForAllNamespaces({ labelSelector: selector })));
    return list.items.map(summarizePod);
  }

  async podLogs(namespace: string, pod: string, options: { container?: string; tailLines?: number; sinceSeconds?: number; previous?: boolean; timestamps?: boolean } = {}): Promise<string> {
    return this.call(`read logs of ${namespace}/${pod}`, () => this.core.readNamespacedPodLog({ name: pod, namespace, container: options.container, tailLines: options.tailLines, sinceSeconds: options.sinceSeconds, previous: options.previous, timestamps: options.timestamps }));
  }

  async events(namespace?: string, options: { objectName?: string; objectKind?: string; limit?: number } = {}): Promise<ClusterEvent[]> {
    const fields = [options.objectName ? `involvedObject.name=${options.objectName}` : "", options.objectKind ? `involvedObject.kind=${options.objectKind}` : ""].filter(Boolean).join(",") || undefined;
    const list = await this.call("list events", () => (namespace ? this.core.listNamespacedEvent({ namespace, fieldSelector: fields }) : this.core.listEventForAllNamespaces({ fieldSelector: fields })));
    const events = list.items.map(summarizeEvent).sort((a, b) => (a.lastSeen ?? "").localeCompare(b.lastSeen ?? ""));
    return options.limit ? events.slice(-options.limit) : events;
  }

  private async replicaSets(namespace: string, dep: V1Deployment): Promise<V1ReplicaSet[]> {
    const match = dep.spec?.selector?.matchLabels ?? {};
    const selector = Object.entries(match)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const list = await this.call(`list replicasets of ${namespace}/${dep.metadata?.name}`, () => this.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector || undefined }));
    return list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === "Deployment" && o.uid === dep.metadata?.uid)).sort((a, b) => revisionOf(a) - revisionOf(b));
  }

  async rolloutHistory(namespace: string, deployment: string): Promise<RolloutRevision[]> {
    const dep = await this.call(`read deployment ${namespace}/${deployment}`, () => this.apps.readNamespacedDeployment({ name: deployment, namespace }));
    const current = revisionOf(dep);
    return (await this.replicaSets(namespace, dep)).map((rs) => summarizeRevision(rs, current));
  }

  async restartDeployment(namespace: string, name: string, options: ActionOptions & { at?: Date } = {}): Promise<ActionResult> {
    const at = (options.at ?? new Date()).toISOString();
    const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
    await this.call(`restart ${namespace}/${name}`, () => this.apps.patchNamespacedDeployment({ name, namespace, body, dryRun: dry(options), fieldManager: "aisre" }, setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch)));
    return { action: "rollout_restart", namespace, name, dryRun: Boolean(options.dryRun), detail: `${options.dryRun ? "would restart" : "restarted"} deployment ${namespace}/${name}` };
  }

  async scaleDeployment(namespace: string, name: string, replicas: number, options: ActionOptions = {}): Promise<ActionResult> {
    if (!Number.isInteger(replicas) || replicas < 0) throw new AppError("k8s_invalid", `Replicas must be a whole number ≥ 0 (got ${replicas}).`);
    const before = await this.call(`read scale of ${namespace}/${name}`, () => this.apps.readNamespacedDeploymentScale({ name, namespace }));
    const scale = await this.call(`scale ${namespace}/${name}`, () => this.apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } }, dryRun: dry(options), fieldManager: "aisre" }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)));
    return { action: "scale", namespace, name, dryRun: Boolean(options.dryRun), replicas: scale.spec?.replicas ?? replicas, detail: `${options.dryRun ? "would scale" : "scaled"} ${namespace}/${name} from ${before.spec?.replicas ?? "?"} to ${replicas} replicas` };
  }

  async rollbackDeployment(namespace: string, name: string, options: ActionOptions & { toRevision?: number } = {}): Promise<ActionResult> {
    const dep = await this.call(`read deployment ${namespace}/${name}`, () => this.apps.readNamespacedDeployment({ name, namespace }));
    if (dep.spec?.paused) throw new AppError("k8s_paused", `Deployment ${namespace}/${name} is paused; resume it before rolling back.`, { status: 409 });
    const current = revisionOf(dep);
    const history = await this.replicaSets(namespace, dep);
    const target = options.toRevision ? history.find((rs) => revisionOf(rs) === options.toRevision) : history.filter((rs) => revisionOf(rs) < current).at(-1);
    if (!target) throw new AppError("k8s_no_revision", options.toRevision ? `Revision ${options.toRevision} of ${namespace}/${name} not found.` : `${namespace}/${name} has no previous revision to roll back to.`, { status: 404 });
    const template = structuredClone(target.spec!.template!);
    if (template.metadata?.labels) delete template.metadata.labels["pod-template-hash"];
    const rev = revisionOf(target);
    const body = [{ op: "replace", path: "/spec/template", value: template }];
    await this.call(`roll back ${namespace}/${name}`, () => this.apps.patchNamespacedDeployment({ name, namespace, body, dryRun: dry(options), fieldManager: "aisre" }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch)));
    const image = template.spec?.containers?.[0]?.image ?? "";
    return { action: "rollback", namespace, name, dryRun: Boolean(options.dryRun), revision: rev, detail: `${options.dryRun ? "would roll back" : "rolled back"} ${namespace}/${name} from revision ${current} to revision ${rev} (${image})` };
  }

  async pauseRollout(namespace: string, name: string, options: ActionOptions & { paused?: boolean } = {}): Promise<ActionResult> {
    const paused = options.paused ?? true;
    await this.call(`${paused ? "pause" : "resume"} ${namespace}/${name}`, () => this.apps.patchNamespacedDeployment({ name, namespace, body: { spec: { paused } }, dryRun: dry(options), fieldManager: "aisre" }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)));
    return { action: paused ? "pause_rollout" : "resume_rollout", namespace, name, dryRun: Boolean(options.dryRun), detail: `${options.dryRun ? "would " : ""}${paused ? "pause" : "resume"}${options.dryRun ? "" : "d"} the rollout of ${namespace}/${name}` };
  }

  async deletePod(namespace: string, name: string, options: ActionOptions = {}): Promise<ActionResult> {
    await this.call(`delete pod ${namespace}/${name}`, () => this.core.deleteNamespacedPod({ name, namespace, dryRun: dry(options) }));
    return { action: "delete_pod", namespace, name, dryRun: Boolean(options.dryRun), detail: `${options.dryRun ? "would delete" : "deleted"} pod ${namespace}/${name}` };
  }
}
