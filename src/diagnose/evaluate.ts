/**
 * Evaluation of rankings against known root causes: top-k accuracy, Avg@5 and a reliability table
 * (how often answers given with confidence c are right). Pure.
 */

export interface CaseResult {
  id: string;
  answer: string;
  /** Services best first, with the confidence the engine gave each. */
  ranking: Array<{ service: string; confidence: number }>;
  elapsedMs?: number;
}

export interface CalibrationBucket {
  range: [number, number];
  count: number;
  meanConfidence: number;
  accuracy: number;
}

export interface EvalReport {
  cases: number;
  top1: number;
  top3: number;
  top5: number;
  avg5: number;
  /** Rank of the answer per case (1-based, 0 = not ranked). */
  ranks: Record<string, number>;
  /** Leader confidence vs whether the leader is right. */
  calibration: { buckets: CalibrationBucket[]; ece: number; brier: number };
  /** Every candidate in the top 5: its confidence vs whether it is the answer. */
  calibrationTop5: { buckets: CalibrationBucket[]; ece: number; brier: number };
  perSystem: Record<string, { cases: number; top1: number; top3: number; avg5: number }>;
}

export function rankOf(r: CaseResult): number {
  const i = r.ranking.findIndex((x) => x.service === r.answer);
  return i < 0 ? 0 : i + 1;
}

function topK(results: CaseResult[], k: number): number {
  if (results.length === 0) return 0;
  return (
    results.filter((r) => {
      const rank = rankOf(r);
      return rank > 0 && rank <= k;
    }).length / results.length
  );
}

export function avgAt5(results: CaseResult[]): number {
  let s = 0;
  for (let k = 1; k <= 5; k++) s += topK(results, k);
  return s / 5;
}

export const BUCKET_EDGES = [0, 0.2, 0.4, 0.6, 0.8, 1];

export function reliability(pairs: Array<{ confidence: number; correct: boolean }>): { buckets: CalibrationBucket[]; ece: number; brier: number } {
  const buckets: CalibrationBucket[] = [];
  let ece = 0;
  let brier = 0;
  for (const p of pairs) brier += (p.confidence - (p.correct ? 1 : 0)) ** 2;
  for (const [b, lo] of BUCKET_EDGES.entries()) {
    const hi = BUCKET_EDGES[b + 1];
    if (hi === undefined) break;
    const inB = pairs.filter((p) => p.confidence >= lo && (b + 2 === BUCKET_EDGES.length ? p.confidence <= hi : p.confidence < hi));
    const count = inB.length;
    const meanConfidence = count ? inB.reduce((a, p) => a + p.confidence, 0) / count : 0;
    const accuracy = count ? inB.filter((p) => p.correct).length / count : 0;
    buckets.push({ range: [lo, hi], count, meanConfidence: round(meanConfidence), accuracy: round(accuracy) });
    if (pairs.length > 0) ece += (count / pairs.length) * Math.abs(accuracy - meanConfidence);
  }
  return { buckets, ece: round(ece), brier: round(pairs.length ? brier / pairs.length : 0) };
}

function round(x: number): number {
  return Number(x.toFixed(4));
}

export function evaluate(results: CaseResult[], systemOf: (id: string) => string = (id) => id.split("/").slice(-2, -1)[0] ?? ""): EvalReport {
  const ranks: Record<string, number> = {};
  for (const r of results) ranks[r.id] = rankOf(r);
  const leaders = results.flatMap((r) => (r.ranking[0] ? [{ confidence: r.ranking[0].confidence, correct: r.ranking[0].service === r.answer }] : []));
  const all = results.flatMap((r) => r.ranking.slice(0, 5).map((x) => ({ confidence: x.confidence, correct: x.service === r.answer })));
  const perSystem: EvalReport["perSystem"] = {};
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    const s = systemOf(r.id);
    if (!groups.has(s)) groups.set(s, []);
    groups.get(s)!.push(r);
  }
  for (const [s, rs] of groups) perSystem[s] = { cases: rs.length, top1: round(topK(rs, 1)), top3: round(topK(rs, 3)), avg5: round(avgAt5(rs)) };
  return {
    cases: results.length,
    top1: round(topK(results, 1)),
    top3: round(topK(results, 3)),
    top5: round(topK(results, 5)),
    avg5: round(avgAt5(results)),
    ranks,
    calibration: reliability(leaders),
    calibrationTop5: reliability(all),
    perSystem,
  };
}
