import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusHttpMetrics } from "../../../src/integrations/prometheus/http-adapter.ts";
import { type RunningSim, START, startSim } from "../../sandbox/sim/harness.ts";
import { clockOf } from "../../../src/domain/clock.ts";

describe("PrometheusHttpMetrics against the simulated Prometheus", () => {
  let env: RunningSim;
  let prom: PrometheusHttpMetrics;

  beforeAll(async () => {
    env = await startSim();
    prom = new PrometheusHttpMetrics({ baseUrl: `${env.url}/prometheus`, clock: clockOf(() => env.sim.now()) });
  });
  afterAll(async () => env.close());

  it("query_range returns a matrix per series on the step grid", async () => {
    const end = new Date(env.sim.now());
    const start = new Date(end.getTime() - 20 * 60_000);
    const series = await prom.queryRange('sum by (service) (rate(http_requests_total{service=~"frontend|checkout"}[2m]))', { start, end, stepSeconds: 60 });
    expect(series.map((s) => s.labels.service).sort()).toEqual(["checkout", "frontend"]);
    const frontend = series.find((s) => s.labels.service === "frontend")!;
    expect(frontend.timestamps).toHaveLength(21);
    expect(frontend.timestamps[1]! - frontend.timestamps[0]!).toBe(60);
    for (const v of frontend.values) expect(v).toBeGreaterThan(200);
  });

  it("reads the alerting rules' `for`s (the rules API's duration), by alert name", async () => {
    const durations = await prom.alertRuleDurations();
    expect(durations).toMatchObject({ SLOErrorBudgetBurn: 60_000, HighErrorRate: 180_000, OrdersQueueBacklog: 300_000 });
  });

  it("instant queries: histogram_quantile, precomputed quantiles, ratios, scalars", async () => {
    const p99 = await prom.query("histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m])))");
    const byService = Object.fromEntries(p99.map((s) => [s.labels.service, s.value]));
    expect(byService.checkout).toBeGreaterThan(0.1);
    expect(byService.checkout).toBeLessThan(5);
    const gauge = await prom.query('http_request_latency_seconds{service="checkout",quantile="0.99"}');
    expect(gauge).toHaveLength(1);
    expect(gauge[0]!.labels.__name__).toBe("http_request_latency_seconds");
    const errors = await prom.query('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))');
    expect(errors[0]!.value).toBeLessThan(0.02);
    const mem = await prom.query('max by (pod) (container_memory_working_set_bytes{service="order-processor"}) / on (pod) max by (pod) (container_spec_memory_limit_bytes{service="order-processor"})');
    expect(mem).toHaveLength(2);
    const scalar = await prom.query("1 + 2 * 3");
    expect(scalar).toEqual([{ labels: {}, timestamp: env.sim.now() / 1000, value: 7 }]);
  });

  it("series, label values and errors", async () => {
    const series = await prom.series(['kube_deployment_spec_replicas{namespace="shop"}']);
    expect(series.map((s) => s.deployment).sort()).toContain("inventory");
    expect(await prom.labelValues("service")).toEqual(expect.arrayContaining(["frontend", "orders-db", "payment-provider"]));
    await expect(prom.query("sum(rate(http_requests_total[5m])")).rejects.toMatchObject({ code: "prometheus_bad_query" });
  });

  it("serves the labels and metadata endpoints and a scrapeable /metrics", async () => {
    const labels = await (await fetch(`${env.url}/prometheus/api/v1/labels`)).json();
    expect(labels.data).toEqual(expect.arrayContaining(["__name__", "service", "pod", "le", "quantile"]));
    const text = await (await fetch(`${env.url}/prometheus/metrics`)).text();
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toMatch(/http_request_duration_seconds_bucket\{namespace="shop",service="frontend",le="\+Inf"\} \d+/);
    expect(text).toMatch(/^container_memory_working_set_bytes\{namespace="shop",pod="orders-db-0",container="orders-db",service="orders-db"\} \d+$/m);
    expect(text).not.toContain("cw:");
    const rules = await (await fetch(`${env.url}/prometheus/api/v1/rules`)).json();
    expect(rules.data.groups[0].rules.length).toBeGreaterThan(10);
  });

  it("history exists before the start: baselines from the first query", async () => {
    const series = await prom.queryRange('sum(rate(http_requests_total{service="frontend"}[5m]))', { start: new Date(START - 20 * 60_000), end: new Date(START), stepSeconds: 300 });
    expect(series[0]!.values).toHaveLength(5);
  });
});
