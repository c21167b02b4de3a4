/**
 * How right aisre was: the responders' grades of the leading cause on resolve (incident.io's scale)
 * and the 👍/👎 ratings of answers and diagnoses. Pure; the one place for the grade names, scores
 * and what a grade means for calibration.
 */

/** The grade's score, as incident.io grades its investigations. */
export const GRADE_SCORES = { right: 100, partly: 65, wrong: 35, unknown: 0 } as const;
export type Grade = keyof typeof GRADE_SCORES;
export const GRADES = Object.keys(GRADE_SCORES) as Grade[];

export const GRADE_LABELS: Record<Grade, string> = { right: "Right", partly: "Partly", wrong: "Wrong", unknown: "No idea" };

export const isGrade = (v: unknown): v is Grade => typeof v === "string" && v in GRADE_SCORES;

/**
 * What a grade says about the stated confidence: right 1, partly ½, wrong 0. "No idea" says
 * nothing about the cause (it is not counted against it), so it has no outcome.
 */
export function gradeOutcome(g: Grade): number | undefined {
  switch (g) {
    case "right":
      return 1;
    case "partly":
      return 0.5;
    case "wrong":
      return 0;
    case "unknown":
      return undefined;
  }
}

/** An incident's grade from everyone who graded it: the mean score of the grades that know (all "no idea": 0). */
export function incidentScore(grades: readonly Grade[]): number | undefined {
  if (grades.length === 0) return undefined;
  const known = grades.filter((g) => g !== "unknown");
  if (known.length === 0) return 0;
  return Math.round(known.reduce((s, g) => s + GRADE_SCORES[g], 0) / known.length);
}

/** The grade whose score is nearest an incident's mean score (for a one-word label). */
export function gradeOfScore(score: number, anyKnown: boolean): Grade {
  if (!anyKnown) return "unknown";
  let best: Grade = "right";
  for (const g of GRADES) if (g !== "unknown" && Math.abs(GRADE_SCORES[g] - score) < Math.abs(GRADE_SCORES[best] - score)) best = g;
  return best;
}

export type FeedbackSubject = "answer" | "diagnosis";
export type Sentiment = "positive" | "negative";

/**
 * The value of a feedback button: `<positive|negative>|<answer|diagnosis>|<incident id or empty>`.
 * The message it is on comes with the click (channel and ts), so the value only says what it rates.
 */
export function feedbackValue(sentiment: Sentiment, subject: FeedbackSubject, incidentId?: string): string {
  return `${sentiment}|${subject}|${incidentId ?? ""}`;
}

export function parseFeedbackValue(value: string | undefined): { sentiment: Sentiment; subject: FeedbackSubject; incidentId?: string } | undefined {
  const [sentiment, subject, incidentId, ...rest] = (value ?? "").split("|");
  if (rest.length || (sentiment !== "positive" && sentiment !== "negative") || (subject !== "answer" && subject !== "diagnosis")) return undefined;
  return { sentiment, subject, ...(incidentId ? { incidentId } : {}) };
}
