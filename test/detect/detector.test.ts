import { describe, expect, it } from "vitest";
import { AnomalyDetector, scoreOfSurprise, surpriseOfScore } from "../../src/detect/detector.ts";
import { gaussian, MIN, rng, series, T0 } from "./synth.ts";
import { itemAt } from "../../src/domain/indexed.ts";

function run(points: Array<{ t: number; value: number }>, det = new AnomalyDetector()) {
  return points.map((p) => det.update(p.t, p.value));
}

function firstAlarm(outs: Array<{ score: number }>, from: number, threshold: number): number {
  for (let i = from; i < outs.length; i++) if (itemAt(outs, i).score >= threshold) return i;
  return -1;
}

const noise = (seed: number) => gaussian(rng(seed));

describe("AnomalyDetector", () => {
  it("scores a constant series 0 everywhere, and its first change 1", () => {
    const pts = series(3000, 5 * MIN, () => 42);
    const outs = run(pts);
    expect(outs.every((o) => o.score === 0)).toBe(true);
    pts.push({ t: itemAt(pts, 2999).t + 5 * MIN, value: 43 });
    expect(itemAt(run(pts), 3000).score).toBeGreaterThan(0.99);
  });

  it("keeps every score in [0, 1] and scores nothing during warm-up", () => {
    const g = noise(1);
    const outs = run(series(2000, MIN, (i) => (i % 97 === 0 ? 1e6 : 10 + g())));
    expect(outs.every((o) => o.score >= 0 && o.score <= 1)).toBe(true);
    expect(outs.slice(0, 60).every((o) => o.score === 0)).toBe(true);
  });

  it("detects a spike in noise and explains it", () => {
    const g = noise(2);
    const pts = series(1500, MIN, (i) => (i === 1200 ? 80 : 50 + 2 * g()));
    const outs = run(pts);
    expect(itemAt(outs, 1200).score).toBeGreaterThan(0.6);
    expect(itemAt(outs, 1200).explanation.kind).toBe("spike");
    expect(itemAt(outs, 1200).explanation.baseline).toBeCloseTo(50, 0);
    expect(itemAt(outs, 1200).explanation.deviation).toBeGreaterThan(25);
    expect(itemAt(outs, 1200).explanation.since).toBe(itemAt(pts, 1200).t);
    // The normal points before it stay well below.
    const before = outs.slice(300, 1200).map((o) => o.score);
    expect(Math.max(...before)).toBeLessThan(0.6);
  });

  it("detects a dip", () => {
    const g = noise(3);
    const outs = run(series(1500, MIN, (i) => (i === 1300 ? 20 : 50 + 2 * g())));
    expect(itemAt(outs, 1300).score).toBeGreaterThan(0.6);
    expect(itemAt(outs, 1300).explanation.kind).toBe("dip");
  });

  it("detects a level shift within a few points and says since when", () => {
    const g = noise(4);
    const pts = series(2000, MIN, (i) => (i >= 1500 ? 58 : 50) + 2 * g());
    const outs = run(pts);
    const at = firstAlarm(outs, 1000, 0.6);
    expect(at).toBeGreaterThanOrEqual(1500);
    expect(at).toBeLessThan(1510);
    const e = itemAt(outs, at).explanation;
    expect(e.kind).toBe("level-shift");
    expect(e.since).toBeGreaterThanOrEqual(itemAt(pts, 1495).t);
    expect(e.since).toBeLessThanOrEqual(itemAt(pts, at).t);
    // One episode: after the first alarm the shift is not re-announced at full strength.
    const later = outs.slice(at + 20, at + 140).filter((o) => o.score >= 0.6).length;
    expect(later).toBeLessThan(3);
  });

  it("notices a metric that gets stuck (flatline)", () => {
    const g = noise(13);
    let last = 0;
    const pts = series(4000, MIN, (i) => (i < 3000 ? (last = 100 + 5 * g()) : last));
    const outs = run(pts);
    const at = firstAlarm(outs, 2900, 0.4);
    expect(at).toBeGreaterThan(3000);
    expect(at).toBeLessThan(3060);
    expect(itemAt(outs, at).explanation.kind).toBe("flatline");
    expect(Math.max(...outs.slice(300, 3000).map((o) => o.score))).toBeLessThan(0.5);
  });

  it("handles NaN values and gaps without breaking", () => {
    const g = noise(5);
    const pts = series(2000, MIN, (i) => (i % 50 === 7 ? Number.NaN : 30 + g()));
    // A two-hour gap in the timestamps.
    for (let i = 1000; i < pts.length; i++) itemAt(pts, i).t += 120 * MIN;
    itemAt(pts, 1800).value = 60;
    const outs = run(pts);
    const nan = outs.filter((_, i) => i % 50 === 7);
    expect(nan.every((o) => o.score === 0 && o.explanation.kind === "gap")).toBe(true);
    expect(itemAt(outs, 1000).score).toBeLessThan(0.5);
    expect(itemAt(outs, 1800).score).toBeGreaterThan(0.6);
    const others = outs.filter((_, i) => i > 100 && i !== 1800 && i % 50 !== 7);
    expect(Math.max(...others.map((o) => o.score))).toBeLessThan(0.6);
  });

  it("ignores late and duplicate timestamps", () => {
    const det = new AnomalyDetector();
    det.update(T0, 1);
    det.update(T0 + MIN, 1);
    expect(det.update(T0, 500).score).toBe(0);
    expect(det.update(T0 + MIN, 500).score).toBe(0);
    expect(det.count).toBe(2);
  });

  it("is online: appending points never changes the scores of a prefix", () => {
    const g = noise(6);
    const pts = series(3000, 5 * MIN, (i) => 100 + 10 * Math.sin((2 * Math.PI * i) / 288) + 3 * g() + (i > 2500 ? 40 : 0));
    const full = run(pts).map((o) => o.score);
    const prefix = run(pts.slice(0, 2600)).map((o) => o.score);
    expect(prefix).toEqual(full.slice(0, 2600));
  });

  it("learns daily seasonality: a normal day is quiet, a day without its daily peak is not", () => {
    const g = noise(7);
    const step = 5 * MIN;
    const day = 288;
    // Busy from 08:00 to 18:00 every day; on day 8 the busy period never comes.
    const value = (i: number) => {
      const phase = i % day;
      const busy = phase >= 96 && phase < 216 && Math.floor(i / day) !== 8;
      return (busy ? 80 : 20) + 2 * g();
    };
    const pts = series(day * 10, step, value);
    const outs = run(pts);
    const normalDays = outs.slice(day * 4, day * 8).map((o) => o.score);
    expect(Math.max(...normalDays)).toBeLessThan(0.5);
    const missing = firstAlarm(outs, day * 8, 0.5);
    expect(missing).toBeGreaterThanOrEqual(day * 8 + 96);
    expect(missing).toBeLessThan(day * 8 + 110);
    expect(itemAt(outs, missing).explanation.model).toBe("daily");
  });

  it("learns weekly seasonality: weekends are normal, a weekday without its business hours is not", () => {
    const g = noise(12);
    const day = 96; // 15-minute points
    // Weekdays busy 08:00-18:00, weekends quiet; on day 30 (a Wednesday) the busy period never comes.
    const value = (i: number) => {
      const d = Math.floor(i / day);
      const phase = i % day;
      const busy = d % 7 < 5 && phase >= 32 && phase < 72 && d !== 30;
      return (busy ? 100 : 30) + 3 * g();
    };
    const outs = run(series(day * 42, 15 * MIN, value));
    // Weeks 4 and 5 (weekly model in place) are quiet apart from day 30.
    const quiet = outs.slice(day * 22, day * 42).filter((_, k) => Math.floor((k + day * 22) / day) !== 30);
    expect(Math.max(...quiet.map((o) => o.score))).toBeLessThan(0.5);
    const at = firstAlarm(outs, day * 30, 0.6);
    expect(at).toBe(day * 30 + 32);
    expect(itemAt(outs, at).explanation.model).toBe("weekly");
    expect(itemAt(outs, at).explanation.kind).toBe("dip");
  });

  it("handles a sparse series: recurring bursts become normal, a much larger one is not", () => {
    const r = rng(8);
    const pts = series(4000, 5 * MIN, (i) => (i % 97 === 0 ? 2e8 * (0.8 + 0.4 * r()) : i === 3500 ? 2e9 : 0));
    const outs = run(pts);
    const routine = outs.filter((_, i) => i > 2000 && i % 97 === 0).map((o) => o.score);
    expect(Math.max(...routine)).toBeLessThan(0.5);
    expect(itemAt(outs, 3500).score).toBeGreaterThan(0.6);
  });

  it("catches a memory leak before an OOM threshold alert (90% of the limit) would fire", () => {
    for (const leakMiBPerMin of [1, 0.2]) {
      const g = noise(9);
      const limit = 512;
      const leakStart = 3 * 1440;
      const pts = series(6 * 1440, MIN, (i) => {
        const load = 1 + 0.08 * Math.sin((2 * Math.PI * i) / 1440);
        const leak = i >= leakStart ? leakMiBPerMin * (i - leakStart) : 0;
        return 256 * load * (1 + 0.01 * g()) + leak;
      });
      const oomAlert = pts.findIndex((p) => p.value >= 0.9 * limit);
      expect(oomAlert).toBeGreaterThan(leakStart);
      const outs = run(pts);
      expect(Math.max(...outs.slice(1440, leakStart).map((o) => o.score))).toBeLessThan(0.5);
      const detected = firstAlarm(outs, leakStart, 0.5);
      expect(detected).toBeGreaterThan(leakStart);
      // Well before the threshold alert: in the first tenth of the climb to it.
      expect(detected - leakStart).toBeLessThan((oomAlert - leakStart) / 10);
      expect(["drift", "level-shift", "spike"]).toContain(itemAt(outs, detected).explanation.kind);
      expect(itemAt(outs, detected).explanation.since).toBeGreaterThanOrEqual(itemAt(pts, leakStart).t);
    }
  });

  it("sees a large level shift at its full size even when lone spikes and small shifts are routine", () => {
    // Routine: lone spikes of +60 every 50 points, and the level stepping up by 6 for 40 points
    // every 300. Then the level moves by +50 and stays. Residuals clipped at a few spreads make
    // the big shift look like the routine small ones; medians of the recent residuals ignore the
    // lone spikes and keep the shift's size.
    const g = noise(14);
    const level = (i: number) => (i >= 2500 ? 60 : i % 300 < 40 ? 16 : 10);
    const pts = series(3000, 5 * MIN, (i) => level(i) + g() + (i % 50 === 25 ? 60 : 0));
    const outs = run(pts);
    const at = firstAlarm(outs, 2500, 0.6);
    expect(at).toBeGreaterThanOrEqual(2500);
    expect(at).toBeLessThan(2506);
    expect(itemAt(outs, at).explanation.kind).toBe("level-shift");
  });

  it("judges a seasonal residual against how noisy that phase of the day usually is", () => {
    // Quiet nights (noise +-2), busy days (noise +-8, uniform): the busy hours' ordinary misses
    // are not anomalies; a real dip during busy hours still is.
    const r = rng(15);
    const day = 288;
    const value = (i: number) => {
      const phase = i % day;
      const busy = phase >= 100 && phase < 200;
      if (i === day * 12 + 150) return 30;
      return busy ? 80 + 16 * (r() - 0.5) : 20 + 4 * (r() - 0.5);
    };
    const outs = run(series(day * 13, 5 * MIN, value));
    const normal = outs.slice(day * 5, day * 12).map((o) => o.score);
    expect(Math.max(...normal)).toBeLessThan(0.45);
    const dip = itemAt(outs, day * 12 + 150);
    expect(dip.score).toBeGreaterThan(0.5);
    expect(dip.explanation.model).toBe("daily");
    expect(dip.explanation.kind).toBe("dip");
    // The explanation keeps the deviation in the series' unit.
    expect(dip.explanation.deviation).toBeLessThan(-40);
  });

  it("one alarm per episode: repeats do not prolong the refractory period, a later anomaly is heard", () => {
    // A spike, then repeats of it every 40 points (each at the alarm level) inside the refractory
    // period, then a larger spike just after the period: a new alarm at full strength.
    const g = noise(16);
    const first = 2000;
    const det = new AnomalyDetector({ alarmSurprise: 4 });
    const second = first + det.options.refractory + 5;
    const pts = series(3000, 5 * MIN, (i) => {
      if (i === second) return 300;
      if (i >= first && i < second && (i - first) % 40 === 0) return 100;
      return 50 + 2 * g();
    });
    const outs = run(pts, det);
    expect(itemAt(outs, first).score).toBeGreaterThan(0.6);
    const repeats = outs.filter((_, i) => i > first && i < second && (i - first) % 40 === 0);
    expect(repeats.length).toBeGreaterThan(3);
    // The repeats are unusual (at the alarm level) but held below it.
    expect(Math.min(...repeats.map((o) => o.explanation.rawSurprise))).toBeGreaterThanOrEqual(4);
    expect(Math.max(...repeats.map((o) => o.score))).toBeLessThan(scoreOfSurprise(4));
    const later = itemAt(outs, second);
    expect(later.explanation.surprise).toBe(later.explanation.rawSurprise);
    expect(later.score).toBeGreaterThan(scoreOfSurprise(4));
  });

  it("an anomaly growing over its first points is one detection, not a string of escalations", () => {
    // A burst that grows for 8 points (the spike, then the short window filling up).
    const g = noise(18);
    const det = new AnomalyDetector();
    const pts = series(2500, 5 * MIN, (i) => 50 + 2 * g() + (i >= 2000 && i < 2008 ? 12 * (i - 1999) : 0));
    const outs = run(pts, det);
    const burst = outs.slice(2000, 2012);
    const alarms = burst.filter((o) => o.score >= scoreOfSurprise(det.options.alarmSurprise));
    expect(alarms).toHaveLength(1);
    // The undamped surprise did grow past an escalation (for the product's own episode logic).
    const first = itemAt(alarms, 0).explanation.rawSurprise;
    expect(Math.max(...burst.map((o) => o.explanation.rawSurprise))).toBeGreaterThan(first * det.options.escalationRatio);
  });

  it("a level shift is announced once: the drift feature's repeats belong to the episode for a whole lag", () => {
    const g = noise(17);
    const det = new AnomalyDetector();
    const { refractory, driftLag, alarmSurprise, refractoryDamping } = det.options;
    expect(driftLag).toBeGreaterThan(refractory);
    const pts = series(3000, 5 * MIN, (i) => (i >= 2000 ? 58 : 50) + 2 * g());
    const outs = run(pts, det);
    const at = firstAlarm(outs, 1500, 0.6);
    expect(at).toBeGreaterThanOrEqual(2000);
    expect(at).toBeLessThan(2010);
    // Past the ordinary refractory period the level still differs from a lag ago: the drift
    // feature keeps finding it unusual, and is damped as part of the same episode.
    const drift = outs.slice(at + refractory + 1, at + driftLag).filter((o) => o.explanation.feature === "drift");
    expect(drift.length).toBeGreaterThan(5);
    for (const o of drift) expect(o.explanation.surprise).toBeCloseTo(Math.min(o.explanation.rawSurprise, alarmSurprise) * refractoryDamping, 12);
    expect(outs.slice(at + 30, at + driftLag + 1).filter((o) => o.score >= scoreOfSurprise(alarmSurprise))).toHaveLength(0);
  });

  it("maps surprise to score and back", () => {
    expect(scoreOfSurprise(0)).toBe(0);
    expect(scoreOfSurprise(Math.log(1000))).toBeCloseTo(0.5, 1);
    expect(surpriseOfScore(scoreOfSurprise(12.5))).toBeCloseTo(12.5, 10);
  });
});
