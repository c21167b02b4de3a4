/**
 * Classify free-form metric names by keywords, never by exact names: `latency_p99`, `lat_90`,
 * `http_request_duration_seconds`, `5xx`, `availability_Average`, `container_cpu_usage`, …
 */

export type MetricKind = "latency" | "errors" | "availability" | "cpu" | "memory" | "saturation" | "restarts" | "traffic" | "other";

/** Which way is bad: "up" (latency, errors), "down" (availability), "both" (traffic, unknown). */
export type BadDirection = "up" | "down" | "both";

export interface MetricClass {
  kind: MetricKind;
  bad: BadDirection;
  /**
   * How much an anomaly of this kind says about a fault in the service that emits it. Traffic moves
   * with load and propagates everywhere, so it weighs less; unknown metrics a bit less too.
   */
  weight: number;
  /** Counts (requests, errors as counts): Poisson noise floor applies. */
  countLike: boolean;
  /** Percent-like metric (availability, success rate, utilisation in %). */
  percentLike: boolean;
}

/** A metric name's words, lower case: `jobDuration_p99` → job, duration, p99. */
export function tokens(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const has = (toks: string[], words: string[]): boolean => toks.some((t) => words.includes(t));
const hasPrefix = (toks: string[], prefixes: string[]): boolean => toks.some((t) => prefixes.some((p) => t.startsWith(p)));

/**
 * Which way is bad, for metrics whose words say so whatever their kind: headroom (free, available,
 * idle, remaining) is bad when it falls — more free disk is not a fault; a cache's hit ratio is bad
 * when it falls, its evictions and misses when they rise — fewer evictions are not a fault.
 */
function badDirection(t: string[]): BadDirection | undefined {
  if (has(t, ["free", "avail", "idle", "remaining", "headroom", "spare"])) return "down";
  if (has(t, ["hit", "hits"]) && has(t, ["ratio", "percent", "pct"])) return "down";
  if (hasPrefix(t, ["evict", "miss"])) return "up";
  return undefined;
}

/** Words that name a latency (a duration, a percentile); a name with only "seconds" or "time" is a latency by its unit alone. */
function saysLatency(t: string[]): boolean {
  return hasPrefix(t, ["lat", "duration", "rtt", "delay", "elapsed"]) || has(t, ["p50", "p75", "p90", "p95", "p99", "p999"]);
}

/** Whether a metric's name says latency in words, not only by its unit (db_longest_transaction_seconds does not). */
export function namesLatency(name: string): boolean {
  return saysLatency(tokens(name));
}

export function classifyMetric(name: string): MetricClass {
  const t = tokens(name);
  const c = classifyByKind(name, t);
  const bad = badDirection(t);
  return bad && c.kind !== "availability" ? { ...c, bad } : c;
}

function classifyByKind(name: string, t: string[]): MetricClass {
  const lower = name.toLowerCase();
  const pct = has(t, ["percent", "pct", "ratio", "rate", "utilization", "utilisation", "availability", "success"]) || lower.includes("%");
  // Order matters: "error_rate" is errors, "success_rate" is availability, "request_duration" is latency.
  if (has(t, ["availability", "available", "success", "successful", "uptime", "apdex", "healthy", "up"]) && !has(t, ["unhealthy", "error", "errors"])) {
    return { kind: "availability", bad: "down", weight: 1, countLike: false, percentLike: true };
  }
  if (hasPrefix(t, ["cpu"]) || has(t, ["processor", "steal", "load1", "load5", "load15"])) {
    return { kind: "cpu", bad: "up", weight: 0.9, countLike: false, percentLike: pct };
  }
  if (hasPrefix(t, ["err", "fail", "fault", "exception", "5xx", "panic", "timeout"]) || has(t, ["5xx", "500", "502", "503", "504", "unhealthy", "rejected", "dropped", "loss", "throttled", "throttle", "throttles"])) {
    const countLike = has(t, ["count", "total", "sum", "errors"]) && !pct;
    return { kind: "errors", bad: "up", weight: 1, countLike, percentLike: pct };
  }
  if (saysLatency(t)) {
    return { kind: "latency", bad: "up", weight: 1, countLike: false, percentLike: false };
  }
  if (hasPrefix(t, ["restart", "oom", "crash"])) {
    return { kind: "restarts", bad: "up", weight: 1, countLike: true, percentLike: false };
  }
  if (hasPrefix(t, ["mem", "heap"]) || has(t, ["rss", "gc", "swap"])) {
    return { kind: "memory", bad: "up", weight: 0.9, countLike: false, percentLike: pct };
  }
  if (has(t, ["io", "iops", "fs", "filesystem", "inode", "inodes", "backlog", "lag", "pool", "threads", "saturation", "pending", "fd", "fds", "net", "network"]) || hasPrefix(t, ["disk", "queue", "conn", "sock"])) {
    // Queue lengths, pending requests, connections, threads: counts of things, with at least Poisson
    // noise (a gauge at 0 that reads 2 is not a 10⁹-sigma event).
    return { kind: "saturation", bad: "up", weight: 0.8, countLike: !pct, percentLike: pct };
  }
  if (has(t, ["time", "seconds", "ms", "wait"])) {
    return { kind: "latency", bad: "up", weight: 1, countLike: false, percentLike: false };
  }
  if (has(t, ["requests", "request", "req", "reqs", "rps", "qps", "tps", "count", "sum", "throughput", "calls", "invocations", "hits", "ops", "traffic", "bytes", "messages"])) {
    return { kind: "traffic", bad: "both", weight: 0.45, countLike: true, percentLike: false };
  }
  return { kind: "other", bad: "both", weight: 0.6, countLike: false, percentLike: pct };
}

/** A human phrase for a kind ("latency", "error rate", …). */
export function kindLabel(kind: MetricKind): string {
  switch (kind) {
    case "errors":
      return "errors";
    case "saturation":
      return "saturation";
    case "traffic":
      return "traffic";
    default:
      return kind;
  }
}

type Family = "latency" | "errors" | "resource" | "traffic" | "other";

function family(kind: MetricKind): Family {
  switch (kind) {
    case "latency":
      return "latency";
    case "errors":
    case "availability":
      return "errors";
    case "cpu":
    case "memory":
    case "saturation":
    case "restarts":
      return "resource";
    case "traffic":
      return "traffic";
    default:
      return "other";
  }
}

/**
 * How plausibly an anomaly of kind `cause` in an upstream service produces a symptom of kind
 * `symptom` downstream. Latency surfaces as latency and errors as errors; resource exhaustion
 * (CPU, memory, saturation, restarts) produces either; latency turns into errors only through
 * timeouts, errors into latency only through retries.
 */
export function kindCompatibility(cause: MetricKind, symptom: MetricKind | undefined): number {
  if (!symptom) return 1;
  const c = family(cause);
  const s = family(symptom);
  if (c === s) return 1;
  if (c === "resource") return 0.85;
  if (s === "resource" || s === "other" || c === "other") return 0.7;
  if (c === "traffic") return s === "latency" ? 0.6 : 0.5;
  if (c === "latency" && s === "errors") return 0.5;
  if (c === "errors" && s === "latency") return 0.6;
  return 0.6;
}
