import { serviceSpec } from "../catalog.ts";
import { type Cluster, revisionOf } from "./cluster.ts";
import { intOrPercent, iso, templateHash } from "./templates.ts";
import type { K8sObject, SimPod } from "./types.ts";

export interface RolloutInfo {
  deployment: string;
  revision: number;
  replicaSet: string;
  version: string;
  startedAt: number;
  /** Set when a deploy (not a restart or rollback) started it: GitHub deployment metadata. */
  deploy?: { id: number; sha: string; creator: string; description: string };
  rollback: boolean;
  state: "in_progress" | "success" | "failure";
  finishedAt?: number;
}

export type RolloutListener = (event: "started" | "succeeded" | "failed", rollout: RolloutInfo) => void;

export function isPodReady(p: SimPod, now: number): boolean {
  return p.phase === "Running" && !p.deletionTimestamp && !p.waiting && now >= p.readyAt;
}

/**
 * The Deployment and ReplicaSet controllers: a new template gets a ReplicaSet (or revives an old
 * one on rollback, bumping its revision), pods move over within maxSurge / maxUnavailable.
 */
export class RolloutController {
  readonly rollouts = new Map<string, RolloutInfo>();
  readonly history: RolloutInfo[] = [];
  /** Deploy metadata waiting for the template change it belongs to. */
  readonly pendingDeploys = new Map<string, NonNullable<RolloutInfo["deploy"]>>();
  private readonly cluster: Cluster;
  private readonly hashes = new Map<string, { rv: string; hash: string }>();
  private readonly listeners: readonly RolloutListener[];

  constructor(cluster: Cluster, listeners: readonly RolloutListener[]) {
    this.cluster = cluster;
    this.listeners = listeners;
  }

  private emit(event: "started" | "succeeded" | "failed", rollout: RolloutInfo): void {
    for (const l of this.listeners) l(event, rollout);
  }

  step(): void {
    for (const dep of this.cluster.deployments.values()) this.reconcile(dep);
    for (const sts of this.cluster.statefulsets.values()) this.reconcileStatefulSet(sts);
  }

  private reconcile(dep: K8sObject): void {
    const c = this.cluster;
    const name: string = dep.metadata.name;
    const s = serviceSpec(name);
    const now = c.now;
    const cached = this.hashes.get(name);
    const hash = cached && cached.rv === dep.metadata.resourceVersion ? cached.hash : templateHash(dep.spec.template);
    this.hashes.set(name, { rv: dep.metadata.resourceVersion, hash });
    const rss = c.replicaSetsOf(name);
    const maxRev = rss.reduce((a, rs) => Math.max(a, revisionOf(rs)), 0);
    let newRs = rss.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
    if (!dep.spec.paused) {
      if (!newRs) {
        newRs = c.newReplicaSet(dep, dep.spec.template, maxRev + 1, now);
        this.begin(dep, newRs, false);
      } else if (revisionOf(newRs) < maxRev) {
        const old = revisionOf(newRs);
        newRs.metadata.annotations["deployment.kubernetes.io/revision"] = String(maxRev + 1);
        const hist = newRs.metadata.annotations["deployment.kubernetes.io/revision-history"];
        newRs.metadata.annotations["deployment.kubernetes.io/revision-history"] = hist ? `${hist},${old}` : String(old);
        c.touch(newRs);
        this.begin(dep, newRs, true);
      }
    }
    if (!newRs) newRs = rss.at(-1)!;
    const desired: number = dep.spec.replicas ?? 1;
    const olds = c.replicaSetsOf(name).filter((rs) => rs !== newRs && rs.spec.replicas > 0);
    const ready = (rs: K8sObject): number => c.podsOf(rs.metadata.name).filter((p) => isPodReady(p, now)).length;

    if (dep.spec.paused || olds.length === 0) {
      if (!dep.spec.paused || olds.length === 0) this.scaleRs(dep, newRs, desired);
    } else {
      const strategy = dep.spec.strategy?.rollingUpdate ?? {};
      const surge = intOrPercent(strategy.maxSurge, desired, true, "25%");
      let unavailable = intOrPercent(strategy.maxUnavailable, desired, false, "25%");
      if (surge === 0 && unavailable === 0) unavailable = 1;
      const total = c.replicaSetsOf(name).reduce((a, rs) => a + rs.spec.replicas, 0);
      const room = desired + surge - total;
      if (room > 0 && newRs.spec.replicas < desired) this.scaleRs(dep, newRs, Math.min(desired, newRs.spec.replicas + room));
      const available = c.replicaSetsOf(name).reduce((a, rs) => a + ready(rs), 0);
      let canRemove = available - (desired - unavailable);
      for (const old of olds) {
        const notReady = old.spec.replicas - ready(old);
        const remove = Math.min(old.spec.replicas, Math.max(0, notReady) + Math.max(0, canRemove));
        if (remove <= 0) continue;
        canRemove -= Math.max(0, remove - Math.max(0, notReady));
        this.scaleRs(dep, old, old.spec.replicas - remove);
      }
    }
    for (const rs of c.replicaSetsOf(name)) this.reconcilePods(rs, s.name);
    this.updateStatus(dep, newRs, desired);
  }

  private begin(dep: K8sObject, rs: K8sObject, rollback: boolean): void {
    const name: string = dep.metadata.name;
    const prev = this.rollouts.get(name);
    if (prev && prev.state === "in_progress") {
      prev.state = "failure";
      prev.finishedAt = this.cluster.now;
    }
    const deploy = this.pendingDeploys.get(name);
    this.pendingDeploys.delete(name);
    const info: RolloutInfo = {
      deployment: name,
      revision: revisionOf(rs),
      replicaSet: rs.metadata.name,
      version: rs.spec.template.metadata.labels.version ?? "",
      startedAt: this.cluster.now,
      deploy,
      rollback,
      state: "in_progress",
    };
    dep.metadata.annotations["deployment.kubernetes.io/revision"] = String(info.revision);
    this.rollouts.set(name, info);
    this.history.push(info);
    this.emit("started", info);
  }

  private scaleRs(dep: K8sObject, rs: K8sObject, replicas: number): void {
    if (rs.spec.replicas === replicas) return;
    const up = replicas > rs.spec.replicas;
    rs.spec.replicas = replicas;
    rs.metadata.annotations["deployment.kubernetes.io/desired-replicas"] = String(dep.spec.replicas);
    this.cluster.touch(rs);
    this.cluster.event({ kind: "Deployment", name: dep.metadata.name, uid: dep.metadata.uid }, "ScalingReplicaSet", `Scaled ${up ? "up" : "down"} replica set ${rs.metadata.name} to ${replicas}${up ? "" : ` from ${replicas + 1}`}`, "Normal", "deployment-controller");
  }

  private reconcilePods(rs: K8sObject, service: string): void {
    const c = this.cluster;
    const pods = c.podsOf(rs.metadata.name).filter((p) => !p.deletionTimestamp);
    const want: number = rs.spec.replicas;
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) c.createPod(serviceSpec(service), "ReplicaSet", rs, c.now, false);
    } else if (pods.length > want) {
      const order = [...pods].sort((a, b) => Number(isPodReady(a, c.now)) - Number(isPodReady(b, c.now)) || b.createdAt - a.createdAt);
      for (const p of order.slice(0, pods.length - want)) {
        p.deletionTimestamp = c.now;
        c.removePod(p, "scale-down");
      }
    }
    const mine = c.podsOf(rs.metadata.name);
    const readyCount = mine.filter((p) => isPodReady(p, c.now)).length;
    const status = { replicas: mine.length, fullyLabeledReplicas: mine.length, readyReplicas: readyCount, availableReplicas: readyCount, observedGeneration: rs.metadata.generation ?? 1 };
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) {
      rs.status = status;
      c.touch(rs);
    }
  }

  private updateStatus(dep: K8sObject, newRs: K8sObject, desired: number): void {
    const c = this.cluster;
    const name: string = dep.metadata.name;
    const all = c.replicaSetsOf(name).flatMap((rs) => c.podsOf(rs.metadata.name));
    const updated = c.podsOf(newRs.metadata.name);
    const ready = all.filter((p) => isPodReady(p, c.now)).length;
    const rollout = this.rollouts.get(name);
    const complete = updated.length === desired && updated.every((p) => isPodReady(p, c.now)) && all.length === desired;
    let progressing = { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` };
    if (rollout?.state === "in_progress") {
      if (complete) {
        rollout.state = "success";
        rollout.finishedAt = c.now;
        this.emit("succeeded", rollout);
      } else if (c.now - rollout.startedAt > (dep.spec.progressDeadlineSeconds ?? 600) * 1000) {
        rollout.state = "failure";
        rollout.finishedAt = c.now;
        this.emit("failed", rollout);
      }
    }
    if (dep.spec.paused) progressing = { type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" };
    else if (rollout?.state === "in_progress") progressing = { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${newRs.metadata.name}" is progressing.` };
    else if (rollout?.state === "failure") progressing = { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.` };
    const strategy = dep.spec.strategy?.rollingUpdate ?? {};
    const minAvailable = desired - intOrPercent(strategy.maxUnavailable, desired, false, "25%");
    const available = { type: "Available", status: ready >= minAvailable ? "True" : "False", reason: ready >= minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", message: ready >= minAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability." };
    const prev = dep.status ?? {};
    const prevConds: K8sObject[] = prev.conditions ?? [];
    const conditions = [available, progressing].map((cond) => {
      const old = prevConds.find((x) => x.type === cond.type);
      const same = old && old.status === cond.status && old.reason === cond.reason;
      return { ...cond, lastUpdateTime: same ? old.lastUpdateTime : iso(c.now), lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : iso(c.now) };
    });
    const status: K8sObject = {
      observedGeneration: dep.metadata.generation,
      replicas: all.length,
      updatedReplicas: updated.length,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(desired - ready > 0 ? { unavailableReplicas: desired - ready } : {}),
      conditions,
    };
    if (JSON.stringify(status) !== JSON.stringify(prev)) {
      dep.status = status;
      c.touch(dep);
    }
  }

  private reconcileStatefulSet(sts: K8sObject): void {
    const c = this.cluster;
    const s = serviceSpec(sts.metadata.name);
    const want: number = sts.spec.replicas ?? 1;
    for (let i = 0; i < want; i++) {
      const name = `${s.name}-${i}`;
      if (!c.pods.has(name)) c.createPod(s, "StatefulSet", sts, c.now, false, name);
    }
    const pods = c.podsOf(sts.metadata.name);
    const ready = pods.filter((p) => isPodReady(p, c.now)).length;
    const status = { observedGeneration: sts.metadata.generation, replicas: pods.length, readyReplicas: ready, availableReplicas: ready, currentReplicas: pods.length, updatedReplicas: pods.length };
    if (JSON.stringify(status) !== JSON.stringify(sts.status)) {
      sts.status = status;
      c.touch(sts);
    }
  }
}
