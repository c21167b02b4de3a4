import type { MetricSeries } from "../diagnose/types.ts";
import { withCurrentTitles } from "../incident/lookup.ts";
import type { Incident } from "../domain/incident.ts";
import type { Store } from "../store/store.ts";
import type { ChangeRecord } from "../toolsets/changes.ts";
import type { Toolsets } from "../toolsets/index.ts";
import type { ServicePods } from "../toolsets/kubernetes.ts";
import { plural } from "../text/words.ts";
import { itemAt } from "../domain/indexed.ts";

/** Someone on call for a service, with their Slack user when known. */
export interface OncallEntry {
  name: string;
  level: number;
  slackUserId?: string;
  schedule?: string;
}

export interface MetricReading {
  metric: string;
  /** What to call it ("p95 latency" or "p99 latency" when p95 is not available). */
  label?: string;
  now: number;
  /** Median of the hour before the last 10 minutes. */
  baseline: number;
  unit: "ratio" | "seconds" | "per_second";
}

export type HealthVerdict = "healthy" | "degraded" | "unhealthy" | "unknown";

export interface ServiceHealth {
  service: string;
  verdict: HealthVerdict;
  /** Why the verdict, one line each. */
  reasons: string[];
  pods?: { ready: number; total: number; restarts: number; signals: string[] };
  errorRate?: MetricReading;
  latencyP95?: MetricReading;
  cpu?: MetricReading;
  memory?: MetricReading;
  openIncidents: Incident[];
  deploys: ChangeRecord[];
  /** Changes in the last 2 hours to what the service calls (a dependency's deploy breaks its callers). */
  dependencyChanges: ChangeRecord[];
  /** Upstream: the services it calls; downstream: the services that call it (the discovered topology). */
  upstream?: string[];
  downstream?: string[];
  oncall: OncallEntry[];
  /** Data that could not be read, and why. */
  gaps: string[];
  at: string;
  /** When the baseline ends early: the open incident's start (its window is not normal time). */
  baselineBefore?: string;
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const hi = itemAt(s, Math.floor(s.length / 2));
  return s.length % 2 ? hi : (itemAt(s, s.length / 2 - 1) + hi) / 2;
};

/**
 * "Now" (the median of the last 3 minutes, so a fault of a few minutes shows) against the baseline
 * (the median of the hour before the last 10 minutes) (pure). Timestamps in unix seconds.
 */
export function reading(series: MetricSeries | undefined, unit: MetricReading["unit"], baselineEndS?: number): MetricReading | undefined {
  if (!series || series.values.length === 0) return undefined;
  const end = series.timestamps.at(-1)!;
  const at = (i: number) => series.timestamps[i] ?? Number.NaN;
  const recent = series.values.filter((_, i) => at(i) > end - 180);
  // The baseline is normal time: the hour before an open incident began, when there is one.
  const baseEnd = baselineEndS !== undefined && baselineEndS < end - 600 ? baselineEndS : end - 600;
  const before = series.values.filter((_, i) => at(i) <= baseEnd && at(i) > baseEnd - 3600);
  const now = median(recent);
  if (!Number.isFinite(now)) return undefined;
  const baseline = median(before);
  return { metric: series.metric, now, baseline: Number.isFinite(baseline) ? baseline : now, unit };
}

/** Verdict from the readings (pure): thresholds an on-call engineer would use at a glance. */
export function judge(h: Pick<ServiceHealth, "pods" | "errorRate" | "latencyP95" | "memory" | "openIncidents">): { verdict: HealthVerdict; reasons: string[] } {
  const reasons: string[] = [];
  let level = 0;
  const bump = (l: number, why: string) => {
    level = Math.max(level, l);
    reasons.push(why);
  };
  if (h.pods) {
    if (h.pods.total > 0 && h.pods.ready === 0) bump(2, `no pod ready (0/${h.pods.total})`);
    else if (h.pods.ready < h.pods.total) bump(1, `${h.pods.ready}/${h.pods.total} pods ready`);
    for (const s of h.pods.signals) bump(s.startsWith("CrashLoopBackOff") || s.startsWith("OOMKilled") ? 2 : 1, s);
  }
  if (h.errorRate) {
    const e = h.errorRate;
    if (e.now >= 0.05) bump(2, `error rate ${(e.now * 100).toFixed(1)}% (baseline ${(e.baseline * 100).toFixed(1)}%)`);
    else if (e.now >= 0.01 && e.now > e.baseline * 2) bump(1, `error rate ${(e.now * 100).toFixed(1)}%, ${(e.now / Math.max(e.baseline, 1e-4)).toFixed(0)}× baseline`);
  }
  if (h.latencyP95 && h.latencyP95.baseline > 0 && h.latencyP95.now > h.latencyP95.baseline * 2 && h.latencyP95.now > 0.25) {
    bump(h.latencyP95.now > h.latencyP95.baseline * 4 ? 2 : 1, `${h.latencyP95.label ?? "latency"} ${fmtSeconds(h.latencyP95.now)} vs ${fmtSeconds(h.latencyP95.baseline)} baseline`);
  }
  if (h.memory && h.memory.now >= 0.9) bump(1, `memory at ${(h.memory.now * 100).toFixed(0)}% of its limit`);
  if (h.openIncidents.length) bump(Math.max(1, level), plural(h.openIncidents.length, "open incident"));
  const verdict: HealthVerdict = level === 2 ? "unhealthy" : level === 1 ? "degraded" : "healthy";
  return { verdict, reasons };
}

export function fmtSeconds(s: number): string {
  return s >= 1 ? `${s.toFixed(2)} s` : `${Math.round(s * 1000)} ms`;
}

export interface ServiceHealthDeps {
  toolsets: Toolsets;
  store: Store;
  /** Who is on call, with Slack users (the PagerDuty sync); default: the on-call toolset's names. */
  oncall?: (service: string) => Promise<OncallEntry[]>;
  /** The Prometheus label that names the service (default `service`). */
  serviceLabel?: string;
  /** What the service calls (from the topology), for changes upstream of its symptoms. */
  dependencies?: readonly string[];
  /** What calls the service (from the topology). */
  callers?: readonly string[];
}

const promString = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

/** p95 latency of one service from Prometheus: the histogram, else a precomputed 0.95 quantile gauge. */
export function p95Query(service: string, label = "service"): string {
  const sel = `${label}="${promString(service)}"`;
  return `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[2m]))) or max(http_request_latency_seconds{${sel},quantile="0.95"})`;
}

/** Reads what the toolsets can tell about one service, in parallel; missing sources become gaps. */
export async function serviceHealth(service: string, deps: ServiceHealthDeps): Promise<ServiceHealth> {
  const ts = deps.toolsets;
  const now = await ts.metrics.systemNow();
  const gaps: string[] = [];
  // An open incident of the service is not its normal: the baseline is the hour before it began (a
  // few minutes before it was opened, for the onset). Its data is read too, up to six hours back.
  const open = (await deps.store.incidents.listOpen()).filter((i) => i.services.includes(service));
  const incidentStart = open.length ? Math.max(now - 6 * 3_600_000, Math.min(...open.map((i) => Date.parse(i.createdAt))) - 5 * 60_000) : undefined;
  const baselineEnd = incidentStart !== undefined && incidentStart < now - 10 * 60_000 ? incidentStart : undefined;
  const window = { start: Math.min(now - 70 * 60_000, (baselineEnd ?? now) - 65 * 60_000), end: now, stepSeconds: 60 };
  const baseS = baselineEnd !== undefined ? Math.floor(baselineEnd / 1000) : undefined;
  const oncallPeople = async (): Promise<{ people: OncallEntry[]; gap?: string }> => {
    if (deps.oncall) {
      try {
        return { people: await deps.oncall(service) };
      } catch (e) {
        return { people: [], gap: `on-call: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    const r = await ts.oncall.t.whoIsOnCall.run({ service });
    if (r.status === "ok") return { people: r.data.map((o) => ({ name: o.user.name, level: o.level, ...(o.schedule ? { schedule: o.schedule.name } : {}) })) };
    return { people: [], ...(r.status === "no_data" ? {} : { gap: `on-call: ${r.status === "error" ? r.error : r.reason}` }) };
  };
  const [metrics, p95, pods, changes, oncall] = await Promise.all([
    ts.metrics.t.serviceMetrics.run({ services: [service], ...window }),
    ts.ports.metrics ? ts.metrics.t.promqlRange.run({ query: p95Query(service, deps.serviceLabel), ...window }) : Promise.resolve(undefined),
    ts.kubernetes.t.podState.run({ services: [service], since: now - 60 * 60_000 }),
    ts.changes.t.recentChanges.run({ services: [service, ...(deps.dependencies ?? []).filter((d) => d !== service)].slice(0, 30), since: now - 24 * 3_600_000, until: now }),
    oncallPeople(),
  ]);
  const h: ServiceHealth = {
    service,
    verdict: "unknown",
    reasons: [],
    openIncidents: await withCurrentTitles(deps.store, open),
    deploys: [],
    dependencyChanges: [],
    upstream: [...(deps.dependencies ?? [])],
    downstream: [...(deps.callers ?? [])],
    oncall: oncall.people,
    gaps,
    at: new Date(now).toISOString(),
    ...(baselineEnd !== undefined ? { baselineBefore: new Date(baselineEnd).toISOString() } : {}),
  };
  if (metrics.status === "ok") {
    const series = metrics.data.services.find((s) => s.service === service)?.series ?? [];
    const find = (m: string) => series.find((s) => s.metric === m);
    h.errorRate = reading(find("error_ratio"), "ratio", baseS);
    h.latencyP95 = reading(find("latency_p99"), "seconds", baseS);
    if (h.latencyP95) h.latencyP95.label = "p99 latency";
    h.cpu = reading(find("cpu_utilization"), "ratio", baseS);
    h.memory = reading(find("memory_utilization"), "ratio", baseS);
    if (series.length === 0) gaps.push(`no metrics found for ${service}`);
  } else if (metrics.status === "no_data") gaps.push(`metrics: ${metrics.reason}`);
  else gaps.push(`metrics: ${metrics.status === "error" ? metrics.error : metrics.reason}`);
  if (p95?.status === "ok" && p95.data[0]) {
    const r = reading({ metric: "latency_p95", timestamps: p95.data[0].timestamps, values: p95.data[0].values }, "seconds", baseS);
    if (r) h.latencyP95 = { ...r, label: "p95 latency" };
  }
  if (pods.status === "ok") {
    const sp: ServicePods | undefined = pods.data.find((p) => p.service === service);
    if (sp) h.pods = { ready: sp.pods.filter((p) => p.ready).length, total: sp.pods.length, restarts: sp.pods.reduce((n, p) => n + p.restarts, 0), signals: sp.signals.map((s) => `${s.kind}${s.count > 1 ? ` ×${s.count}` : ""}${s.detail ? ` (${s.detail})` : ""}`) };
  } else if (pods.status !== "no_data") gaps.push(`pods: ${pods.status === "error" ? pods.error : pods.reason}`);
  if (changes.status === "ok") {
    h.deploys = changes.data
      .filter((c) => c.service === service)
      .slice(-3)
      .reverse();
    h.dependencyChanges = changes.data
      .filter((c) => c.service !== service && Date.parse(c.at) >= now - 2 * 3_600_000)
      .slice(-3)
      .reverse();
  } else if (changes.status === "error") gaps.push(`deploys: ${changes.error}`);
  if (oncall.gap) gaps.push(oncall.gap);
  const j = judge(h);
  h.verdict = !h.pods && !h.errorRate && !h.latencyP95 ? "unknown" : j.verdict;
  h.reasons = j.reasons;
  return h;
}
