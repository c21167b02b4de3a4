import { NAMESPACE } from "../catalog.ts";
import type { ScenarioDefinition } from "./types.ts";

/** One catalog pod's thumbnail cache (emptyDir, 5Gi) fills up; writes fail with ENOSPC. */
export const diskFull: ScenarioDefinition = {
  name: "disk-full",
  info: () => ({
    name: "disk-full",
    description: "The thumbnail cache of one catalog pod (emptyDir, 5Gi) grows by ~220 MiB/min after a cache-key change; about ten minutes later the volume is full and that pod fails most requests with ENOSPC. Deleting the pod gives it a fresh volume (a rollout restart of catalog also works).",
    rootCause: "catalog",
    fault: "disk full: catalog pod's emptyDir thumbnail cache fills its volume (ENOSPC)",
    fix: "delete_pod",
    fixTarget: { kind: "pod", namespace: NAMESPACE, name: "" },
    expectedAlerts: [
      { alertname: "PodDiskAlmostFull", service: "catalog" },
      { alertname: "HighErrorRate", service: "catalog" },
      { alertname: "SLOErrorBudgetBurn", service: "frontend" },
    ],
    detectWithinMs: 20 * 60_000,
    redHerrings: [],
    wrongAction: { action: "scale", target: "catalog", why: "the full pod keeps serving its share of requests" },
  }),
  start(ctx) {
    const pods = ctx.world
      .readyPods("catalog")
      .map((p) => p.name)
      .sort();
    const name = pods[0] ?? "";
    ctx.world.addFault({
      id: `${ctx.id}:fill`,
      podEffect: (pod) => {
        if (pod.name !== name) return undefined;
        const full = pod.diskBytes >= 5 * 1024 ** 3 * 0.995;
        return { diskFillBytesPerMin: 220 * 1024 * 1024, ...(full ? { errorRatio: 0.85, errorCause: "disk-full" as const } : {}) };
      },
    });
    return { fixTarget: { kind: "pod", namespace: NAMESPACE, name } };
  },
};
