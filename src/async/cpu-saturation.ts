import { cpus } from "node:os";

/** Below this share of the machine's CPU time idle, it is saturated: every thread waits its turn. */
const IDLE_BELOW = 0.1;
/** The shortest span measured (a shorter one tells little; the answer is kept meanwhile). */
const SPAN_MS = 250;

/**
 * Whether the machine's CPUs were nearly all busy (less than a tenth of their time idle) over the
 * last quarter second or so, from the kernel's per-CPU times (os.cpus()). Under a CPU quota
 * (a container's limit) the machine's own CPUs may look idle: then it says no, and nothing waits.
 */
export function cpuSaturation(now: () => number = () => performance.now()): () => boolean {
  let at = Number.NEGATIVE_INFINITY;
  let last = times();
  let saturated = false;
  return () => {
    const t = now();
    if (t - at < SPAN_MS) return saturated;
    const next = times();
    const total = next.total - last.total;
    saturated = total > 0 && (next.idle - last.idle) / total < IDLE_BELOW;
    last = next;
    at = t;
    return saturated;
  };
}

function times(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
  }
  return { idle, total };
}
