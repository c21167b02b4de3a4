import type { K8sObject } from "../world/types.ts";

/** `5d`, `3h12m`, `45s`: kubectl's AGE column. */
export function age(fromIso: string | undefined, now: number): string {
  if (!fromIso) return "<unknown>";
  const s = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ""}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ""}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ""}`;
  return `${d}d`;
}

type Column = [name: string, type: string, priority?: number];

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    ["Name", "string"],
    ["Ready", "string"],
    ["Status", "string"],
    ["Restarts", "string"],
    ["Age", "string"],
    ["IP", "string", 1],
    ["Node", "string", 1],
  ],
  Deployment: [
    ["Name", "string"],
    ["Ready", "string"],
    ["Up-to-date", "integer"],
    ["Available", "integer"],
    ["Age", "string"],
    ["Containers", "string", 1],
    ["Images", "string", 1],
    ["Selector", "string", 1],
  ],
  ReplicaSet: [
    ["Name", "string"],
    ["Desired", "integer"],
    ["Current", "integer"],
    ["Ready", "integer"],
    ["Age", "string"],
    ["Containers", "string", 1],
    ["Images", "string", 1],
  ],
  StatefulSet: [
    ["Name", "string"],
    ["Ready", "string"],
    ["Age", "string"],
  ],
  Job: [
    ["Name", "string"],
    ["Status", "string"],
    ["Completions", "string"],
    ["Duration", "string"],
    ["Age", "string"],
  ],
  CronJob: [
    ["Name", "string"],
    ["Schedule", "string"],
    ["Suspend", "boolean"],
    ["Active", "integer"],
    ["Last Schedule", "string"],
    ["Age", "string"],
  ],
  Namespace: [
    ["Name", "string"],
    ["Status", "string"],
    ["Age", "string"],
  ],
  Node: [
    ["Name", "string"],
    ["Status", "string"],
    ["Roles", "string"],
    ["Age", "string"],
    ["Version", "string"],
  ],
  Service: [
    ["Name", "string"],
    ["Type", "string"],
    ["Cluster-IP", "string"],
    ["External-IP", "string"],
    ["Port(s)", "string"],
    ["Age", "string"],
    ["Selector", "string", 1],
  ],
  ConfigMap: [
    ["Name", "string"],
    ["Data", "integer"],
    ["Age", "string"],
  ],
  Event: [
    ["Last Seen", "string"],
    ["Type", "string"],
    ["Reason", "string"],
    ["Object", "string"],
    ["Message", "string"],
  ],
};

function cells(o: K8sObject, now: number, extra: { podStatus?: (o: K8sObject) => string }): unknown[] {
  const created = o.metadata?.creationTimestamp;
  const c0 = o.spec?.template?.spec?.containers ?? [];
  switch (o.kind) {
    case "Pod": {
      const cs = o.status?.containerStatuses ?? [];
      const ready = cs.filter((c: K8sObject) => c.ready).length;
      const restarts = cs.reduce((a: number, c: K8sObject) => a + (c.restartCount ?? 0), 0);
      const lastRestart = cs[0]?.lastState?.terminated?.finishedAt;
      return [o.metadata.name, `${ready}/${cs.length || 1}`, extra.podStatus?.(o) ?? o.status.phase, restarts && lastRestart ? `${restarts} (${age(lastRestart, now)} ago)` : String(restarts), age(created, now), o.status?.podIP ?? "<none>", o.spec?.nodeName ?? "<none>"];
    }
    case "Deployment":
      return [
        o.metadata.name,
        `${o.status?.readyReplicas ?? 0}/${o.spec.replicas}`,
        o.status?.updatedReplicas ?? 0,
        o.status?.availableReplicas ?? 0,
        age(created, now),
        c0.map((c: K8sObject) => c.name).join(","),
        c0.map((c: K8sObject) => c.image).join(","),
        Object.entries(o.spec.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      ];
    case "ReplicaSet":
      return [o.metadata.name, o.spec.replicas, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(created, now), c0.map((c: K8sObject) => c.name).join(","), c0.map((c: K8sObject) => c.image).join(",")];
    case "StatefulSet":
      return [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec.replicas}`, age(created, now)];
    case "Job": {
      const done = o.status?.succeeded ? "Complete" : o.status?.failed ? "Failed" : "Running";
      const end = o.status?.completionTime ? Date.parse(o.status.completionTime) : now;
      return [o.metadata.name, done, `${o.status?.succeeded ?? 0}/1`, age(new Date(now - (end - Date.parse(o.status?.startTime ?? created))).toISOString(), now), age(created, now)];
    }
    case "CronJob":
      return [o.metadata.name, o.spec.schedule, Boolean(o.spec.suspend), (o.status?.active ?? []).length, o.status?.lastScheduleTime ? `${age(o.status.lastScheduleTime, now)} ago` : "<none>", age(created, now)];
    case "Service": {
      const ports = (o.spec.ports ?? []).map((p: K8sObject) => `${p.port}/${p.protocol ?? "TCP"}`).join(",") || "<none>";
      const selector =
        Object.entries(o.spec.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(",") || "<none>";
      return [o.metadata.name, o.spec.type, o.spec.clusterIP ?? "<none>", o.spec.externalName ?? "<none>", ports, age(created, now), selector];
    }
    case "ConfigMap":
      return [o.metadata.name, Object.keys(o.data ?? {}).length, age(created, now)];
    case "Namespace":
      return [o.metadata.name, o.status?.phase ?? "Active", age(created, now)];
    case "Node":
      return [o.metadata.name, "Ready", "<none>", age(created, now), o.status?.nodeInfo?.kubeletVersion ?? ""];
    case "Event":
      return [age(o.lastTimestamp ?? o.deprecatedLastTimestamp, now), o.type, o.reason, `${(o.involvedObject ?? o.regarding).kind.toLowerCase()}/${(o.involvedObject ?? o.regarding).name}`, o.message ?? o.note];
    default:
      return [o.metadata?.name, age(created, now)];
  }
}

/** A meta.k8s.io/v1 Table, what kubectl asks for (`Accept: application/json;as=Table;...`). */
export function toTable(kind: string, items: K8sObject[], resourceVersion: string, now: number, extra: { podStatus?: (o: K8sObject) => string } = {}): K8sObject {
  const cols = COLUMNS[kind] ?? [
    ["Name", "string"],
    ["Age", "string"],
  ];
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: cols.map(([name, type, priority]) => ({ name, type, format: name === "Name" ? "name" : "", description: name, priority: priority ?? 0 })),
    rows: items.map((o) => ({
      cells: cells(o, now, extra),
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}

export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? "");
}
