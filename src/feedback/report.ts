import type { CauseGrade, Rating } from "../store/repos/feedback.ts";
import { fitFeedbackCalibration, type FeedbackCalibration, type GradedConfidence } from "../diagnose/feedback-calibration.ts";
import { GRADES, gradeOutcome, incidentScore, type Grade } from "../domain/grades.ts";

/** One graded incident: every grade it got, its score, and the confidence aisre stated. */
export interface GradedIncidentSummary {
  incidentId: string;
  grades: Grade[];
  score: number;
  confidence?: number;
  /** Mean outcome of the grades that know (right 1, partly ½, wrong 0); undefined when all said "no idea". */
  outcome?: number;
}

export interface CalibrationBin {
  /** Stated confidence range, e.g. [0.6, 0.8). */
  from: number;
  to: number;
  incidents: number;
  statedMean: number;
  observedMean: number;
}

/** `npx aisre feedback report`: how right aisre was, by grades and by 👍/👎. */
export interface FeedbackReport {
  incidents: { graded: number; meanScore: number | undefined; byGrade: Record<Grade, number> };
  grades: number;
  ratings: Record<"answer" | "diagnosis", { positive: number; negative: number }>;
  calibration: { bins: CalibrationBin[]; feedback: FeedbackCalibration };
  graded: GradedIncidentSummary[];
}

/** Each graded incident once: its graders' latest grades, with the confidence stated at resolve. */
export function gradedIncidents(grades: readonly CauseGrade[]): GradedIncidentSummary[] {
  const by = new Map<string, CauseGrade[]>();
  for (const g of grades) by.set(g.incidentId, [...(by.get(g.incidentId) ?? []), g]);
  return [...by.entries()].map(([incidentId, list]) => {
    const outcomes = list.map((g) => gradeOutcome(g.grade)).filter((x): x is number => x !== undefined);
    const confidence = list.find((g) => g.confidence !== undefined)?.confidence;
    return {
      incidentId,
      grades: list.map((g) => g.grade),
      score: incidentScore(list.map((g) => g.grade)) ?? 0,
      ...(confidence !== undefined ? { confidence } : {}),
      ...(outcomes.length ? { outcome: outcomes.reduce((a, b) => a + b, 0) / outcomes.length } : {}),
    };
  });
}

/** The pairs the calibration learns from: graded incidents with a stated confidence and a known outcome. */
export function calibrationPairs(graded: readonly GradedIncidentSummary[]): GradedConfidence[] {
  return graded.flatMap((g) => (g.confidence !== undefined && g.outcome !== undefined ? [{ confidence: g.confidence, outcome: g.outcome }] : []));
}

const EDGES = [0, 0.2, 0.4, 0.6, 0.8, 1.0001];

export function feedbackReport(grades: readonly CauseGrade[], ratings: readonly Rating[]): FeedbackReport {
  const graded = gradedIncidents(grades);
  const byGrade = Object.fromEntries(GRADES.map((g) => [g, 0])) as Record<Grade, number>;
  for (const g of grades) byGrade[g.grade]++;
  const pairs = calibrationPairs(graded);
  const bins: CalibrationBin[] = [];
  for (let i = 0; i + 1 < EDGES.length; i++) {
    const from = EDGES[i] ?? 0;
    const to = EDGES[i + 1] ?? 1;
    const inBin = pairs.filter((p) => p.confidence >= from && p.confidence < to);
    if (!inBin.length) continue;
    bins.push({ from, to: Math.min(to, 1), incidents: inBin.length, statedMean: inBin.reduce((s, p) => s + p.confidence, 0) / inBin.length, observedMean: inBin.reduce((s, p) => s + p.outcome, 0) / inBin.length });
  }
  const ratingsBy = { answer: { positive: 0, negative: 0 }, diagnosis: { positive: 0, negative: 0 } };
  for (const r of ratings) ratingsBy[r.subject][r.sentiment]++;
  return {
    incidents: { graded: graded.length, meanScore: graded.length ? Math.round(graded.reduce((s, g) => s + g.score, 0) / graded.length) : undefined, byGrade },
    grades: grades.length,
    ratings: ratingsBy,
    calibration: { bins, feedback: fitFeedbackCalibration(pairs) },
    graded,
  };
}
