import { describe, expect, it } from "vitest";
import { inQuietHours, parseSliConfig, parseSliYaml, SliConfigError, thresholdFor } from "../../src/detect/sli-config.ts";
import { defined } from "../support/defined.ts";

const YAML = `
defaults:
  sensitivity: medium
  quietHours: { start: "22:00", end: "07:00", timezone: Europe/Paris }
services:
  checkout:
    sensitivity: high
    page: true
    slis:
      - name: p99-latency
        direction: up
        prometheus:
          query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout"}[5m])))
      - name: cpu
        sensitivity: 0.8
        quietHours: null
        cloudwatch:
          namespace: AWS/EC2
          metricName: CPUUtilization
          dimensions: { InstanceId: i-0abc }
          stat: p99
          period: 300
  search:
    slis:
      - name: errors
        cloudwatch:
          namespace: AWS/ApplicationELB
          metricName: HTTPCode_Target_5XX_Count
          dimensions: [{ Name: LoadBalancer, Value: app/search/123 }]
          stat: Sum
`;

describe("slis.yaml", () => {
  it("resolves every SLI with its source, sensitivity, quiet hours and paging", () => {
    const slis = parseSliYaml(YAML);
    expect(slis.map((s) => s.key)).toEqual(["checkout/p99-latency", "checkout/cpu", "search/errors"]);
    const [lat, cpu, err] = slis;
    defined(err, "err");
    defined(cpu, "cpu");
    defined(lat, "lat");
    expect(lat.source).toMatchObject({ kind: "prometheus", stepSeconds: 60 });
    expect(lat.direction).toBe("up");
    expect(lat.sensitivity).toBe("high");
    expect(lat.threshold).toBe(thresholdFor("high"));
    expect(lat.page).toBe(true);
    expect(lat.quietHours?.timezone).toBe("Europe/Paris");
    expect(cpu.threshold).toBe(0.8);
    expect(cpu.quietHours).toBeUndefined();
    expect(cpu.source).toMatchObject({ kind: "cloudwatch", namespace: "AWS/EC2", stat: "p99", period: 300, dimensions: [{ name: "InstanceId", value: "i-0abc" }] });
    expect(err.sensitivity).toBe("medium");
    expect(err.page).toBe(false);
    expect(err.source).toMatchObject({ kind: "cloudwatch", period: 60, dimensions: [{ name: "LoadBalancer", value: "app/search/123" }] });
  });

  it("rejects an SLI with no source or with both, naming the path", () => {
    const none = { services: { a: { slis: [{ name: "x" }] } } };
    expect(() => parseSliConfig(none)).toThrow(/exactly one source/);
    const both = { services: { a: { slis: [{ name: "x", prometheus: { query: "up" }, cloudwatch: { namespace: "n", metricName: "m" } }] } } };
    expect(() => parseSliConfig(both)).toThrow(SliConfigError);
  });

  it("rejects bad values with readable messages", () => {
    const bad = (sli: object) => () => parseSliConfig({ services: { a: { slis: [{ name: "x", ...sli }] } } });
    expect(bad({ prometheus: { query: "up" }, sensitivity: "extreme" })).toThrow(/sensitivity/);
    expect(bad({ prometheus: { query: "up" }, sensitivity: 1.5 })).toThrow(/threshold in \(0, 1\)/);
    expect(bad({ cloudwatch: { namespace: "n", metricName: "m", period: 90 } })).toThrow(/multiple of 60/);
    expect(bad({ cloudwatch: { namespace: "n", metricName: "m", stat: "Median" } })).toThrow(/CloudWatch statistic/);
    expect(bad({ prometheus: { query: "up" }, quietHours: { start: "25:00", end: "07:00" } })).toThrow(/HH:MM/);
    expect(bad({ prometheus: { query: "up" }, quietHours: { start: "22:00", end: "07:00", timezone: "Mars/Olympus" } })).toThrow(/IANA/);
    expect(bad({ prometheus: { query: "up" }, colour: "red" })).toThrow();
    expect(() =>
      parseSliConfig({
        services: {
          a: {
            slis: [
              { name: "x", prometheus: { query: "up" } },
              { name: "x", prometheus: { query: "up" } },
            ],
          },
        },
      }),
    ).toThrow(/duplicate/);
    expect(() => parseSliYaml("services: [")).toThrow(/not valid YAML/);
  });

  it("an empty document is no SLI", () => {
    expect(parseSliConfig(undefined)).toEqual([]);
    expect(parseSliYaml("")).toEqual([]);
  });
});

describe("quiet hours", () => {
  const paris = { start: "22:00", end: "07:00", timezone: "Europe/Paris" } as const;
  it("wraps past midnight in the configured time zone", () => {
    // 21:30 UTC in January is 22:30 in Paris.
    expect(inQuietHours(paris, Date.UTC(2024, 0, 10, 21, 30))).toBe(true);
    expect(inQuietHours(paris, Date.UTC(2024, 0, 10, 5, 59))).toBe(true);
    expect(inQuietHours(paris, Date.UTC(2024, 0, 10, 6, 0))).toBe(false);
    expect(inQuietHours(paris, Date.UTC(2024, 0, 10, 12, 0))).toBe(false);
    expect(inQuietHours(undefined, Date.UTC(2024, 0, 10, 2, 0))).toBe(false);
  });

  it("applies only on the listed days (the night belongs to the day it starts)", () => {
    const weekend = { start: "00:00", end: "23:59", timezone: "UTC", days: ["sat", "sun"] as Array<"sat" | "sun"> };
    expect(inQuietHours(weekend, Date.UTC(2024, 0, 13, 12))).toBe(true); // Saturday
    expect(inQuietHours(weekend, Date.UTC(2024, 0, 15, 12))).toBe(false); // Monday
    const fridayNight = { start: "20:00", end: "08:00", timezone: "UTC", days: ["fri"] as Array<"fri"> };
    expect(inQuietHours(fridayNight, Date.UTC(2024, 0, 12, 21))).toBe(true); // Friday 21:00
    expect(inQuietHours(fridayNight, Date.UTC(2024, 0, 13, 7))).toBe(true); // Saturday 07:00, Friday's night
    expect(inQuietHours(fridayNight, Date.UTC(2024, 0, 13, 21))).toBe(false); // Saturday 21:00
  });
});
