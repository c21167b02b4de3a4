import { AnomalyDetector, scoreOfSurprise } from "./detector.ts";
import type { DetailedExplanation, DetectorOptions } from "./detector.ts";
import { inQuietHours, thresholdFor } from "./sli-config.ts";
import type { ResolvedSli } from "./sli-config.ts";

/**
 * Holds one online detector per series (SLI) and turns scores into findings (pure, no I/O):
 * the poller feeds the points it fetched; a point whose score reaches the SLI's threshold (from its
 * sensitivity), in the SLI's direction, becomes an AnomalyFinding carrying the explanation and the
 * recent points for the chart. The score used here is the detector's undamped one (its own
 * refractory logic is tuned for benchmark scoring; episodes are handled here, per SLI threshold).
 * One episode gives one finding: later anomalous points of the same
 * episode give nothing unless the score climbs by `escalationStep` (then a finding marked
 * `escalation`). An episode ends after `closeAfterMs` without unusual points, or once the series is
 * back in its usual range for `recoverAfterMs` (its metrics are back to normal). Quiet hours do not
 * drop findings: they are marked `quiet` (and never `page`), the caller decides what to post.
 */
export interface SeriesPoint {
  t: number;
  value: number;
}

export interface ChartPoint {
  t: number;
  value: number;
  /** Expected value and spread at that point (NaN while unknown): a band for charts. */
  baseline: number;
  spread: number;
  score: number;
}

export interface AnomalyFinding {
  key: string;
  service: string;
  sli: string;
  /** Time of the point that crossed the threshold (epoch ms). */
  at: number;
  score: number;
  threshold: number;
  explanation: DetailedExplanation;
  /** Recent points of the series, oldest first, ending at `at`. */
  points: ChartPoint[];
  /** Inside the SLI's quiet hours. */
  quiet: boolean;
  /** Configured to page (and not in quiet hours). */
  page: boolean;
  /** Re-raised because an episode already reported got worse. */
  escalation: boolean;
}

export interface DetectionServiceOptions {
  detector?: Partial<DetectorOptions>;
  /** Points kept per series for charts (default 360). */
  keepPoints?: number;
  /** An episode is over after this long without an unusual point (default 1 h). */
  closeAfterMs?: number;
  /** Score increase that re-raises an open episode (default 0.15). */
  escalationStep?: number;
  /**
   * An episode is also over once the series has been back in its usual range (as it was when the
   * episode began) for this long (default 10 min): the metrics are back to normal, however long the
   * detector itself takes to stop calling the points unusual (its baseline moved during the episode).
   */
  recoverAfterMs?: number;
}

/** What an episode remembers of the series' usual range when it began, to tell when it is back in it. */
interface Episode {
  since: number;
  lastUnusualAt: number;
  peak: number;
  /** Usual level and spread just before the episode. */
  usual: number;
  spread: number;
  /** First point of the current run back in the usual range. */
  normalSince?: number;
}

interface SeriesState {
  sli: ResolvedSli;
  detector: AnomalyDetector;
  points: ChartPoint[];
  episode?: Episode;
  /**
   * The usual range of an episode that ended because the series came back to it, for an hour after:
   * the detector, whose baseline moved during the episode, may still call a normal point unusual
   * (it takes the return for a level shift); such a point opens no new episode (no resolve/reopen loop).
   */
  recovered?: { usual: number; spread: number; until: number };
}

export class DetectionService {
  private readonly series = new Map<string, SeriesState>();
  private readonly slis = new Map<string, ResolvedSli>();
  private readonly keep: number;
  private readonly closeAfterMs: number;
  private readonly escalationStep: number;
  private readonly recoverAfterMs: number;
  private readonly detectorOptions: Partial<DetectorOptions>;

  constructor(slis: readonly ResolvedSli[] = [], opts: DetectionServiceOptions = {}) {
    for (const s of slis) this.slis.set(s.key, s);
    this.keep = Math.max(2, opts.keepPoints ?? 360);
    this.closeAfterMs = opts.closeAfterMs ?? 3_600_000;
    this.escalationStep = opts.escalationStep ?? 0.15;
    this.recoverAfterMs = opts.recoverAfterMs ?? 10 * 60_000;
    this.detectorOptions = opts.detector ?? {};
  }

  /** Configured series keys ("service/sli"). */
  keys(): string[] {
    return [...this.slis.keys()];
  }

  sli(key: string): ResolvedSli | undefined {
    return this.slis.get(key);
  }

  /** Number of series with a live detector. */
  get size(): number {
    return this.series.size;
  }

  /**
   * Sets (or replaces) the settings of a series key, e.g. for the several series one query returns
   * ("checkout/p99{pod=…}"); a live detector keeps its state.
   */
  define(sli: ResolvedSli): void {
    this.slis.set(sli.key, sli);
    const st = this.series.get(sli.key);
    if (st) st.sli = sli;
  }

  /** The open episode of a series (a finding was made and it has not been quiet for closeAfterMs), if any. */
  episode(key: string): { since: number; lastUnusualAt: number; peak: number } | undefined {
    const e = this.series.get(key)?.episode;
    return e ? { since: e.since, lastUnusualAt: e.lastUnusualAt, peak: e.peak } : undefined;
  }

  /** The points kept for a series' chart (oldest first), up to the newest fed. */
  recent(key: string): ChartPoint[] {
    return [...(this.series.get(key)?.points ?? [])];
  }

  /** Forget a series' state (e.g. after a deploy changed its behaviour on purpose). */
  reset(key: string): void {
    this.series.delete(key);
  }

  /**
   * Feed new points of one series (any order; each is used once, older or repeated timestamps
   * are ignored). Unknown keys ("service/sli") get default settings (medium, both directions).
   */
  observe(key: string, points: readonly SeriesPoint[]): AnomalyFinding[] {
    const st = this.state(key);
    const findings: AnomalyFinding[] = [];
    const sorted = [...points].sort((a, b) => a.t - b.t);
    for (const p of sorted) {
      const f = this.step(st, p);
      if (f) findings.push(f);
    }
    return findings;
  }

  private state(key: string): SeriesState {
    let st = this.series.get(key);
    if (!st) {
      const sli = this.slis.get(key) ?? defaultSli(key);
      st = { sli, detector: new AnomalyDetector(this.detectorOptions), points: [] };
      this.series.set(key, st);
    }
    return st;
  }

  private step(st: SeriesState, p: SeriesPoint): AnomalyFinding | undefined {
    const before = st.detector.count;
    const out = st.detector.update(p.t, p.value);
    if (st.detector.count === before) return undefined; // ignored (late, duplicate or missing value)
    const e = out.explanation;
    const score = scoreOfSurprise(e.rawSurprise);
    st.points.push({ t: p.t, value: p.value, baseline: e.baseline, spread: e.spread, score });
    if (st.points.length > this.keep) st.points.splice(0, st.points.length - this.keep);

    const sli = st.sli;
    const rightWay = sli.direction === "both" || (sli.direction === "up" ? e.deviation > 0 : e.deviation < 0);
    if (e.since !== undefined && rightWay && st.episode) st.episode.lastUnusualAt = p.t;
    if (st.episode && p.t - st.episode.lastUnusualAt > this.closeAfterMs) st.episode = undefined;
    if (st.episode) {
      const ep = st.episode;
      if (backInUsualRange(sli, p.value, ep)) ep.normalSince ??= p.t;
      else ep.normalSince = undefined;
      if (ep.normalSince !== undefined && p.t - ep.normalSince >= this.recoverAfterMs) {
        st.episode = undefined;
        st.recovered = { usual: ep.usual, spread: ep.spread, until: p.t + this.closeAfterMs };
      }
    }
    if (!(score >= sli.threshold) || !rightWay || !significant(sli, e.deviation, e.baseline)) return undefined;

    let escalation = false;
    if (!st.episode && st.recovered && p.t <= st.recovered.until && backInUsualRange(sli, p.value, st.recovered)) return undefined;
    const since = significantSince(sli, st.points, e.since ?? p.t);
    if (!st.episode) {
      st.episode = { since, lastUnusualAt: p.t, peak: score, usual: e.baseline, spread: e.spread };
    } else if (score >= st.episode.peak + this.escalationStep) {
      st.episode.peak = score;
      st.episode.lastUnusualAt = p.t;
      escalation = true;
    } else {
      st.episode.lastUnusualAt = p.t;
      return undefined;
    }
    const quiet = inQuietHours(sli.quietHours, p.t);
    return {
      key: sli.key,
      service: sli.service,
      sli: sli.name,
      at: p.t,
      score,
      threshold: sli.threshold,
      explanation: { ...e, since },
      points: st.points.slice(),
      quiet,
      page: sli.page && !quiet,
      escalation,
    };
  }
}

/**
 * Whether a value is back in the range the series kept before the episode: within three of its
 * spreads of its usual level (and of the SLI's floors), on the side the SLI cares about.
 */
function backInUsualRange(sli: ResolvedSli, value: number, ep: { usual: number; spread: number }): boolean {
  if (!Number.isFinite(ep.usual) || !Number.isFinite(value)) return false;
  const band = Math.max(3 * (Number.isFinite(ep.spread) ? ep.spread : 0), sli.minDeviation ?? 0, (sli.minRelativeDeviation ?? 0) * Math.abs(ep.usual), 0.05 * Math.abs(ep.usual));
  const d = value - ep.usual;
  return sli.direction === "up" ? d <= band : sli.direction === "down" ? -d <= band : Math.abs(d) <= band;
}

/**
 * When the run of unusual points that ends with the newest of `points` began to matter: its first
 * point from which on every deviation clears the SLI's floors, in the direction it cares about.
 * The detector's run may begin with a statistically surprising but tiny wobble (checkout's error
 * ratio 0.589 % vs 0.582 % from 17:54, then 30 % failing from 18:03 under inventory's deploy of
 * 18:01): dated from the wobble, the anomaly made checkout look failing before the deploy and 8
 * minutes before inventory, so the fault was grouped as two incidents (bad-deploy#1). The floors
 * keep such wobbles from opening incidents; they keep them from dating one too. An SLI without
 * floors keeps the detector's run start, as does a run longer than the points kept.
 */
function significantSince(sli: ResolvedSli, points: readonly ChartPoint[], runStart: number): number {
  if (sli.minDeviation === undefined && sli.minRelativeDeviation === undefined) return runStart;
  let since: number | undefined;
  for (let i = points.length - 1; i >= 0; i--) {
    const q = points[i]!;
    if (q.t < runStart) return since ?? runStart;
    const d = q.value - q.baseline;
    const rightWay = sli.direction === "both" || (sli.direction === "up" ? d > 0 : d < 0);
    if (!rightWay || !significant(sli, d, q.baseline)) return since ?? runStart;
    since = q.t;
  }
  return runStart;
}

/** Whether a deviation is large enough to matter (the SLI's optional floors). */
function significant(sli: ResolvedSli, deviation: number, baseline: number): boolean {
  if (sli.minDeviation === undefined && sli.minRelativeDeviation === undefined) return true;
  const floor = Math.max(sli.minDeviation ?? 0, (sli.minRelativeDeviation ?? 0) * Math.abs(Number.isFinite(baseline) ? baseline : 0));
  return Math.abs(deviation) >= floor;
}

function defaultSli(key: string): ResolvedSli {
  const slash = key.indexOf("/");
  const service = slash > 0 ? key.slice(0, slash) : key;
  const name = slash > 0 ? key.slice(slash + 1) : key;
  return {
    key,
    service,
    name,
    source: { kind: "prometheus", query: "", stepSeconds: 60 },
    direction: "both",
    sensitivity: "medium",
    threshold: thresholdFor("medium"),
    page: false,
  };
}
