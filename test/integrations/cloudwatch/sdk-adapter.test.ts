import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsCloudWatch, batchQueries } from "../../../src/integrations/cloudwatch/sdk-adapter.ts";
import type { CloudWatchQuery } from "../../../src/integrations/cloudwatch/port.ts";
import { type RunningSim, startSim } from "../../sandbox/sim/harness.ts";

describe("AwsCloudWatch (@aws-sdk/client-cloudwatch) against the simulated CloudWatch", () => {
  let env: RunningSim;
  let cw: AwsCloudWatch;

  beforeAll(async () => {
    env = await startSim();
    cw = new AwsCloudWatch({ region: "eu-west-1", endpoint: `${env.url}/cloudwatch`, credentials: { accessKeyId: "AKIASANDBOX", secretAccessKey: "x" } });
  });
  afterAll(async () => env.close());

  const window = () => ({ start: new Date(env.sim.now() - 20 * 60_000), end: new Date(env.sim.now()) });

  it("GetMetricData: metric stats, metric math, ascending timestamps", async () => {
    const res = await cw.getMetricData(
      [
        { id: "cpu", namespace: "AWS/RDS", metricName: "CPUUtilization", dimensions: { DBInstanceIdentifier: "orders-db" }, stat: "Average", periodSeconds: 60 },
        { id: "req", namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: { LoadBalancer: "app/shop-prod-alb/5f1e0c2a9d3b4e71" }, stat: "Sum", periodSeconds: 60, returnData: false },
        { id: "err", namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions: { LoadBalancer: "app/shop-prod-alb/5f1e0c2a9d3b4e71" }, stat: "Sum", periodSeconds: 60, returnData: false },
        { id: "ratio", expression: "100 * err / req", label: "5xx %" },
        { id: "p99", namespace: "AcmeShop/Services", metricName: "LatencyP99", dimensions: { Service: "checkout" }, stat: "p90", periodSeconds: 300 },
      ],
      window(),
    );
    expect(res.map((r) => r.id)).toEqual(["cpu", "ratio", "p99"]);
    const cpu = res[0]!;
    expect(cpu.values).toHaveLength(20);
    expect(cpu.timestamps[1]! - cpu.timestamps[0]!).toBe(60);
    expect(cpu.values.every((v) => v > 5 && v < 70)).toBe(true);
    expect(res[1]!.values.every((v) => v >= 0 && v < 2)).toBe(true);
    expect(res[2]!.values).toHaveLength(4);
  });

  it("GetMetricData: more than 500 queries are batched and NextToken pages merged", async () => {
    const queries: CloudWatchQuery[] = [];
    for (let i = 0; i < 620; i++) queries.push({ id: `m${i}`, namespace: "AcmeShop/Services", metricName: "RequestCount", dimensions: { Service: ["frontend", "checkout", "cart"][i % 3]! }, stat: "Sum", periodSeconds: 60 });
    expect(batchQueries(queries).map((b) => b.length)).toEqual([500, 120]);
    const res = await cw.getMetricData(queries, { ...window(), maxDatapoints: 2000 });
    expect(res).toHaveLength(620);
    for (const r of res) {
      expect(r.values).toHaveLength(20);
      expect([...r.timestamps].sort((a, b) => a - b)).toEqual(r.timestamps);
    }
  });

  it("ListMetrics filters by namespace and dimensions", async () => {
    const rds = await cw.listMetrics({ namespace: "AWS/RDS" });
    expect(rds.map((m) => m.metricName)).toEqual(expect.arrayContaining(["CPUUtilization", "DatabaseConnections", "FreeStorageSpace"]));
    const insights = await cw.listMetrics({ namespace: "ContainerInsights", dimensions: { Service: "payments" } });
    expect(insights.length).toBeGreaterThanOrEqual(4);
    expect(insights[0]!.dimensions).toMatchObject({ ClusterName: "prod-eu-1", Namespace: "shop", Service: "payments" });
  });

  it("DescribeAlarms reports state and reasons; ALARM after a fault", async () => {
    env.sim.tick(5 * 60_000);
    const all = await cw.describeAlarms();
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(all.find((a) => a.name === "orders-db-cpu-high")).toMatchObject({ state: "OK", namespace: "AWS/RDS", threshold: 85, comparison: "GreaterThanThreshold" });
    await env.sim.start("db-report-query");
    env.sim.tick(10 * 60_000);
    const alarming = await cw.describeAlarms({ state: "ALARM" });
    const cpu = alarming.find((a) => a.name === "orders-db-cpu-high");
    expect(cpu?.reason).toMatch(/^Threshold Crossed: 3 out of the last 3 datapoints/);
    expect(cpu?.updatedAt).toBeGreaterThan(0);
    expect((await cw.describeAlarms({ namePrefix: "orders-" })).map((a) => a.name).sort()).toEqual(["orders-db-cpu-high", "orders-queue-backlog"]);
  });

  it("returns CloudWatch-shaped errors the SDK understands", async () => {
    await expect(cw.getMetricData([{ id: "Bad", namespace: "AWS/RDS", metricName: "CPUUtilization" }], window())).rejects.toMatchObject({ code: "cloudwatch_rejected" });
  });
});
