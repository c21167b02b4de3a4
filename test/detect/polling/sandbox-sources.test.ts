import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxSlis } from "../../../src/detect/polling/default-slis.ts";
import { SliPoller } from "../../../src/detect/polling/poller.ts";
import { parseSliConfig } from "../../../src/detect/sli-config.ts";
import { AwsCloudWatch } from "../../../src/integrations/cloudwatch/sdk-adapter.ts";
import { PrometheusHttpMetrics } from "../../../src/integrations/prometheus/http-adapter.ts";
import { createSimulatedSystem, type SimulatedSystem } from "../../../src/sandbox/sim/system.ts";
import { clockOf } from "../../../src/domain/clock.ts";

/**
 * The poller through the real adapters (HTTP Prometheus API, the AWS SDK's GetMetricData) against
 * the simulated shop: the sandbox's default SLIs all return points, and CloudWatch SLIs from a
 * slis.yaml work with the SDK's wire format.
 */
describe("polling the simulation through the real adapters", () => {
  let sim: SimulatedSystem;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    sim = createSimulatedSystem({ speed: 1, seed: 42, dataDir: mkdtempSync(join(tmpdir(), "aisre-poll-")), publicUrl: "http://127.0.0.1:1", historyMs: 2 * 3_600_000 });
    server = createServer((req, res) => void sim.router.handle(req as Parameters<typeof sim.router.handle>[0], res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it("the sandbox SLIs: every query answers, one series each", async () => {
    const metrics = new PrometheusHttpMetrics({ baseUrl: `${base}/prometheus`, clock: clockOf(() => sim.now()) });
    const poller = new SliPoller({ slis: sandboxSlis(), metrics, clock: clockOf(() => sim.now()), backfillMs: 3_600_000 });
    const r = await poller.pollOnce();
    expect(r.errors).toEqual([]);
    expect(r.series).toBe(24);
    expect(r.points).toBe(24 * 121);
    sim.tick(60_000);
    expect((await poller.pollOnce()).points).toBe(24 * 2);
  });

  it("CloudWatch SLIs through the AWS SDK", async () => {
    const cloudwatch = new AwsCloudWatch({ region: "us-east-1", endpoint: `${base}/cloudwatch`, credentials: { accessKeyId: "AKIASANDBOXAISRE0000", secretAccessKey: "sandbox-secret-access-key" } });
    const slis = parseSliConfig({
      services: {
        checkout: { slis: [{ name: "p99", unit: "ms", cloudwatch: { namespace: "AcmeShop/Services", metricName: "LatencyP99", dimensions: { Service: "checkout" }, stat: "Average", period: 60 } }] },
        "order-processor": {
          slis: [{ name: "memory", unit: "percent", cloudwatch: { namespace: "ContainerInsights", metricName: "pod_memory_utilization", dimensions: { ClusterName: "prod-eu-1", Namespace: "shop", Service: "order-processor" }, stat: "Maximum", period: 60 } }],
        },
      },
    });
    const poller = new SliPoller({ slis, cloudwatch, cloudwatchRegion: "us-east-1", clock: clockOf(() => sim.now()), backfillMs: 3_600_000 });
    const r = await poller.pollOnce();
    expect(r.errors).toEqual([]);
    expect(r.series).toBe(2);
    expect(r.points).toBeGreaterThanOrEqual(2 * 55);
    expect(r.cloudwatchBatches).toBe(1);
  });
});
