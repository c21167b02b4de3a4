import type { ActionResult, KubernetesPort } from "../integrations/kubernetes/port.ts";
import type { ChangeReport, DryRunOption, RemediationKubernetes, WorkloadRef, WorkloadState } from "./ports.ts";
import type { Clock } from "../domain/clock.ts";

const report = (r: ActionResult): ChangeReport => ({ summary: r.detail, dryRun: r.dryRun, detail: { ...r } });

const tagOf = (image: string | undefined) => (image?.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : image);

/**
 * Remediation's Kubernetes operations on the Kubernetes integration (`@kubernetes/client-node`, the
 * sandbox included). Deployments only: StatefulSets are not acted on from Slack.
 */
export class KubernetesRemediation implements RemediationKubernetes {
  private readonly k8s: KubernetesPort;
  private readonly clock?: Clock;
  /** `clock`: the system's time, written as a rollout restart's `restartedAt` (the simulation's in the sandbox). */
  constructor(k8s: KubernetesPort, clock?: Clock) {
    this.k8s = k8s;
    this.clock = clock;
  }

  private deploymentOnly(ref: WorkloadRef): void {
    if (ref.kind !== "Deployment") throw new Error(`${ref.kind} ${ref.name}: only Deployments can be changed from Slack`);
  }

  async workload(ref: WorkloadRef): Promise<WorkloadState | undefined> {
    if (ref.kind !== "Deployment") return undefined;
    const dep = await this.k8s.getDeployment(ref.namespace, ref.name);
    if (!dep) return undefined;
    const [pods, history] = await Promise.all([this.k8s.listPods(ref.namespace, { deployment: ref.name }), this.k8s.rolloutHistory(ref.namespace, ref.name).catch(() => [])]);
    const previous = history.filter((h) => h.revision < dep.revision).at(-1);
    return {
      ref,
      replicas: dep.replicas,
      readyReplicas: dep.readyReplicas,
      revision: dep.revision,
      previousRevision: previous?.revision,
      version: dep.version,
      previousVersion: tagOf(previous?.images[0]),
      paused: dep.paused,
      pods: pods.map((p) => ({ name: p.name, ready: p.ready, phase: p.status || p.phase, restarts: p.restarts })),
    };
  }

  async restart(ref: WorkloadRef, o: DryRunOption): Promise<ChangeReport> {
    this.deploymentOnly(ref);
    return report(await this.k8s.restartDeployment(ref.namespace, ref.name, { dryRun: o.dryRun, ...(this.clock ? { at: new Date(this.clock.now()) } : {}) }));
  }

  async scale(ref: WorkloadRef, replicas: number, o: DryRunOption): Promise<ChangeReport> {
    this.deploymentOnly(ref);
    return report(await this.k8s.scaleDeployment(ref.namespace, ref.name, replicas, { dryRun: o.dryRun }));
  }

  async rollback(ref: WorkloadRef, o: DryRunOption): Promise<ChangeReport> {
    this.deploymentOnly(ref);
    return report(await this.k8s.rollbackDeployment(ref.namespace, ref.name, { dryRun: o.dryRun }));
  }

  async pauseRollout(ref: WorkloadRef, o: DryRunOption): Promise<ChangeReport> {
    this.deploymentOnly(ref);
    return report(await this.k8s.pauseRollout(ref.namespace, ref.name, { dryRun: o.dryRun, paused: true }));
  }

  async deletePod(namespace: string, pod: string, o: DryRunOption): Promise<ChangeReport> {
    return report(await this.k8s.deletePod(namespace, pod, { dryRun: o.dryRun }));
  }
}
