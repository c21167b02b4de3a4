import { SERVICES } from "./catalog.ts";
import { isPodReady } from "./world/rollout.ts";
import type { World } from "./world/world.ts";

export interface ServiceHealth {
  service: string;
  kind: string;
  status: "ok" | "degraded" | "down";
  reasons: string[];
  rps: number;
  errorRatio: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  readyPods: number;
  desiredPods: number;
  version: string;
}

/** Live health per service, from the same signals the metrics show. */
export function serviceHealth(w: World): ServiceHealth[] {
  return SERVICES.map((s) => {
    const sig = w.signals.get(s.name)!;
    const pods = w.cluster.servicePods(s.name);
    const reasons: string[] = [];
    const dep = w.cluster.deployments.get(s.name) ?? w.cluster.statefulsets.get(s.name);
    const desired = s.kind === "external" || s.kind === "job" ? 0 : (dep?.spec.replicas ?? s.replicas);
    const ready = s.kind === "external" ? 1 : pods.filter((p) => isPodReady(p, w.now)).length;
    if (sig.errorRatio > 0.02) reasons.push(`${(sig.errorRatio * 100).toFixed(1)}% errors`);
    if (sig.p99 > 2 && s.kind !== "job") reasons.push(`p99 ${(sig.p99 * 1000).toFixed(0)}ms`);
    const crashing = pods.filter((p) => p.waiting?.reason === "CrashLoopBackOff").length;
    if (crashing) reasons.push(`${crashing} pod(s) in CrashLoopBackOff`);
    if (s.memLimitMiB > 0 && pods.some((p) => p.memBytes > s.memLimitMiB * 1024 * 1024 * 0.9)) reasons.push("memory above 90% of limit");
    if (s.diskBytes > 0 && pods.some((p) => p.diskBytes > s.diskBytes * 0.9)) reasons.push("volume above 90% full");
    if (s.kind === "database" && sig.cpuCores / s.cpuLimitCores > 0.85) reasons.push(`CPU ${((sig.cpuCores / s.cpuLimitCores) * 100).toFixed(0)}%`);
    if (sig.poolMax > 0 && sig.poolInUse / sig.poolMax > 0.95) reasons.push("DB connection pool exhausted");
    if (s.kind === "queue" && w.queueDepth > 2000) reasons.push(`${Math.round(w.queueDepth)} messages waiting`);
    const down = desired > 0 && ready === 0;
    const version = String(dep?.spec.template.metadata.labels.version ?? s.versions.at(-1));
    return {
      service: s.name,
      kind: s.kind,
      status: down ? "down" : reasons.length ? "degraded" : "ok",
      reasons,
      rps: Math.round(sig.rps * 10) / 10,
      errorRatio: Math.round(sig.errorRatio * 10000) / 10000,
      latencyP50Ms: Math.round(sig.p50 * 10000) / 10,
      latencyP99Ms: Math.round(sig.p99 * 10000) / 10,
      readyPods: ready,
      desiredPods: desired,
      version,
    };
  });
}
