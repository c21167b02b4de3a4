import type { ServiceSpec } from "../catalog.ts";
import type { Cluster } from "./cluster.ts";
import { readinessDelay } from "./cluster.ts";
import type { LogLine, PodEffect, SimPod } from "./types.ts";

const MiB = 1024 * 1024;
const MAX_LOG_LINES = 600;

export function appendLog(pod: SimPod, line: LogLine): void {
  pod.logs.push(line);
  if (pod.logs.length > MAX_LOG_LINES) pod.logs.splice(0, pod.logs.length - MAX_LOG_LINES);
}

function restartContainer(c: Cluster, pod: SimPod, s: ServiceSpec, at: number): void {
  pod.previousLogs = pod.logs;
  pod.logs = [];
  pod.restartCount += 1;
  pod.containerStartedAt = at;
  pod.readyAt = at + readinessDelay(s);
  pod.memBytes = s.memBaseMiB * MiB;
  pod.containerId = `containerd://${c.rng.hex(64)}`;
  const ref = { kind: "Pod", name: pod.name, uid: pod.uid, fieldPath: `spec.containers{${s.name}}` };
  c.event(ref, "Pulled", `Container image "${pod.image}" already present on machine`, "Normal", "kubelet", pod.node);
  c.event(ref, "Created", `Created container ${s.name}`, "Normal", "kubelet", pod.node);
  c.event(ref, "Started", `Started container ${s.name}`, "Normal", "kubelet", pod.node);
}

/** Kubelet's view of one pod for one step: start, crash-loop back-off, OOM kills, disk. */
export function stepPod(c: Cluster, pod: SimPod, s: ServiceSpec, effect: PodEffect, loadPerPod: number, stepMs: number): void {
  const now = c.now;
  const ref = { kind: "Pod", name: pod.name, uid: pod.uid, fieldPath: `spec.containers{${s.name}}` };
  if (pod.phase === "Succeeded" || pod.phase === "Failed") return;
  if (pod.phase === "Pending") {
    if (now < pod.containerStartedAt) return;
    pod.phase = "Running";
    c.event(ref, "Pulling", `Pulling image "${pod.image}"`, "Normal", "kubelet", pod.node);
    c.event(ref, "Pulled", `Successfully pulled image "${pod.image}" in 1.84s (1.84s including waiting). Image size: 48211093 bytes.`, "Normal", "kubelet", pod.node);
    c.event(ref, "Created", `Created container ${s.name}`, "Normal", "kubelet", pod.node);
    c.event(ref, "Started", `Started container ${s.name}`, "Normal", "kubelet", pod.node);
  }

  if (effect.crash) {
    pod.readyAt = Number.POSITIVE_INFINITY;
    if (!pod.crash) pod.crash = { nextStartAt: pod.containerStartedAt, backoffMs: 10_000 };
    while (pod.crash.nextStartAt + 1500 <= now) {
      const started = pod.crash.nextStartAt;
      const died = started + 1500;
      const attempt = effect.crash.logs.map((text, i) => ({ at: started + 100 + i * 50, text }));
      pod.previousLogs = attempt;
      pod.logs = [];
      pod.restartCount += 1;
      pod.lastTerminated = { reason: effect.crash.reason, exitCode: effect.crash.exitCode, startedAt: started, finishedAt: died };
      pod.crash.nextStartAt = died + pod.crash.backoffMs;
      pod.waiting = { reason: "CrashLoopBackOff", message: `back-off ${Math.round(pod.crash.backoffMs / 1000)}s restarting failed container=${s.name} pod=${pod.name}_${pod.namespace}(${pod.uid})` };
      pod.crash.backoffMs = Math.min(300_000, pod.crash.backoffMs * 2);
      c.event(ref, "BackOff", `Back-off restarting failed container ${s.name} in pod ${pod.name}_${pod.namespace}(${pod.uid})`, "Warning", "kubelet", pod.node);
    }
    pod.memBytes = s.memBaseMiB * MiB * 0.3;
    return;
  }
  if (pod.crash || pod.waiting) {
    // The fault went away (not normally: the template is what crashes): start cleanly.
    pod.crash = undefined;
    pod.waiting = undefined;
    restartContainer(c, pod, s, now);
  }

  // Memory: base, a little per request, plus any leak since the container started.
  const limit = s.memLimitMiB * MiB;
  let mem = s.memBaseMiB * MiB * (1 + 0.08 * Math.min(loadPerPod, 1.5)) * (1 + 0.01 * c.rng.normal());
  if (effect.leakMiBPerMin && now >= pod.containerStartedAt) {
    const since = Math.max(pod.containerStartedAt, effect.leakSince ?? pod.containerStartedAt);
    mem += (effect.leakMiBPerMin * MiB * Math.max(0, now - since)) / 60_000;
  }
  pod.memBytes = Math.max(0, mem);
  if (limit > 0 && pod.memBytes >= limit) {
    const killed = now - c.rng.int(stepMs);
    pod.lastTerminated = { reason: "OOMKilled", exitCode: 137, startedAt: pod.containerStartedAt, finishedAt: killed };
    c.event(
      { kind: "Node", name: pod.node, uid: pod.node, namespace: "default" },
      "OOMKilling",
      `Memory cgroup out of memory: Killed process ${1000 + c.rng.int(30000)} (${s.runtime === "python" ? "python3" : s.runtime === "java" ? "java" : s.runtime}) total-vm:${Math.round((limit / 1024) * 1.6)}kB, anon-rss:${Math.round(limit / 1024)}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:2104kB oom_score_adj:999`,
      "Warning",
      "kernel-monitor",
      pod.node,
    );
    restartContainer(c, pod, s, killed + 1000);
  }

  if (effect.diskFillBytesPerMin) pod.diskBytes = Math.min(s.diskBytes, pod.diskBytes + (effect.diskFillBytesPerMin * stepMs) / 60_000);
}
