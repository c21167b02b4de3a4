import type { PodEffect, SimPod } from "./types.ts";

/**
 * Something wrong in the world, installed by a scenario. The world asks every fault about every
 * pod and service each step; remediations work by changing what the fault keys on (a restarted
 * pod is newer than a leak's trigger, a rolled-back template no longer matches a bad version, a
 * killed query is gone from the database, a deleted pod takes its full volume with it).
 */
export interface Fault {
  id: string;
  podEffect?(pod: SimPod, now: number): PodEffect | undefined;
  serviceEffect?(service: string, now: number): { latencyFactor?: number; capacityFactor?: number } | undefined;
  /** Extra Redis evictions per second (noise). */
  cacheEvictionsPerSec?(now: number): number;
}

/** Combines the effects of several faults on one pod. */
export function mergeEffects(effects: Array<PodEffect | undefined>): PodEffect {
  const out: PodEffect = {};
  for (const e of effects) {
    if (!e) continue;
    if (e.crash) out.crash = e.crash;
    if (e.errorRatio) {
      out.errorRatio = 1 - (1 - (out.errorRatio ?? 0)) * (1 - e.errorRatio);
      out.errorCause = e.errorCause ?? out.errorCause;
      out.errorLog = e.errorLog ?? out.errorLog;
    }
    if (e.leakMiBPerMin) {
      out.leakMiBPerMin = (out.leakMiBPerMin ?? 0) + e.leakMiBPerMin;
      out.leakSince = Math.min(out.leakSince ?? Number.POSITIVE_INFINITY, e.leakSince ?? Number.POSITIVE_INFINITY);
    }
    if (e.diskFillBytesPerMin) out.diskFillBytesPerMin = (out.diskFillBytesPerMin ?? 0) + e.diskFillBytesPerMin;
    if (e.leakedConnections) out.leakedConnections = (out.leakedConnections ?? 0) + e.leakedConnections;
  }
  return out;
}
