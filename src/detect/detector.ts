import { SortedWindow } from "./rolling.ts";
import { DAY_MS, SeasonalNaive, WEEK_MS } from "./seasonal.ts";
import { gaussianSurprise, TailModel } from "./tail.ts";
import type { AnomalyKind, DetectorOutput, Explanation, OnlineDetector } from "./types.ts";
import { itemAt } from "../domain/indexed.ts";

/**
 * The online anomaly detector for one series (pure and stateful: feed points in time order).
 *
 * 1. Expected value: a rolling median of recent values ("level"), or, when the series repeats
 *    daily or weekly and that explains it clearly better, the median of the same time on the
 *    previous cycles plus the recent median offset from it ("daily", "weekly").
 * 2. Residual = value - expected; spread = a robust scale of recent residuals (IQR-based). Under a
 *    seasonal model the residual fed to the features is first divided by how far off that model
 *    usually is at this phase of the cycle, when that is more than the spread (busy hours are
 *    noisier than nights: their ordinary misses are not anomalies).
 * 3. Features, each a deviation in the series' unit: the point (spike or dip), the median of the
 *    last few and of the last couple of dozen residuals (level shift: a median ignores a lone
 *    spike yet keeps the full size of a real shift), the mean absolute residual (variance or
 *    burst density change), the change of the level over a long lag (slow drift, e.g. a memory
 *    leak climbing), and a mean absolute residual that is too small (a flatline: a stuck metric).
 * 4. Each feature is judged against its own recent history (TailModel: -ln of the empirical tail
 *    probability, extrapolated past the largest value seen) and, so that near-constant series do
 *    not alarm on noise, capped by a multiple of its Gaussian surprise in units of the spread. The
 *    most surprising feature (less ln of the number of features) is the point's surprise s.
 * 5. An alarm (s >= alarmSurprise) opens a refractory period in which repeats are held below the
 *    alarm level unless the anomaly clearly worsens (1.5 times the episode's peak surprise and at
 *    least 2 nats more), so one episode reads as one detection plus its escalations. The growth
 *    of the event over its first `maturing` points (a spike, then the short window filling up) is
 *    the same detection, not an escalation. Repeats do not extend the period, and the drift
 *    feature's repeats count as the episode for a whole drift lag (a level shift keeps the level
 *    away from its value a lag ago for that long).
 * 6. score = 1 - exp(-s / 10) in [0, 1]: 0.5 is about a one-in-a-thousand point, 0.9 one in 1e10.
 *
 * Uses only the current and earlier points: appending points never changes earlier scores.
 */
export interface DetectorOptions {
  /** Points in the rolling-median level. */
  levelWindow: number;
  /** Residuals kept for the robust spread (and for choosing a seasonal model). */
  spreadWindow: number;
  /** Feature values kept to judge rarity. */
  historyWindow: number;
  /** Short and long windows (points) of the mean-residual features. */
  shortWindow: number;
  longWindow: number;
  /** Window (points) of the mean-absolute-residual feature. */
  dispersionWindow: number;
  /** Window (points) of the too-quiet (flatline) feature. */
  flatWindow: number;
  /** Lag (points) of the drift feature. */
  driftLag: number;
  /** Points before the first non-zero score. */
  warmup: number;
  /** Surprise (nats) that counts as an alarm for the refractory logic. */
  alarmSurprise: number;
  /** Points after an alarm during which repeats are damped. */
  refractory: number;
  /** Factor applied to damped repeats. */
  refractoryDamping: number;
  /** A repeat counts as a new alarm when it beats the episode's peak by this many nats and by this ratio. */
  escalation: number;
  escalationRatio: number;
  /** Seasonal models to consider. */
  seasonal: { daily: boolean; weekly: boolean };
  /** Autocorrelation allowance dividing the Gaussian cap of window means. */
  autocorrelation: number;
  /** Points after an alarm during which the episode's growth is no escalation. */
  maturing: number;
  /** The Gaussian cap of the excess features is this multiple of their Gaussian surprise (nats). */
  gaussianCap: number;
  /** The same for the too-quiet (flatline) feature. */
  flatGaussianCap: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  levelWindow: 120,
  spreadWindow: 576,
  historyWindow: 2000,
  shortWindow: 6,
  longWindow: 24,
  dispersionWindow: 24,
  flatWindow: 48,
  driftLag: 288,
  warmup: 60,
  alarmSurprise: 6.5,
  refractory: 200,
  refractoryDamping: 0.5,
  escalation: 2,
  escalationRatio: 1.5,
  seasonal: { daily: true, weekly: true },
  autocorrelation: 2,
  maturing: 12,
  gaussianCap: 2,
  flatGaussianCap: 1,
};

export type BaselineModel = "level" | "daily" | "weekly";

/** Explanation plus which model and feature produced it (for charts and messages). */
export interface DetailedExplanation extends Explanation {
  model: BaselineModel;
  feature: Feature | undefined;
  /** Surprise in nats (-ln of the point's tail probability, after the refractory damping). */
  surprise: number;
  /** Surprise before the refractory damping. */
  rawSurprise: number;
}

export interface DetailedOutput extends DetectorOutput {
  explanation: DetailedExplanation;
}

/** Which feature made a point surprising. */
export type Feature = "spike" | "short" | "long" | "dispersion" | "drift" | "flat";
const FEATURES: readonly Feature[] = ["spike", "short", "long", "dispersion", "drift", "flat"];
const SPIKE = 0;
const SHORT = 1;
const LONG = 2;
const DISPERSION = 3;
const DRIFT = 4;
const FLAT = 5;
const LN_FEATURES = Math.log(FEATURES.length);
/** Lower bound of the tail extrapolation scale, in units of the feature's noise. */
const TAIL_SCALE_FLOOR = 0.5;
/** Residuals entering the window features are clipped at this many spreads. */
const CLIP = 4;
/** Surprise at which a run of unusual points starts (for `since`). */
const RUN_SURPRISE = 3;
/** A seasonal model is used when its mean absolute error is below ENTER times the level model's, and left above LEAVE times. */
const SEASONAL_ENTER = 0.7;
const SEASONAL_LEAVE = 0.85;
/** Median absolute error to standard deviation (Gaussian: 1 / 0.674). */
const SEASONAL_MISS_TO_SD = 1.48;

export function scoreOfSurprise(s: number): number {
  return s > 0 ? 1 - Math.exp(-s / 10) : 0;
}

/** Surprise (nats) for a score in [0, 1): the inverse of scoreOfSurprise. */
export function surpriseOfScore(score: number): number {
  return score <= 0 ? 0 : score >= 1 ? Number.POSITIVE_INFINITY : -10 * Math.log(1 - score);
}

function medianOrZero(w: SortedWindow | undefined): number {
  return w && w.size > 0 ? w.median() : 0;
}

/** Robust scale of a residual window: IQR/1.349, raised to half the 90% range/3.29 (heavy tails). */
function robustSpread(w: SortedWindow): number {
  if (w.size < 2) return Number.NaN;
  const iqr = (w.quantile(0.75) - w.quantile(0.25)) / 1.349;
  const r90 = (w.quantile(0.95) - w.quantile(0.05)) / 3.29;
  if (iqr > 0) return Math.max(iqr, 0.5 * r90);
  if (r90 > 0) return r90;
  return (w.quantile(0.995) - w.quantile(0.005)) / 5.15;
}

/** Fixed-size ring of the most recent numbers. */
class Ring {
  private readonly buf: Float64Array;
  private head = 0;
  size = 0;

  constructor(capacity: number) {
    this.buf = new Float64Array(Math.max(1, capacity));
  }

  get capacity(): number {
    return this.buf.length;
  }

  push(v: number): void {
    this.buf[this.head] = v;
    this.head = (this.head + 1) % this.buf.length;
    if (this.size < this.buf.length) this.size++;
  }

  /** k-th most recent (0 = newest). */
  back(k: number): number {
    const n = this.buf.length;
    return itemAt(this.buf, (((this.head - 1 - k) % n) + n) % n);
  }

  /** Median of the m most recent values (`scratch` holds at least m numbers). */
  median(m: number, scratch: Float64Array): number {
    for (let k = 0; k < m; k++) scratch[k] = this.back(k);
    const a = scratch.subarray(0, m).sort();
    const h = m >> 1;
    return m % 2 ? itemAt(a, h) : (itemAt(a, h - 1) + itemAt(a, h)) / 2;
  }

  meanAbs(m: number): number {
    let s = 0;
    for (let k = 0; k < m; k++) s += Math.abs(this.back(k));
    return s / m;
  }
}

interface ModelState {
  residuals: SortedWindow;
  spread: number;
  /** Sum of |residual| over the window: the mean absolute error decides between models. */
  sumAbs: number;
}

export class AnomalyDetector implements OnlineDetector {
  readonly options: DetectorOptions;
  private readonly level: SortedWindow;
  private readonly levels: Ring;
  /** Residuals clipped at CLIP spreads (dispersion and flatline features). */
  private readonly residuals: Ring;
  /** Residuals as they are (level-shift features, which take their median). */
  private readonly unclipped: Ring;
  private readonly scratch: Float64Array;
  private readonly tails: TailModel[];
  private readonly models: Record<BaselineModel, ModelState>;
  private readonly offsets: Partial<Record<BaselineModel, SortedWindow>> = {};
  private readonly seasonal: Partial<Record<BaselineModel, SeasonalNaive>> = {};
  private readonly pending: Ring[];
  private readonly fv = new Float64Array(FEATURES.length);
  private readonly fu = new Float64Array(FEATURES.length);
  private readonly fc = new Float64Array(FEATURES.length);
  private readonly fok = new Uint8Array(FEATURES.length);
  private current: BaselineModel = "level";
  private switchedAt = Number.NEGATIVE_INFINITY;
  private readonly deltas: number[] = [];
  private interval = Number.NaN;
  private lastT = Number.NEGATIVE_INFINITY;
  private n = 0;
  private lastAlarm = Number.NEGATIVE_INFINITY;
  private peak = 0;
  private runStart: number | undefined;
  private runKind: AnomalyKind = "none";

  constructor(options: Partial<DetectorOptions> = {}) {
    this.options = { ...DEFAULT_DETECTOR_OPTIONS, ...options, seasonal: { ...DEFAULT_DETECTOR_OPTIONS.seasonal, ...options.seasonal } };
    const o = this.options;
    this.level = new SortedWindow(o.levelWindow);
    this.levels = new Ring(o.driftLag + 1);
    // How late each feature joins its own history (see update).
    const delay = [1, o.shortWindow, o.longWindow, o.dispersionWindow, Math.max(1, Math.floor(o.driftLag / 2)), o.flatWindow];
    this.pending = delay.map((d) => new Ring(d));
    this.residuals = new Ring(Math.max(o.shortWindow, o.longWindow, o.dispersionWindow, o.flatWindow));
    this.unclipped = new Ring(Math.max(o.shortWindow, o.longWindow));
    this.scratch = new Float64Array(Math.max(o.shortWindow, o.longWindow));
    this.tails = FEATURES.map(() => new TailModel(o.historyWindow));
    const model = (): ModelState => ({ residuals: new SortedWindow(o.spreadWindow, true), spread: Number.NaN, sumAbs: 0 });
    this.models = { level: model(), daily: model(), weekly: model() };
  }

  /** Points accepted so far. */
  get count(): number {
    return this.n;
  }

  /** Estimated sampling interval (ms), NaN until known. */
  get intervalMs(): number {
    return this.interval;
  }

  update(timestampMs: number, value: number): DetailedOutput {
    if (!Number.isFinite(value) || !Number.isFinite(timestampMs)) return this.quiet("gap", Number.NaN);
    // Late or duplicate points cannot be placed in an online stream: ignore them.
    if (timestampMs <= this.lastT) return this.quiet("none", value);
    this.learnInterval(timestampMs);
    const o = this.options;

    // 1. Expected value under each model (NaN where a model has nothing yet).
    const levelBase = this.level.size > 0 ? this.level.median() : Number.NaN;
    const dailyRaw = this.seasonal.daily ? this.seasonal.daily.predict(timestampMs) : Number.NaN;
    const weeklyRaw = this.seasonal.weekly ? this.seasonal.weekly.predict(timestampMs) : Number.NaN;
    const dailyBase = dailyRaw + medianOrZero(this.offsets.daily);
    const weeklyBase = weeklyRaw + medianOrZero(this.offsets.weekly);
    const previous = this.current;
    this.chooseModel();
    // Feature histories are in the unit of one model's residuals: refill them when it changes
    // (a level model's lag at every daily transition is not a seasonal miss).
    if (this.current !== previous) this.rebuildHistory(this.current);
    let model: BaselineModel = this.current;
    let expected = model === "daily" ? dailyBase : model === "weekly" ? weeklyBase : levelBase;
    if (Number.isNaN(expected)) {
      model = "level";
      expected = levelBase;
    }
    const deviation = value - expected;
    const floor = 1e-6 * Math.max(Math.abs(levelBase) || 0, 1e-3);
    const spread = Math.max(this.models[model].spread || 0, floor);
    const z = Number.isFinite(deviation) ? deviation / spread : 0;
    // Under a seasonal model, a phase where the model usually misses by more than the spread (a
    // noisy busy hour) has its residual scaled down to the spread's terms.
    let r = deviation;
    if (model !== "level") {
      const usualMiss = SEASONAL_MISS_TO_SD * (this.seasonal[model]?.missAt(timestampMs) ?? Number.NaN);
      if (usualMiss > spread) r = (deviation * spread) / usualMiss;
    }

    // 2. Features and their surprise.
    let surprise = 0;
    let feature = -1;
    // Window features see residuals clipped at CLIP spreads: a lone spike is the spike feature's
    // business and must not read as a level or variance change for the next few dozen points.
    if (Number.isFinite(r)) {
      this.residuals.push(Math.max(-CLIP * spread, Math.min(CLIP * spread, r)));
      this.unclipped.push(r);
    }
    if (this.n >= o.warmup && Number.isFinite(r)) {
      const ac = o.autocorrelation;
      const res = this.residuals;
      // Per feature: value in the series' unit, its noise unit (the feature's spread under
      // Gaussian noise, with an allowance for autocorrelation) and its Gaussian-null centre.
      const fv = this.fv;
      const fu = this.fu;
      const fc = this.fc;
      const ok = this.fok;
      ok.fill(0);
      fv[SPIKE] = Math.abs(r);
      fu[SPIKE] = spread;
      fc[SPIKE] = 0;
      ok[SPIKE] = 1;
      if (res.size >= o.shortWindow) {
        fv[SHORT] = Math.abs(this.unclipped.median(o.shortWindow, this.scratch));
        fu[SHORT] = (spread * ac) / Math.sqrt(o.shortWindow);
        fc[SHORT] = 0;
        ok[SHORT] = 1;
      }
      if (res.size >= o.longWindow) {
        fv[LONG] = Math.abs(this.unclipped.median(o.longWindow, this.scratch));
        fu[LONG] = (spread * ac) / Math.sqrt(o.longWindow);
        fc[LONG] = 0;
        ok[LONG] = 1;
      }
      if (res.size >= o.dispersionWindow) {
        fv[DISPERSION] = res.meanAbs(o.dispersionWindow);
        fu[DISPERSION] = (spread * ac) / Math.sqrt(o.dispersionWindow);
        fc[DISPERSION] = 0.8 * spread; // mean |z| of Gaussian noise
        ok[DISPERSION] = 1;
      }
      if (this.levels.size > o.driftLag && Number.isFinite(levelBase)) {
        fv[DRIFT] = Math.abs(levelBase - this.levels.back(o.driftLag - 1));
        fu[DRIFT] = spread * ac;
        fc[DRIFT] = 0;
        ok[DRIFT] = 1;
      }
      if (res.size >= o.flatWindow) {
        // Too quiet: the mean absolute residual over a long window, as a lower tail (negated).
        const v = res.meanAbs(o.flatWindow);
        fv[FLAT] = -v;
        fu[FLAT] = (0.6 * spread * ac) / Math.sqrt(o.flatWindow); // sd of |z| is 0.6
        fc[FLAT] = -0.8 * spread;
        ok[FLAT] = 1;
      }
      for (const [f, tail] of this.tails.entries()) {
        if (!ok[f]) continue;
        const v = itemAt(fv, f);
        const u = itemAt(fu, f);
        const gz = Math.max(v - itemAt(fc, f), 0) / u;
        const cap = (f === FLAT ? o.flatGaussianCap : o.gaussianCap) * gaussianSurprise(gz);
        const s = Math.min(tail.surprise(v, TAIL_SCALE_FLOOR * u), cap);
        if (s > surprise) {
          surprise = s;
          feature = f;
        }
      }
      surprise = Math.max(0, surprise - LN_FEATURES);
      // A feature joins its own history only once its window no longer overlaps the current
      // one (the drift feature half a lag late): a shift or a climb is judged against the time
      // before it, not against its own last steps.
      for (const [f, tail] of this.tails.entries()) {
        if (!ok[f]) continue;
        const q = itemAt(this.pending, f);
        q.push(itemAt(fv, f));
        if (q.size >= q.capacity) tail.push(q.back(q.capacity - 1));
      }
    }

    // 3. Episodes: refractory damping, and when the run of unusual points started.
    const raw = surprise;
    // A level shift keeps the level away from its value a drift lag ago for that whole lag: the
    // drift feature's repeats belong to the episode that long.
    const refractory = feature === DRIFT ? Math.max(o.refractory, o.driftLag) : o.refractory;
    const since = this.n - this.lastAlarm;
    if (since <= refractory) {
      if (since < o.maturing) {
        // The event that raised the alarm is still filling the longer windows (spike, then
        // short, then long): its growth is the same detection, not an escalation.
        surprise = Math.min(raw, o.alarmSurprise) * o.refractoryDamping;
      } else if (raw > this.peak + o.escalation && raw > this.peak * o.escalationRatio) {
        this.peak = raw;
        this.lastAlarm = this.n;
      } else {
        // Repeats stay below the alarm level and do not prolong the episode: one episode reads as
        // one detection, and a new anomaly after the refractory period is not muted.
        surprise = Math.min(raw, o.alarmSurprise) * o.refractoryDamping;
      }
    } else if (raw >= o.alarmSurprise) {
      this.lastAlarm = this.n;
      this.peak = raw;
    }
    const featureName = FEATURES[feature];
    const kind = featureName ? kindOf(featureName, r, model) : "none";
    if (raw >= RUN_SURPRISE) {
      if (this.runStart === undefined) {
        this.runStart = timestampMs;
        this.runKind = kind;
      } else if (PERSISTENCE[kind] > PERSISTENCE[this.runKind]) {
        // A run that started as a spike and goes on is a shift (or a drift): say so.
        this.runKind = kind;
      }
    } else {
      this.runStart = undefined;
      this.runKind = "none";
    }

    // 4. Learn from this point (after scoring it).
    this.level.push(value);
    this.levels.push(levelBase);
    this.learnResidual(this.models.level, value - levelBase);
    this.learnResidual(this.models.daily, value - dailyBase);
    this.learnResidual(this.models.weekly, value - weeklyBase);
    if (!Number.isNaN(dailyRaw)) this.offsetWindow("daily").push(value - dailyRaw);
    if (!Number.isNaN(weeklyRaw)) this.offsetWindow("weekly").push(value - weeklyRaw);
    this.seasonal.daily?.add(timestampMs, value);
    this.seasonal.weekly?.add(timestampMs, value);
    this.seasonal.daily?.addMiss(timestampMs, Math.abs(value - dailyBase));
    this.seasonal.weekly?.addMiss(timestampMs, Math.abs(value - weeklyBase));
    this.lastT = timestampMs;
    this.n++;

    const anomalous = raw >= RUN_SURPRISE;
    return {
      score: scoreOfSurprise(surprise),
      explanation: {
        baseline: expected,
        deviation,
        spread,
        z,
        since: anomalous ? this.runStart : undefined,
        kind: anomalous ? (this.runKind === "none" ? kind : this.runKind) : "none",
        model,
        feature: anomalous && feature >= 0 ? FEATURES[feature] : undefined,
        surprise,
        rawSurprise: raw,
      },
    };
  }

  /**
   * Refill the residual-based feature histories from the new model's recent residuals (the drift
   * feature does not depend on the model and keeps its history).
   */
  private rebuildHistory(model: BaselineModel): void {
    const o = this.options;
    const w = this.models[model].residuals;
    const tail = (f: number) => itemAt(this.tails, f, "feature");
    for (const f of [SPIKE, SHORT, LONG, DISPERSION, FLAT]) tail(f).clear();
    const ring = new Ring(Math.max(o.shortWindow, o.longWindow, o.dispersionWindow, o.flatWindow));
    for (let i = 0; i < w.size; i++) {
      const r = w.at(i);
      ring.push(r);
      tail(SPIKE).push(Math.abs(r));
      if (ring.size >= o.shortWindow) tail(SHORT).push(Math.abs(ring.median(o.shortWindow, this.scratch)));
      if (ring.size >= o.longWindow) tail(LONG).push(Math.abs(ring.median(o.longWindow, this.scratch)));
      if (ring.size >= o.dispersionWindow) tail(DISPERSION).push(ring.meanAbs(o.dispersionWindow));
      if (ring.size >= o.flatWindow) tail(FLAT).push(-ring.meanAbs(o.flatWindow));
    }
    for (let k = ring.size - 1; k >= 0; k--) {
      this.residuals.push(ring.back(k));
      this.unclipped.push(ring.back(k));
    }
  }

  private learnResidual(st: ModelState, res: number): void {
    if (Number.isNaN(res)) return;
    const v = Math.fround(res);
    if (st.residuals.size === st.residuals.capacity) st.sumAbs -= Math.abs(st.residuals.at(0));
    st.residuals.push(v);
    st.sumAbs += Math.abs(v);
  }

  private quiet(kind: AnomalyKind, value: number): DetailedOutput {
    const expected = this.level.size > 0 ? this.level.median() : Number.NaN;
    return {
      score: 0,
      explanation: {
        baseline: expected,
        deviation: value - expected,
        spread: this.models.level.spread,
        z: 0,
        since: undefined,
        kind,
        model: "level",
        feature: undefined,
        surprise: 0,
        rawSurprise: 0,
      },
    };
  }

  private offsetWindow(m: BaselineModel): SortedWindow {
    let w = this.offsets[m];
    if (!w) {
      w = new SortedWindow(this.options.levelWindow);
      this.offsets[m] = w;
    }
    return w;
  }

  private learnInterval(t: number): void {
    if (Number.isFinite(this.lastT) && this.deltas.length < 64) {
      this.deltas.push(t - this.lastT);
      const s = [...this.deltas].sort((a, b) => a - b);
      this.interval = itemAt(s, (s.length - 1) >> 1);
      // Seasonal memories start once the interval is known well enough, and only for periods
      // that hold a reasonable number of points.
      if (this.deltas.length === 16) {
        const o = this.options.seasonal;
        if (o.daily && DAY_MS / this.interval >= 12) this.seasonal.daily = new SeasonalNaive(DAY_MS, 3, this.interval);
        if (o.weekly && WEEK_MS / this.interval >= 28) this.seasonal.weekly = new SeasonalNaive(WEEK_MS, 2, this.interval, 2048);
      }
    }
  }

  /**
   * Refresh spreads and pick the baseline model: a seasonal model is used when its mean absolute
   * error over the residual window is clearly below the level model's (entered below 0.7 times,
   * left above 0.85 times), and a choice is kept for at least a quarter of that window.
   */
  private chooseModel(): void {
    const o = this.options;
    const minResiduals = o.spreadWindow;
    for (const m of ["level", "daily", "weekly"] as const) {
      const st = this.models[m];
      st.spread = st.residuals.size >= 2 ? robustSpread(st.residuals) : Number.NaN;
    }
    if (this.n - this.switchedAt < o.spreadWindow / 4 && this.models[this.current].residuals.size > 0) return;
    const mae = (m: BaselineModel) => {
      const st = this.models[m];
      return st.residuals.size >= minResiduals ? st.sumAbs / st.residuals.size : Number.NaN;
    };
    const level = mae("level");
    let best: BaselineModel = "level";
    let bestMae = level;
    for (const m of ["daily", "weekly"] as const) {
      const e = mae(m);
      if (e < bestMae) {
        best = m;
        bestMae = e;
      }
    }
    let next = this.current;
    if (this.current === "level") {
      if (best !== "level" && bestMae < SEASONAL_ENTER * level) next = best;
    } else {
      const cur = mae(this.current);
      if (!(cur <= SEASONAL_LEAVE * level)) next = best !== "level" && bestMae < SEASONAL_ENTER * level ? best : "level";
      else if (best !== this.current && bestMae < SEASONAL_LEAVE * cur) next = best;
    }
    if (next !== this.current) {
      this.current = next;
      this.switchedAt = this.n;
    }
  }
}

/** How lasting a kind of anomaly is: a run is named after the most lasting kind seen in it. */
const PERSISTENCE: Record<AnomalyKind, number> = { none: 0, gap: 0, spike: 1, dip: 1, variance: 2, flatline: 2, "level-shift": 3, seasonal: 3, drift: 4 };

function kindOf(feature: Feature, r: number, model: BaselineModel): AnomalyKind {
  switch (feature) {
    case "spike":
      return r >= 0 ? "spike" : "dip";
    case "short":
    case "long":
      return model === "level" ? "level-shift" : "seasonal";
    case "dispersion":
      return "variance";
    case "drift":
      return "drift";
    case "flat":
      return "flatline";
  }
}
