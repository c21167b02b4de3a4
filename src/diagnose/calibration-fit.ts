import { reliability } from "./evaluate.ts";

/**
 * Fitting and cross-validating the leader-confidence mapping (pure). A case is what the engine's
 * confidence is computed from (the leader's relative score margin and its own-evidence strength),
 * whether the leader was right, and the group it belongs to (a system or a data regime).
 *
 * The mapping is P(right) = σ(a + b·√margin), capped as in calibration.ts. It is fitted by weighted
 * logistic regression (Newton's method) with
 * - every group weighing the same in total, so the largest regime does not set the curve for the
 *   others, and
 * - a ridge penalty on (a, b) pulling toward the uninformed σ(0) = 0.5, so that a group whose leaders
 *   are nearly always right does not push the curve to its ceiling.
 * `crossValidate` holds one group out at a time, fits on the others and scores the held-out group:
 * the figure that says how the mapping does on a system it was not fitted on.
 */

export interface CalibrationCase {
  id: string;
  group: string;
  margin: number;
  strength: number;
  correct: boolean;
}

export interface LogisticFit {
  a: number;
  b: number;
}

export interface FitOptions {
  /** Each group the same total weight (default true). */
  balanceGroups?: boolean;
  /** Ridge penalty on the slope b, relative to the total weight (default 0.02). */
  ridge?: number;
  /** Penalise the intercept a as well (toward σ(0) = 0.5) (default false: only the slope shrinks, toward the base rate). */
  ridgeIntercept?: boolean;
  /** Cases with a smaller margin are left out of the fit (a tie rule predicts them: Caps.closeMargin). */
  minMargin?: number;
}

export interface Caps {
  ceiling: number;
  thinBase: number;
  /** Below this margin the runner-up is as likely: the leader gets at most its share s1 / (s1 + s2) = 1 / (2 - m). */
  closeMargin?: number;
}

export const DEFAULT_FIT: Required<FitOptions> = { balanceGroups: true, ridge: 0.02, ridgeIntercept: false, minMargin: 0 };

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const feature = (margin: number): number => Math.sqrt(Math.min(1, Math.max(0, margin)));

/** The mapping: σ(a + b·√m), capped at the ceiling and at thinBase + strength. */
export function mappedConfidence(fit: LogisticFit, caps: Caps, margin: number, strength: number): number {
  const m = Math.min(1, Math.max(0, margin));
  const p = sigmoid(fit.a + fit.b * feature(m));
  const close = caps.closeMargin !== undefined && m < caps.closeMargin ? 1 / (2 - m) : 1;
  return Math.max(0, Math.min(p, close, caps.ceiling, caps.thinBase + Math.min(1, Math.max(0, strength))));
}

function weightsOf(cases: readonly CalibrationCase[], balance: boolean): number[] {
  if (!balance) return cases.map(() => 1);
  const size = new Map<string, number>();
  for (const c of cases) size.set(c.group, (size.get(c.group) ?? 0) + 1);
  const groups = size.size;
  // Total weight stays the number of cases; each group gets cases / groups of it.
  return cases.map((c) => cases.length / groups / (size.get(c.group) ?? 1));
}

/** Weighted, ridge-penalised logistic regression of `correct` on √margin. */
export function fitLogistic(all: readonly CalibrationCase[], options: FitOptions = {}): LogisticFit {
  const o = { ...DEFAULT_FIT, ...options };
  const cases = all.filter((c) => c.margin >= o.minMargin);
  const w = weightsOf(cases, o.balanceGroups);
  const total = w.reduce((s, x) => s + x, 0);
  const lambda = o.ridge * total;
  const lambdaA = o.ridgeIntercept ? lambda : 0;
  let a = 0;
  let b = 0;
  for (let iter = 0; iter < 50; iter++) {
    // Gradient and Hessian of the penalised negative log-likelihood.
    let ga = lambdaA * a;
    let gb = lambda * b;
    let haa = lambdaA;
    let hab = 0;
    let hbb = lambda;
    cases.forEach((c, i) => {
      const x = feature(c.margin);
      const p = sigmoid(a + b * x);
      const wi = w[i] ?? 1;
      const r = wi * (p - (c.correct ? 1 : 0));
      const v = wi * p * (1 - p);
      ga += r;
      gb += r * x;
      haa += v;
      hab += v * x;
      hbb += v * x * x;
    });
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-12)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}

export interface CrossValidation {
  /** Held-out confidence of every case. */
  predictions: Array<{ id: string; group: string; confidence: number; correct: boolean }>;
  /** ECE and Brier of the pooled held-out predictions. */
  ece: number;
  brier: number;
  /** Per held-out group. */
  perGroup: Record<string, { cases: number; ece: number }>;
}

/** Leave one group out: fit on the other groups, predict the held-out one. */
export function crossValidate(cases: readonly CalibrationCase[], caps: Caps, options: FitOptions = {}): CrossValidation {
  const groups = [...new Set(cases.map((c) => c.group))];
  const predictions: CrossValidation["predictions"] = [];
  const perGroup: CrossValidation["perGroup"] = {};
  for (const g of groups) {
    const fit = fitLogistic(
      cases.filter((c) => c.group !== g),
      { minMargin: caps.closeMargin ?? 0, ...options },
    );
    const held = cases.filter((c) => c.group === g).map((c) => ({ id: c.id, group: g, confidence: mappedConfidence(fit, caps, c.margin, c.strength), correct: c.correct }));
    predictions.push(...held);
    perGroup[g] = { cases: held.length, ece: reliability(held).ece };
  }
  const r = reliability(predictions);
  return { predictions, ece: r.ece, brier: r.brier, perGroup };
}
