import { describe, expect, it } from "vitest";
import { anomalyChartComment } from "../../../blocks/anomaly.ts";
import { DetectionService } from "../../../src/detect/detection-service.ts";
import { pollCron } from "../../../src/detect/polling/build.ts";
import { sandboxSlis } from "../../../src/detect/polling/default-slis.ts";
import { describeKind, formatSliDelta, formatSliValue, plainAnomalyPresenter, type AnomalyMessageView } from "../../../src/detect/polling/presenter.ts";
import { parseSliConfig } from "../../../src/detect/sli-config.ts";
import { loadConfig } from "../../../src/config.ts";
import { noiseAt } from "./memory-ports.ts";
import { defined } from "../../support/defined.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0);

describe("SLI deviation floors", () => {
  it("inherit SLI → service → defaults", () => {
    const [a, b, c] = parseSliConfig({
      defaults: { minRelativeDeviation: 0.1 },
      services: {
        s: {
          minDeviation: 0.5,
          slis: [
            { name: "a", prometheus: { query: "a" } },
            { name: "b", minDeviation: 2, prometheus: { query: "b" } },
          ],
        },
        t: { slis: [{ name: "c", prometheus: { query: "c" } }] },
      },
    });
    defined(a, "a");
    defined(b, "b");
    defined(c, "c");
    expect([a.minDeviation, a.minRelativeDeviation]).toEqual([0.5, 0.1]);
    expect(b.minDeviation).toBe(2);
    expect([c.minDeviation, c.minRelativeDeviation]).toEqual([undefined, 0.1]);
    expect(() => parseSliConfig({ services: { s: { slis: [{ name: "a", minDeviation: -1, prometheus: { query: "a" } }] } } })).toThrow(/minDeviation/);
  });

  it("keep a surprising but tiny change from becoming a finding", () => {
    // A very steady series (spread ~0.1) that steps up by 1.5: clearly unusual, small in absolute terms.
    const pts = Array.from({ length: 600 }, (_, i) => ({ t: T0 + i * MIN, value: 10 + 0.2 * noiseAt(7, T0 + i * MIN) + (i >= 500 ? 1.5 : 0) }));
    const spec = (floor?: number) => parseSliConfig({ services: { s: { slis: [{ name: "x", direction: "up", ...(floor === undefined ? {} : { minDeviation: floor }), prometheus: { query: "x" } }] } } });
    expect(new DetectionService(spec()).observe("s/x", pts).length).toBeGreaterThan(0);
    expect(new DetectionService(spec(1)).observe("s/x", pts).length).toBeGreaterThan(0);
    expect(new DetectionService(spec(2)).observe("s/x", pts)).toEqual([]);
  });
});

describe("sandbox default SLIs", () => {
  it("cover error ratio, p99 latency and memory of every shop service, through Prometheus", () => {
    const slis = sandboxSlis();
    const services = [...new Set(slis.map((s) => s.service))];
    expect(services.sort()).toEqual(["cart", "catalog", "checkout", "frontend", "inventory", "order-processor", "payments", "search"]);
    for (const svc of services) expect(slis.filter((s) => s.service === svc).map((s) => s.name)).toContain("memory");
    expect(slis.filter((s) => s.name === "error-ratio")).toHaveLength(7);
    expect(slis.filter((s) => s.name === "p99-latency")).toHaveLength(7);
    expect(slis.every((s) => s.source.kind === "prometheus" && s.direction === "up" && !s.page)).toBe(true);
  });

  it("the poll runs every minute, AISRE_POLL_CRON, or as often as a step passes in a sped-up sandbox", () => {
    const slis = sandboxSlis();
    expect(pollCron(loadConfig({}), slis, false)).toBe("* * * * *");
    expect(pollCron(loadConfig({ SIM_SPEED: "1" }), slis, true)).toBe("*/30 * * * * *");
    expect(pollCron(loadConfig({ SIM_SPEED: "10" }), slis, true)).toBe("*/3 * * * * *");
    expect(pollCron(loadConfig({ SIM_SPEED: "600" }), slis, true)).toBe("*/1 * * * * *");
    expect(pollCron(loadConfig({ AISRE_POLL_CRON: "*/10 * * * * *" }), slis, true)).toBe("*/10 * * * * *");
    expect(() => loadConfig({ AISRE_POLL_CRON: "every minute" })).toThrow(/AISRE_POLL_CRON/);
    expect(loadConfig({ AISRE_POLL_BACKFILL: "90m" }).env.AISRE_POLL_BACKFILL).toBe(90 * MIN);
    expect(() => loadConfig({ AISRE_ANOMALY_SEVERITY: "high" })).toThrow(/AISRE_ANOMALY_SEVERITY/);
  });
});

describe("anomaly message", () => {
  const [sli] = parseSliConfig({ services: { checkout: { slis: [{ name: "p99-latency", unit: "seconds", direction: "up", prometheus: { query: "histogram_quantile(0.99, x)".padEnd(4000, " ") } }] } } });
  defined(sli, "sli");
  const f = {
    key: sli.key,
    service: "checkout",
    sli: "p99-latency",
    at: T0,
    score: 0.7,
    threshold: 0.6,
    explanation: { baseline: 0.25, deviation: 1.1, spread: 0.02, z: 55, since: T0 - 7 * MIN, kind: "level-shift" as const, model: "daily" as const, feature: "long" as const, surprise: 12, rawSurprise: 12 },
    points: [{ t: T0, value: 1.35, baseline: 0.25, spread: 0.02, score: 0.7 }],
    quiet: false,
    page: false,
    escalation: false,
  };
  const view: AnomalyMessageView = { incidentId: "INC-1", sli, first: f, latest: f, worsened: 0, opened: true, ongoing: false };

  it("calls a series flat far from its usual band pinned at a level, and only one flat at its usual level a stuck metric", () => {
    // cascading-failure walk: payments' p99 latency held at the client timeout read "flat (a stuck metric?)".
    const flat = (z: number) => ({ ...f, explanation: { ...f.explanation, kind: "flatline" as const, deviation: z * 0.02, z } });
    expect(describeKind(flat(175))).toBe("flat at a high level (a timeout or a limit?)");
    expect(describeKind(flat(-12))).toBe("flat at a low level (stalled?)");
    expect(describeKind(flat(0.5))).toBe("flat (a stuck metric?)");
  });

  it("formats values in the SLI's unit", () => {
    expect(formatSliValue(0.523, "ratio")).toBe("52.3 %");
    expect(formatSliDelta(0.0123, "ratio")).toBe("+1.23 pp");
    expect(formatSliValue(0.85, "seconds")).toBe("850 ms");
    expect(formatSliValue(2.5, "seconds")).toBe("2.5 s");
    expect(formatSliDelta(-0.2, "seconds")).toBe("−200 ms");
    expect(formatSliValue(805306368, "bytes")).toBe("768 MiB");
    expect(formatSliValue(12345, undefined)).toBe("12.3k");
    expect(formatSliValue(Number.NaN, "ratio")).toBe("n/a");
  });

  it("the chart's comment says the value against its usual level, without statistics jargon", () => {
    const text = anomalyChartComment(view);
    expect(text).toContain("p99 latency: 1.35 s vs 250 ms usual (5.4× the usual)");
    expect(text).toMatch(/<!date\^\d+\^\{time\}\|\d\d:\d\d UTC>/);
    expect(text).not.toMatch(/spread|robust|z-score|baseline ±/i);
    expect(plainAnomalyPresenter.chartComment(view)).toContain("1.35 s vs 250 ms usual");
  });
});
