import type { V1Deployment, V1Pod, CoreV1Event, V1ReplicaSet } from "@kubernetes/client-node";
import type { ClusterEvent, ContainerSummary, DeploymentSummary, PodSummary, RolloutRevision } from "./port.ts";

const REVISION = "deployment.kubernetes.io/revision";

function ts(d: Date | string | undefined | null): string | undefined {
  if (!d) return undefined;
  return d instanceof Date ? d.toISOString() : String(d);
}

export function revisionOf(o: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(o.metadata?.annotations?.[REVISION] ?? 0);
}

function tagOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const i = image.lastIndexOf(":");
  return i > image.lastIndexOf("/") ? image.slice(i + 1) : undefined;
}

export function summarizeDeployment(d: V1Deployment): DeploymentSummary {
  const containers = d.spec?.template?.spec?.containers ?? [];
  return {
    namespace: d.metadata?.namespace ?? "",
    name: d.metadata?.name ?? "",
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
    availableReplicas: d.status?.availableReplicas ?? 0,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    revision: revisionOf(d),
    images: containers.map((c) => c.image ?? ""),
    version: d.spec?.template?.metadata?.labels?.version ?? tagOf(containers[0]?.image),
    paused: Boolean(d.spec?.paused),
    generation: d.metadata?.generation ?? 0,
    observedGeneration: d.status?.observedGeneration ?? 0,
    conditions: (d.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastUpdateTime: ts(c.lastUpdateTime) })),
    labels: d.metadata?.labels ?? {},
    createdAt: ts(d.metadata?.creationTimestamp),
  };
}

function container(cs: NonNullable<NonNullable<V1Pod["status"]>["containerStatuses"]>[number]): ContainerSummary {
  const st = cs.state ?? {};
  const state = st.running ? "running" : st.waiting ? "waiting" : st.terminated ? "terminated" : "unknown";
  const last = cs.lastState?.terminated;
  return {
    name: cs.name,
    image: cs.image,
    ready: cs.ready,
    restartCount: cs.restartCount,
    state,
    reason: st.waiting?.reason ?? st.terminated?.reason,
    message: st.waiting?.message ?? st.terminated?.message,
    startedAt: ts(st.running?.startedAt ?? st.terminated?.startedAt),
    lastTerminated: last ? { reason: last.reason, exitCode: last.exitCode, startedAt: ts(last.startedAt), finishedAt: ts(last.finishedAt) } : undefined,
  };
}

/** kubectl's STATUS column. */
function statusText(p: V1Pod, containers: ContainerSummary[]): string {
  if (p.metadata?.deletionTimestamp) return "Terminating";
  const waiting = containers.find((c) => c.state === "waiting" && c.reason);
  if (waiting) return waiting.reason!;
  const terminated = containers.find((c) => c.state === "terminated" && c.reason);
  if (terminated) return terminated.reason!;
  return p.status?.reason ?? p.status?.phase ?? "Unknown";
}

export function summarizePod(p: V1Pod): PodSummary {
  const containers = (p.status?.containerStatuses ?? []).map(container);
  const owner = p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
  const hash = p.metadata?.labels?.["pod-template-hash"];
  const deployment = owner?.kind === "ReplicaSet" && hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : undefined;
  return {
    namespace: p.metadata?.namespace ?? "",
    name: p.metadata?.name ?? "",
    phase: p.status?.phase ?? "Unknown",
    status: statusText(p, containers),
    ready: containers.length > 0 && containers.every((c) => c.ready),
    restarts: containers.reduce((a, c) => a + c.restartCount, 0),
    node: p.spec?.nodeName,
    ip: p.status?.podIP,
    createdAt: ts(p.metadata?.creationTimestamp),
    owner: owner ? { kind: owner.kind, name: owner.name } : undefined,
    deployment,
    labels: p.metadata?.labels ?? {},
    containers,
  };
}

export function summarizeEvent(e: CoreV1Event): ClusterEvent {
  return {
    namespace: e.metadata?.namespace ?? "",
    type: e.type ?? "Normal",
    reason: e.reason ?? "",
    message: e.message ?? "",
    object: { kind: e.involvedObject?.kind ?? "", name: e.involvedObject?.name ?? "" },
    count: e.count ?? 1,
    firstSeen: ts(e.firstTimestamp ?? e.eventTime),
    lastSeen: ts(e.lastTimestamp ?? e.eventTime),
    source: e.source?.component ?? e.reportingComponent,
  };
}

export function summarizeRevision(rs: V1ReplicaSet, currentRevision: number): RolloutRevision {
  const rev = revisionOf(rs);
  return {
    revision: rev,
    replicaSet: rs.metadata?.name ?? "",
    images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
    createdAt: ts(rs.metadata?.creationTimestamp),
    replicas: rs.spec?.replicas ?? 0,
    readyReplicas: rs.status?.readyReplicas ?? 0,
    current: rev === currentRevision,
    changeCause: rs.metadata?.annotations?.["kubernetes.io/change-cause"],
    ...(rs.spec?.template?.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"] ? { restartedAt: rs.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"] } : {}),
  };
}
