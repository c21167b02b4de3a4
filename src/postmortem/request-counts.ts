import type { MetricsPort } from "../integrations/prometheus/port.ts";
import { promQueryFor } from "../toolsets/metrics.ts";

/** Requests a service served over a window, and how many of them failed (5xx). */
export interface RequestCounts {
  service: string;
  total: number;
  failed: number;
}

/** Measures the requests of services over a window (unix ms): what the error budget is computed from. */
export interface RequestCountsPort {
  count(services: readonly string[], startMs: number, endMs: number): Promise<RequestCounts[]>;
}

/** The PromQL for the requests of `services` (and with `failed`, the 5xx ones) over `seconds` up to the query time. */
export function requestCountQuery(services: readonly string[], seconds: number, failed: boolean, label = "service"): string {
  const query = `sum by (LABEL) (increase(http_requests_total{SEL${failed ? ',code=~"5.."' : ""}}[${Math.max(60, Math.round(seconds))}s]))`;
  return promQueryFor({ metric: failed ? "failed_requests" : "requests", query }, label, services);
}

/**
 * Request counts from Prometheus (`http_requests_total`, the HTTP client convention): two instant
 * queries at the window's end over the window. A service without the counter is left out.
 */
export function prometheusRequestCounts(metrics: Pick<MetricsPort, "query">, serviceLabel = "service"): RequestCountsPort {
  return {
    async count(services, startMs, endMs) {
      if (services.length === 0 || !(endMs > startMs)) return [];
      const seconds = (endMs - startMs) / 1000;
      const at = new Date(endMs);
      const [total, failed] = await Promise.all([metrics.query(requestCountQuery(services, seconds, false, serviceLabel), { at }), metrics.query(requestCountQuery(services, seconds, true, serviceLabel), { at })]);
      const failedBy = new Map(failed.map((s) => [s.labels[serviceLabel], s.value]));
      const out: RequestCounts[] = [];
      for (const s of total) {
        const service = s.labels[serviceLabel];
        if (!service || !(s.value > 0)) continue;
        const f = failedBy.get(service);
        out.push({ service, total: s.value, failed: f !== undefined && Number.isFinite(f) ? Math.max(0, Math.min(f, s.value)) : 0 });
      }
      return out;
    },
  };
}
