import { feedbackReport } from "../../feedback/report.ts";
import { GRADE_LABELS, GRADE_SCORES, GRADES } from "../../domain/grades.ts";
import { withCliStore } from "../load-config.ts";

export const summary = "feedback report [--since <ISO date>] [--json]: how right aisre was (cause grades, 👍/👎) and what the calibration learnt";

const USAGE = "usage: aisre feedback report [--since <ISO date>] [--json]\n";

const pct = (x: number) => `${Math.round(x * 100)} %`;

/**
 * Reads the configured store (DATABASE_URL, else the PGlite folder AISRE_DATA_DIR; embedded PGlite
 * is single-process, so stop the bot first or use Postgres). The JSON is the FeedbackReport of
 * src/feedback/report.ts.
 */
export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const sinceAt = args.indexOf("--since");
  const since = sinceAt >= 0 ? args[sinceAt + 1] : undefined;
  const rest = args.filter((a, i) => a !== "--json" && (sinceAt < 0 || (i !== sinceAt && i !== sinceAt + 1)));
  if ((rest[0] ?? "report") !== "report" || rest.length > 1 || (sinceAt >= 0 && (!since || Number.isNaN(Date.parse(since))))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const sinceIso = since ? new Date(Date.parse(since)).toISOString() : undefined;
  return withCliStore(async (store) => {
    const report = feedbackReport(await store.feedback.grades(sinceIso), await store.feedback.ratings(sinceIso));
    if (json) {
      process.stdout.write(`${JSON.stringify(sinceIso ? { since: sinceIso, ...report } : report, null, 2)}\n`);
      return 0;
    }
    const out: string[] = [];
    const inc = report.incidents;
    out.push(`Graded incidents: ${inc.graded}${inc.meanScore !== undefined ? `, mean grade ${inc.meanScore}/100` : ""} (${report.grades} grade${report.grades === 1 ? "" : "s"})`);
    out.push(`  ${GRADES.map((g) => `${GRADE_LABELS[g].toLowerCase()} (${GRADE_SCORES[g]}): ${inc.byGrade[g]}`).join(" · ")}`);
    for (const s of ["answer", "diagnosis"] as const) out.push(`${s === "answer" ? "Answers" : "Diagnoses"}: ${report.ratings[s].positive} 👍 · ${report.ratings[s].negative} 👎`);
    out.push("Stated confidence vs how right (graded incidents):");
    if (!report.calibration.bins.length) out.push("  no graded incident with a stated confidence yet");
    for (const b of report.calibration.bins) out.push(`  ${pct(b.from)}–${pct(b.to)}: ${b.incidents} incident${b.incidents === 1 ? "" : "s"}, stated ${pct(b.statedMean)}, right ${pct(b.observedMean)}`);
    const f = report.calibration.feedback;
    out.push(f.n ? `Calibration from grades: ${f.n} incident${f.n === 1 ? "" : "s"}, stated ${pct(f.statedMean)} vs right ${pct(f.observedMean)}: leader's logit ${f.shift >= 0 ? "+" : ""}${f.shift.toFixed(2)}` : "Calibration from grades: none yet (the evaluation-fitted confidences stand)");
    process.stdout.write(`${out.join("\n")}\n`);
    return 0;
  });
}
