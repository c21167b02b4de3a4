import { AppError } from "../../errors.ts";
import type { InstantSample, MetricsPort, RangeSeries } from "./port.ts";
import { systemClock, type Clock } from "../../domain/clock.ts";

interface PromResponse<T> {
  status: "success" | "error";
  data?: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

type Result = { resultType: "vector"; result: Array<{ metric: Record<string, string>; value: [number, string] }> } | { resultType: "matrix"; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } | { resultType: "scalar" | "string"; result: [number, string] };

function num(v: string): number {
  if (v === "+Inf") return Number.POSITIVE_INFINITY;
  if (v === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

const seconds = (d: Date): string => (d.getTime() / 1000).toFixed(3);

/** MetricsPort over Prometheus' HTTP API (`<baseUrl>/api/v1/...`), POSTing form-encoded queries. */
export class PrometheusHttpMetrics implements MetricsPort {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  /**
   * `baseUrl` is the Prometheus root (`http://prometheus:9090`, or the sandbox's `<url>/prometheus`).
   * `clock` is the system's time used when `at` is omitted (the sandbox passes its simulated clock).
   */
  constructor(options: { baseUrl: string; headers?: Record<string, string>; timeoutMs?: number; clock?: Clock }) {
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    this.headers = options.headers ?? {};
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.clock = options.clock ?? systemClock;
  }

  private async post<T>(path: string, params: URLSearchParams, method: "GET" | "POST" = "POST"): Promise<T> {
    let res: Response;
    try {
      res =
        method === "GET"
          ? await fetch(`${this.baseUrl}${path}?${params.toString()}`, { headers: { accept: "application/json", ...this.headers }, signal: AbortSignal.timeout(this.timeoutMs) })
          : await fetch(`${this.baseUrl}${path}`, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...this.headers },
              body: params.toString(),
              signal: AbortSignal.timeout(this.timeoutMs),
            });
    } catch (e) {
      throw new AppError("prometheus_unreachable", `Could not reach Prometheus at ${this.baseUrl}: ${(e as Error).message}`, { status: 502, cause: e });
    }
    let body: PromResponse<T>;
    try {
      body = (await res.json()) as PromResponse<T>;
    } catch (e) {
      throw new AppError("prometheus_error", `Prometheus answered HTTP ${res.status} without JSON`, { status: 502, cause: e });
    }
    if (body.status !== "success" || body.data === undefined) {
      throw new AppError(body.errorType === "bad_data" ? "prometheus_bad_query" : "prometheus_error", `Prometheus rejected the query: ${body.error ?? `HTTP ${res.status}`}`, { status: res.status === 400 || res.status === 422 ? 400 : 502 });
    }
    return body.data;
  }

  async query(promql: string, options: { at?: Date } = {}): Promise<InstantSample[]> {
    const data = await this.post<Result>("/api/v1/query", new URLSearchParams({ query: promql, time: seconds(options.at ?? new Date(this.clock.now())) }));
    switch (data.resultType) {
      case "vector":
        return data.result.map((r) => ({ labels: r.metric, timestamp: r.value[0], value: num(r.value[1]) }));
      case "scalar":
        return [{ labels: {}, timestamp: data.result[0], value: num(data.result[1]) }];
      case "matrix":
        return data.result.flatMap((r) => r.values.slice(-1).map(([t, v]) => ({ labels: r.metric, timestamp: t, value: num(v) })));
      default:
        return [];
    }
  }

  async queryRange(promql: string, options: { start: Date; end: Date; stepSeconds: number }): Promise<RangeSeries[]> {
    const data = await this.post<Result>("/api/v1/query_range", new URLSearchParams({ query: promql, start: seconds(options.start), end: seconds(options.end), step: String(options.stepSeconds) }));
    if (data.resultType !== "matrix") return [];
    return data.result.map((r) => ({ labels: r.metric, timestamps: r.values.map(([t]) => t), values: r.values.map(([, v]) => num(v)) }));
  }

  async series(matchers: string[], options: { start?: Date; end?: Date } = {}): Promise<Array<Record<string, string>>> {
    const p = new URLSearchParams();
    for (const m of matchers) p.append("match[]", m);
    if (options.start) p.set("start", seconds(options.start));
    if (options.end) p.set("end", seconds(options.end));
    return this.post<Array<Record<string, string>>>("/api/v1/series", p);
  }

  /** The `for` of each alerting rule (GET /api/v1/rules?type=alert, whose `duration` is in seconds), by alert name. */
  async alertRuleDurations(): Promise<Record<string, number>> {
    const data = await this.post<{ groups?: Array<{ rules?: Array<{ type?: string; name?: string; duration?: number }> }> }>("/api/v1/rules", new URLSearchParams({ type: "alert" }), "GET");
    const out: Record<string, number> = {};
    for (const g of data.groups ?? [])
      for (const r of g.rules ?? []) {
        if (r.type !== "alerting" || !r.name || typeof r.duration !== "number" || !Number.isFinite(r.duration)) continue;
        // One alert name in several rules: the shortest `for` (the least it can have been pending).
        out[r.name] = Math.min(out[r.name] ?? Number.POSITIVE_INFINITY, r.duration * 1000);
      }
    return out;
  }

  async labelValues(label: string, options: { match?: string[] } = {}): Promise<string[]> {
    const p = new URLSearchParams();
    for (const m of options.match ?? []) p.append("match[]", m);
    const qs = p.toString();
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/v1/label/${encodeURIComponent(label)}/values${qs ? `?${qs}` : ""}`, { headers: { accept: "application/json", ...this.headers }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new AppError("prometheus_unreachable", `Could not reach Prometheus at ${this.baseUrl}: ${(e as Error).message}`, { status: 502, cause: e });
    }
    const body = (await res.json()) as PromResponse<string[]>;
    if (body.status !== "success") throw new AppError("prometheus_error", `Prometheus: ${body.error ?? `HTTP ${res.status}`}`, { status: 502 });
    return body.data ?? [];
  }
}
