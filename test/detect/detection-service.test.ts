import { describe, expect, it } from "vitest";
import { DetectionService } from "../../src/detect/detection-service.ts";
import { parseSliConfig } from "../../src/detect/sli-config.ts";
import { gaussian, MIN, rng, series } from "./synth.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const slis = parseSliConfig({
  services: {
    checkout: {
      page: true,
      slis: [
        { name: "latency", direction: "up", prometheus: { query: "p99" } },
        { name: "memory", prometheus: { query: "mem" }, quietHours: { start: "00:00", end: "23:59", timezone: "UTC" } },
      ],
    },
  },
});

function noisy(n: number, seed: number, level = 100, sd = 2) {
  const g = gaussian(rng(seed));
  return series(n, MIN, () => level + sd * g());
}

describe("DetectionService", () => {
  it("turns a spike over the SLI threshold into one finding with its explanation and chart points", () => {
    const svc = new DetectionService(slis, { keepPoints: 120 });
    const pts = noisy(1500, 1);
    itemAt(pts, 1400).value = 160;
    const findings = svc.observe("checkout/latency", pts);
    expect(findings).toHaveLength(1);
    const f = itemAt(findings, 0);
    expect(f).toMatchObject({ key: "checkout/latency", service: "checkout", sli: "latency", at: itemAt(pts, 1400).t, quiet: false, page: true, escalation: false });
    expect(f.score).toBeGreaterThanOrEqual(f.threshold);
    expect(f.explanation.kind).toBe("spike");
    expect(f.explanation.baseline).toBeCloseTo(100, 0);
    expect(f.explanation.since).toBe(itemAt(pts, 1400).t);
    expect(f.points).toHaveLength(120);
    expect(f.points[f.points.length - 1]).toMatchObject({ t: itemAt(pts, 1400).t, value: 160 });
  });

  it("respects the SLI direction", () => {
    const svc = new DetectionService(slis);
    const pts = noisy(1500, 2);
    itemAt(pts, 1400).value = 40; // a drop in latency is not a problem
    expect(svc.observe("checkout/latency", pts)).toHaveLength(0);
  });

  it("reports a lasting shift once, not at every poll", () => {
    const svc = new DetectionService(slis);
    const pts = noisy(2000, 3);
    for (let i = 1500; i < 2000; i++) itemAt(pts, i).value += 30;
    const findings: unknown[] = [];
    // Fed one point at a time, as a poller would.
    for (const p of pts) findings.push(...svc.observe("checkout/latency", [p]));
    expect(findings.filter((f) => !(f as { escalation: boolean }).escalation)).toHaveLength(1);
    expect(findings.length).toBeLessThanOrEqual(3);
  });

  it("an episode is over once the series has been back in its usual range for 10 minutes, not after an hour; the detector re-learning the normal level opens no new one", () => {
    const svc = new DetectionService(slis);
    const pts = noisy(1600, 7);
    // 20 minutes at 3× the usual latency, then back to normal.
    for (let i = 1500; i < 1520; i++) itemAt(pts, i).value = 300 + (i % 3);
    const findings = [];
    const open: Array<[number, boolean]> = [];
    for (const [i, p] of pts.entries()) {
      findings.push(...svc.observe("checkout/latency", [p]));
      if (i >= 1500) open.push([i - 1520, svc.episode("checkout/latency") !== undefined]);
    }
    expect(findings.filter((f) => !f.escalation)).toHaveLength(1);
    const openAt = (minAfterReturn: number) => open.find(([m]) => m === minAfterReturn)?.[1];
    expect(openAt(-1)).toBe(true);
    expect(openAt(5)).toBe(true);
    expect(openAt(12)).toBe(false);
    expect(openAt(39)).toBe(false);
  });

  it("marks findings in quiet hours as quiet and never paging", () => {
    const svc = new DetectionService(slis);
    const pts = noisy(1500, 4);
    itemAt(pts, 1400).value = 160;
    const [f] = svc.observe("checkout/memory", pts);
    expect(f).toMatchObject({ quiet: true, page: false });
  });

  it("catches a memory leak long before an OOM threshold alert (90% of the limit)", () => {
    const svc = new DetectionService(slis);
    const g = gaussian(rng(5));
    const leakStart = 2 * 1440;
    const pts = series(4 * 1440, MIN, (i) => 256 * (1 + 0.08 * Math.sin((2 * Math.PI * i) / 1440)) * (1 + 0.01 * g()) + (i >= leakStart ? 0.2 * (i - leakStart) : 0));
    const oom = pts.findIndex((p) => p.value >= 0.9 * 512);
    const findings = svc.observe("checkout/memory", pts);
    expect(findings.length).toBeGreaterThan(0);
    const first = itemAt(findings, 0);
    expect(first.at).toBeGreaterThanOrEqual(itemAt(pts, leakStart).t);
    expect(first.at).toBeLessThan(itemAt(pts, leakStart).t + (itemAt(pts, oom).t - itemAt(pts, leakStart).t) / 10);
  });

  it("dates an anomaly from when its deviation cleared the SLI's floors, not from a tiny wobble the detector found surprising before it (bad-deploy#1: checkout 'since 17:54', the fault's errors from 18:03)", () => {
    const errorRatio = parseSliConfig({ services: { checkout: { slis: [{ name: "error-ratio", direction: "up", minDeviation: 0.01, prometheus: { query: "q" } }] } } });
    const g = gaussian(rng(7));
    const HALF = 30_000;
    // Three hours of a very steady 0.582 % (as the sandbox's history), a wobble of +0.007 points for
    // 9 minutes (surprising against so steady a series, far below the 1-point floor), then the fault.
    const wobbleStart = 360;
    const faultStart = wobbleStart + 18;
    const faultValues = [0.0174, 0.0485, 0.0796, 0.1108, 0.1424, 0.1742, 0.2058];
    const pts = series(faultStart + faultValues.length, HALF, (i) => {
      if (i >= faultStart) return faultValues[i - faultStart]!;
      const wobble = i >= wobbleStart ? 0.00007 * Math.sin((Math.PI * (i - wobbleStart + 1)) / 19) : 0;
      return 0.00582 + wobble + 0.000004 * g();
    });
    const svc = new DetectionService(errorRatio);
    const findings = pts.flatMap((p) => svc.observe("checkout/error-ratio", [p]));
    const first = itemAt(findings, 0);
    expect(first.at).toBe(itemAt(pts, faultStart).t);
    expect(first.explanation.since).toBe(itemAt(pts, faultStart).t);
    expect(svc.episode("checkout/error-ratio")?.since).toBe(itemAt(pts, faultStart).t);
    // Without floors the detector's own run start stands (it may begin in the wobble).
    const bare = new DetectionService(parseSliConfig({ services: { checkout: { slis: [{ name: "error-ratio", direction: "up", prometheus: { query: "q" } }] } } }));
    const unfloored = itemAt(
      pts.flatMap((p) => bare.observe("checkout/error-ratio", [p])),
      0,
    );
    expect(unfloored.explanation.since).toBeLessThan(itemAt(pts, faultStart).t);
  });

  it("accepts unknown series with default settings, ignores repeated points and sorts a batch", () => {
    const svc = new DetectionService(slis);
    const pts = noisy(1500, 6);
    itemAt(pts, 1450).value = 200;
    const shuffled = [...pts].reverse();
    const findings = svc.observe("payments/error-rate", shuffled);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ service: "payments", sli: "error-rate", page: false });
    expect(svc.observe("payments/error-rate", pts.slice(1400))).toHaveLength(0);
    expect(svc.size).toBe(1);
    svc.reset("payments/error-rate");
    expect(svc.size).toBe(0);
  });
});
