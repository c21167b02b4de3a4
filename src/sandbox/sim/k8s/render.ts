import { iso } from "../world/templates.ts";
import { isPodReady } from "../world/rollout.ts";
import type { K8sObject, SimEvent, SimPod } from "../world/types.ts";

function micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** A pod as the API shows it (status computed from the simulation's state). */
export function renderPod(p: SimPod, now: number): K8sObject {
  const ready = isPodReady(p, now);
  const started = p.phase === "Running" && !p.waiting;
  const ownerApi = p.ownerKind === "Job" ? "batch/v1" : "apps/v1";
  let state: K8sObject;
  if (p.phase === "Pending") state = { waiting: { reason: "ContainerCreating" } };
  else if (p.phase === "Succeeded" || p.phase === "Failed") state = { terminated: { exitCode: p.lastTerminated?.exitCode ?? 0, reason: p.lastTerminated?.reason ?? "Completed", startedAt: iso(p.containerStartedAt), finishedAt: iso(p.lastTerminated?.finishedAt ?? now), containerID: p.containerId } };
  else if (p.waiting) state = { waiting: { reason: p.waiting.reason, message: p.waiting.message } };
  else state = { running: { startedAt: iso(p.containerStartedAt) } };
  const lastState: K8sObject =
    p.lastTerminated && p.phase === "Running" ? { terminated: { exitCode: p.lastTerminated.exitCode, reason: p.lastTerminated.reason, startedAt: iso(p.lastTerminated.startedAt), finishedAt: iso(p.lastTerminated.finishedAt), containerID: `containerd://${p.uid.replace(/-/g, "")}${p.restartCount}` } } : {};
  const cond = (type: string, ok: boolean, at: number): K8sObject => ({ type, status: ok ? "True" : "False", lastProbeTime: null, lastTransitionTime: iso(at) });
  const scheduledAt = p.createdAt;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      generateName: p.ownerKind === "StatefulSet" ? `${p.ownerName}-` : `${p.ownerName}-`,
      namespace: p.namespace,
      uid: p.uid,
      resourceVersion: String(Math.floor(now / 1000) % 100_000_000),
      creationTimestamp: iso(p.createdAt),
      ...(p.deletionTimestamp ? { deletionTimestamp: iso(p.deletionTimestamp), deletionGracePeriodSeconds: 30 } : {}),
      labels: { ...(p.template.metadata?.labels ?? {}), ...(p.ownerKind === "StatefulSet" ? { "statefulset.kubernetes.io/pod-name": p.name } : {}) },
      annotations: { ...(p.template.metadata?.annotations ?? {}) },
      ownerReferences: [{ apiVersion: ownerApi, kind: p.ownerKind, name: p.ownerName, uid: p.ownerUid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...p.template.spec, nodeName: p.node, serviceAccountName: "default", serviceAccount: "default", priority: 0, enableServiceLinks: true, preemptionPolicy: "PreemptLowerPriority" },
    status: {
      phase: p.phase,
      conditions: [cond("PodReadyToStartContainers", p.phase !== "Pending", scheduledAt + 2000), cond("Initialized", true, scheduledAt), cond("Ready", ready, ready ? p.readyAt : now), cond("ContainersReady", ready, ready ? p.readyAt : now), cond("PodScheduled", true, scheduledAt)],
      hostIP: `10.0.${p.ip.split(".")[2]}.${20 + Number(p.ip.split(".")[2]) - 1}`,
      podIP: p.phase === "Pending" ? undefined : p.ip,
      podIPs: p.phase === "Pending" ? undefined : [{ ip: p.ip }],
      startTime: iso(p.createdAt),
      qosClass: "Burstable",
      containerStatuses: [
        {
          name: p.service,
          state,
          lastState,
          ready,
          restartCount: p.restartCount,
          image: p.image,
          imageID: `${p.image.split(":")[0]}@sha256:${p.uid.replace(/-/g, "")}${p.uid.replace(/-/g, "").slice(0, 32)}`,
          containerID: p.phase === "Pending" ? undefined : p.containerId,
          started,
        },
      ],
    },
  };
}

export function renderCoreEvent(e: SimEvent): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: e.name, namespace: e.namespace, uid: e.uid, resourceVersion: e.resourceVersion, creationTimestamp: iso(e.firstTimestamp) },
    involvedObject: {
      kind: e.involved.kind,
      namespace: e.involved.kind === "Node" ? undefined : e.involved.namespace,
      name: e.involved.name,
      uid: e.involved.uid,
      apiVersion: e.involved.kind === "Pod" || e.involved.kind === "Node" ? "v1" : e.involved.kind === "Job" ? "batch/v1" : "apps/v1",
      fieldPath: e.involved.fieldPath,
    },
    reason: e.reason,
    message: e.message,
    source: { component: e.component, host: e.host },
    firstTimestamp: iso(e.firstTimestamp),
    lastTimestamp: iso(e.lastTimestamp),
    count: e.count,
    type: e.type,
    eventTime: null,
    reportingComponent: e.component,
    reportingInstance: e.host ?? "",
  };
}

export function renderEventsV1(e: SimEvent): K8sObject {
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: e.name, namespace: e.namespace, uid: e.uid, resourceVersion: e.resourceVersion, creationTimestamp: iso(e.firstTimestamp) },
    eventTime: micro(e.firstTimestamp),
    reportingController: e.component,
    reportingInstance: e.host ?? e.component,
    action: e.reason,
    reason: e.reason,
    regarding: {
      kind: e.involved.kind,
      namespace: e.involved.kind === "Node" ? undefined : e.involved.namespace,
      name: e.involved.name,
      uid: e.involved.uid,
      apiVersion: e.involved.kind === "Pod" || e.involved.kind === "Node" ? "v1" : e.involved.kind === "Job" ? "batch/v1" : "apps/v1",
      fieldPath: e.involved.fieldPath,
    },
    note: e.message,
    type: e.type,
    deprecatedSource: { component: e.component, host: e.host },
    deprecatedFirstTimestamp: iso(e.firstTimestamp),
    deprecatedLastTimestamp: iso(e.lastTimestamp),
    deprecatedCount: e.count,
    ...(e.count > 1 ? { series: { count: e.count, lastObservedTime: micro(e.lastTimestamp) } } : {}),
  };
}

/** kubectl's STATUS column for a pod. */
export function podStatusText(p: SimPod): string {
  if (p.deletionTimestamp) return "Terminating";
  if (p.phase === "Pending") return "ContainerCreating";
  if (p.phase === "Succeeded") return "Completed";
  if (p.phase === "Failed") return "Error";
  if (p.waiting) return p.waiting.reason;
  return "Running";
}
