import { describe, expect, it } from "vitest";
import { DEFAULT_LIFECYCLE, fallenSeverity, quietAfterFix, quietEnough } from "../../src/correlate/lifecycle.ts";

const M = 60_000;
const NOW = Date.parse("2026-12-05T12:00:00Z");

describe("quietAfterFix", () => {
  const real = { firing: false, endedAtMs: NOW - 6 * M, flapping: false, anomaly: false };
  const anomaly = { firing: true, flapping: false, anomaly: true };
  const flapping = { firing: true, flapping: true, anomaly: false };

  it("after a verified fix, a lagging anomaly and a flapping alert no longer hold the incident open", () => {
    // Without the fix they do (the anomaly fires; the flapping alert needs its long quiet period).
    expect(quietEnough([real, anomaly, flapping], NOW, DEFAULT_LIFECYCLE)).toBe(false);
    expect(quietAfterFix([real, anomaly, flapping], NOW - 6 * M, NOW, DEFAULT_LIFECYCLE)).toBe(true);
  });

  it("the other alerts still need the quiet period, and so does the fix itself", () => {
    expect(quietAfterFix([{ ...real, endedAtMs: NOW - 2 * M }, anomaly], NOW - 6 * M, NOW, DEFAULT_LIFECYCLE)).toBe(false);
    expect(quietAfterFix([{ ...real, firing: true }, anomaly], NOW - 6 * M, NOW, DEFAULT_LIFECYCLE)).toBe(false);
    expect(quietAfterFix([real, anomaly], NOW - 2 * M, NOW, DEFAULT_LIFECYCLE)).toBe(false);
  });

  it("an incident of anomalies alone (a leak seen before any alert) is not released: a pre-check that found nothing unhealthy yet is no recovery", () => {
    expect(quietAfterFix([anomaly], NOW - 30 * M, NOW, DEFAULT_LIFECYCLE)).toBe(false);
  });
});

describe("fallenSeverity", () => {
  it("falls to the highest severity still firing once the alerts above have been quiet for the quiet period", () => {
    const alerts = [
      { severity: "sev2" as const, firing: false, endedAtMs: NOW - 6 * M, flapping: false },
      { severity: "sev3" as const, firing: true, flapping: false },
    ];
    expect(fallenSeverity(alerts, "sev2", NOW, DEFAULT_LIFECYCLE)).toBe("sev3");
    // Not before the quiet period.
    expect(fallenSeverity([{ ...alerts[0]!, endedAtMs: NOW - 2 * M }, alerts[1]!], "sev2", NOW, DEFAULT_LIFECYCLE)).toBeUndefined();
  });

  it("does not fall while a more severe alert fires, when nothing fires (that is resolution), or below the incident's own level", () => {
    expect(
      fallenSeverity(
        [
          { severity: "sev2", firing: true, flapping: false },
          { severity: "sev3", firing: true, flapping: false },
        ],
        "sev2",
        NOW,
        DEFAULT_LIFECYCLE,
      ),
    ).toBeUndefined();
    expect(fallenSeverity([{ severity: "sev2", firing: false, endedAtMs: NOW - 60 * M, flapping: false }], "sev2", NOW, DEFAULT_LIFECYCLE)).toBeUndefined();
    expect(fallenSeverity([{ severity: "sev3", firing: true, flapping: false }], "sev3", NOW, DEFAULT_LIFECYCLE)).toBeUndefined();
  });

  it("a flapping alert's lull does not lower the incident: it must stay quiet for the flap quiet period", () => {
    const flapping = { severity: "sev2" as const, firing: false, endedAtMs: NOW - 10 * M, flapping: true };
    const steady = { severity: "sev3" as const, firing: true, flapping: false };
    expect(fallenSeverity([flapping, steady], "sev2", NOW, DEFAULT_LIFECYCLE)).toBeUndefined();
    expect(fallenSeverity([{ ...flapping, endedAtMs: NOW - DEFAULT_LIFECYCLE.flapQuietMs }, steady], "sev2", NOW, DEFAULT_LIFECYCLE)).toBe("sev3");
  });
});
