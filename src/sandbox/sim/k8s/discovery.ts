type Res = [name: string, kind: string, namespaced: boolean, verbs: string[], shortNames?: string[]];

const READ = ["get", "list"];

export const GROUPS: Record<string, { group: string; version: string; resources: Res[] }> = {
  v1: {
    group: "",
    version: "v1",
    resources: [
      ["namespaces", "Namespace", false, READ, ["ns"]],
      ["nodes", "Node", false, READ, ["no"]],
      ["pods", "Pod", true, [...READ, "delete"], ["po"]],
      ["pods/log", "Pod", true, ["get"]],
      ["events", "Event", true, READ, ["ev"]],
      ["services", "Service", true, READ, ["svc"]],
      ["configmaps", "ConfigMap", true, READ, ["cm"]],
    ],
  },
  "apps/v1": {
    group: "apps",
    version: "v1",
    resources: [
      ["deployments", "Deployment", true, [...READ, "patch", "update"], ["deploy"]],
      ["deployments/scale", "Scale", true, ["get", "patch", "update"]],
      ["deployments/status", "Deployment", true, ["get"]],
      ["replicasets", "ReplicaSet", true, READ, ["rs"]],
      ["statefulsets", "StatefulSet", true, READ, ["sts"]],
      ["daemonsets", "DaemonSet", true, READ, ["ds"]],
    ],
  },
  "batch/v1": {
    group: "batch",
    version: "v1",
    resources: [
      ["jobs", "Job", true, READ],
      ["cronjobs", "CronJob", true, READ, ["cj"]],
    ],
  },
  "events.k8s.io/v1": { group: "events.k8s.io", version: "v1", resources: [["events", "Event", true, READ, ["ev"]]] },
};

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function apiGroupList(): Record<string, unknown> {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: Object.values(GROUPS)
      .filter((g) => g.group !== "")
      .map((g) => ({ name: g.group, versions: [{ groupVersion: `${g.group}/${g.version}`, version: g.version }], preferredVersion: { groupVersion: `${g.group}/${g.version}`, version: g.version } })),
  };
}

export function resourceList(groupVersion: string): Record<string, unknown> | undefined {
  const g = GROUPS[groupVersion];
  if (!g) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: g.resources.map(([name, kind, namespaced, verbs, shortNames]) => ({
      name,
      singularName: name.includes("/") ? "" : kind.toLowerCase(),
      namespaced,
      kind,
      verbs,
      ...(shortNames ? { shortNames } : {}),
      ...(name === "deployments/scale" ? { group: "autoscaling", version: "v1" } : {}),
    })),
  };
}

export const VERSION_INFO = {
  major: "1",
  minor: "30",
  gitVersion: "v1.30.4-aisre-sim",
  gitCommit: "a51b3b711150f57ffc1f526a640ec058514ed596",
  gitTreeState: "clean",
  buildDate: "2024-08-14T19:04:46Z",
  goVersion: "go1.22.5",
  compiler: "gc",
  platform: "linux/amd64",
};
