import type { Alert } from "../../../src/domain/alert.ts";
import type { Topology } from "../../../src/domain/topology.ts";
import type { MetricSeries, ServiceMetrics } from "../../../src/diagnose/types.ts";
import { memoryPod, type MemoryWorld } from "../../../src/toolsets/memory-ports.ts";

/**
 * A small shop for the live-diagnosis tests: frontend → checkout → payments → orders-db, and
 * checkout → inventory → cache. Metrics at one-minute steps for two hours up to NOW; faults are
 * switched on per test.
 */
export const NOW = Date.parse("2026-03-14T10:30:00Z");
export const M = 60_000;
export const STEP = 60;
export const iso = (ms: number) => new Date(ms).toISOString();

export const TOPOLOGY: Topology = {
  services: ["frontend", "checkout", "payments", "orders-db", "inventory", "cache", "search"],
  edges: [
    { from: "frontend", to: "checkout" },
    { from: "frontend", to: "search" },
    { from: "checkout", to: "payments" },
    { from: "checkout", to: "inventory" },
    { from: "payments", to: "orders-db" },
    { from: "inventory", to: "cache" },
    { from: "inventory", to: "orders-db" },
  ],
};

const wiggle = (i: number, salt: number) => Math.sin(i * 1.7 + salt * 3.1) * 0.6 + Math.sin(i * 0.37 + salt) * 0.4;

/** A series over the last two hours: `f(t)` gives the multiplier of `level` at unix ms t (1 = normal). */
export function line(metric: string, level: number, f: (t: number) => number = () => 1, noise = 0.03, salt = metric.length): MetricSeries {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i <= 120; i++) {
    const t = NOW - (120 - i) * M;
    timestamps.push(t / 1000);
    values.push(level * f(t) * (1 + noise * wiggle(i, salt)));
  }
  return { metric, timestamps, values };
}

/** 1 before `from`, `factor` after (ramping over `rampMin` minutes). */
export const after =
  (from: number, factor: number, rampMin = 2) =>
  (t: number) =>
    t < from ? 1 : 1 + (factor - 1) * Math.min(1, (t - from) / (rampMin * M) + 1 / rampMin);

export function healthy(service: string, salt = 0): ServiceMetrics {
  return {
    service,
    series: [line("error_ratio", 0.002, undefined, 0.05, salt + 1), line("latency_p99", 0.2, undefined, 0.03, salt + 2), line("request_rate", 100, undefined, 0.02, salt + 3), line("cpu_utilization", 0.3, undefined, 0.03, salt + 4)],
  };
}

/** payments leaks DB connections from LEAK on; the edge sees errors from LEAK + 5 min. */
export const LEAK = NOW - 20 * M;

export function poolLeakMetrics(): ServiceMetrics[] {
  const edge = LEAK + 5 * M;
  return [
    { service: "frontend", series: [line("error_ratio", 0.002, after(edge + M, 20)), line("latency_p99", 0.4, after(edge + M, 3)), line("request_rate", 400)] },
    { service: "checkout", series: [line("error_ratio", 0.004, after(edge, 60)), line("latency_p99", 0.9, after(edge, 3)), line("request_rate", 30)] },
    {
      service: "payments",
      series: [line("error_ratio", 0.003, after(edge - M, 100)), line("latency_p99", 0.5, after(edge - M, 9)), line("request_rate", 30), line("db_pool_utilization", 0.3, (t) => (t < LEAK ? 1 : Math.min(1 / 0.3, 1 + ((t - LEAK) / M) * 0.6)), 0.05)],
    },
    healthy("orders-db", 5),
    healthy("inventory", 6),
    healthy("cache", 7),
    healthy("search", 8),
  ];
}

export function shopPods(): MemoryWorld["pods"] {
  return ["frontend", "checkout", "payments", "inventory", "search"]
    .flatMap((s) => [0, 1].map((i) => memoryPod({ name: `${s}-5d8f7c9b6-${"ab"[i]}bcde`, service: s, createdAt: iso(NOW - 5 * 86_400_000) })))
    .concat([memoryPod({ name: "orders-db-0", service: "orders-db", owner: { kind: "StatefulSet", name: "orders-db" }, deployment: undefined })]);
}

/** Log lines with the Kubernetes timestamp prefix, one every `everyMin` minutes in [from, to). */
export function logLines(text: string, from: number, to: number, everyMin = 1): string {
  const out: string[] = [];
  for (let t = from; t < to; t += everyMin * M) out.push(`${iso(t)} ${text}`);
  return out.join("\n");
}

export function poolLeakLogs(): Record<string, string> {
  const edge = LEAK + 5 * M;
  const hikari = "2026-03-14 10:00:00.000 ERROR 1 --- [nio-8080-exec-1] c.a.s.payments.PaymentController : HikariPool-1 - Connection is not available, request timed out after 5000ms (total=30, active=30, idle=0, waiting=41)";
  return {
    "payments-5d8f7c9b6-abcde": [logLines("2026-03-14 10:00:00.000  INFO 1 --- [nio-8080-exec-2] o.s.web.servlet.DispatcherServlet : Completed 200 POST /api/payments/authorize in 41 ms", NOW - 60 * M, NOW), logLines(hikari, LEAK + 4 * M, NOW, 0.5)].join("\n"),
    "checkout-5d8f7c9b6-abcde": [
      logLines('time=2026-03-14T10:00:00Z level=ERROR msg="upstream payments call failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"', edge, NOW, 0.5),
      logLines('time=2026-03-14T10:00:00Z level=ERROR msg="internal error: unexpected EOF"', NOW - 60 * M, NOW, 7),
    ].join("\n"),
    "frontend-5d8f7c9b6-abcde": logLines(JSON.stringify({ level: 50, time: 0, msg: "upstream request to checkout timed out after 3000ms" }), edge + M, NOW, 0.5),
  };
}

export function alert(name: string, service: string, startsAt: number, o: Partial<Alert> = {}): Alert {
  return { fingerprint: `fp-${name}-${service}`, source: "alertmanager", name, status: "firing", severity: "sev2", service, summary: `${name} on ${service}`, labels: { alertname: name, service }, startsAt: iso(startsAt), ...o };
}
