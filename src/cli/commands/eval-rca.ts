import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { isAppError } from "../../errors.ts";
import { findCases, loadCase } from "../../diagnose/case-reader.ts";
import { CAL } from "../../diagnose/calibration.ts";
import { type CalibrationCase, crossValidate } from "../../diagnose/calibration-fit.ts";
import { calibrationRegimeCases } from "../../diagnose/calibration-set.ts";
import { diagnose } from "../../diagnose/engine.ts";
import type { Diagnosis } from "../../diagnose/types.ts";
import { evaluate, reliability } from "../../diagnose/evaluate.ts";
import { sockShopCases } from "../../diagnose/sockshop.ts";
import type { CaseResult } from "../../diagnose/evaluate.ts";

export const summary = "evaluate the diagnosis engine on root-cause cases (and 48 generated Sock Shop-style cases unless --no-sockshop): top-1, top-3, Avg@5 and calibration, in sample and held out one group at a time (unless --no-cv)";

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const verbose = args.includes("--verbose") || args.includes("-v");
  const dirArg = args.find((a) => !a.startsWith("-"));
  const withSockShop = !args.includes("--no-sockshop");
  const withCv = !args.includes("--no-cv");
  const root = resolve(dirArg ?? "../shared/eval/rca");
  if (!existsSync(root)) {
    process.stderr.write(`aisre eval-rca: ${root} does not exist\n`);
    return 1;
  }
  const dirs = findCases(root);
  const results: CaseResult[] = [];
  const calibrationCases: CalibrationCase[] = [];
  const noteCase = (id: string, group: string, answer: string, d: Diagnosis): void => {
    if (d.leader && d.hypotheses[0]) calibrationCases.push({ id, group, margin: d.leader.margin, strength: d.leader.strength, correct: d.hypotheses[0].service === answer });
  };
  let skipped = 0;
  try {
    for (const dir of dirs) {
      const c = loadCase(dir);
      if (!c.answer) {
        skipped++;
        continue;
      }
      const d = diagnose({ ...c.input, options: { includeAll: true } });
      const id = relative(root, dir) || dir;
      noteCase(id, id.split("/")[0]?.split("-")[0] || "cases", c.answer, d);
      results.push({
        id,
        answer: c.answer,
        ranking: d.hypotheses.map((h) => ({ service: h.service, confidence: h.confidence })),
        elapsedMs: d.elapsedMs,
      });
    }
    if (withSockShop) {
      for (const c of sockShopCases()) {
        const d = diagnose({ ...c.input, options: { includeAll: true } });
        noteCase(c.id, "sockshop-style", c.answer, d);
        results.push({ id: c.id, answer: c.answer, ranking: d.hypotheses.map((h) => ({ service: h.service, confidence: h.confidence })), elapsedMs: d.elapsedMs });
      }
    }
    // Generated regimes: only for fitting the confidence mapping in the cross-validation below.
    if (withCv) for (const c of calibrationRegimeCases()) noteCase(c.id, c.group, c.answer, diagnose(c.input));
  } catch (e) {
    if (isAppError(e)) {
      process.stderr.write(`aisre eval-rca: ${e.userMessage}\n`);
      return 1;
    }
    throw e;
  }
  const systemOf = (id: string): string => (id.includes("/") ? id.split("/").slice(0, -1).join("/") : ".");
  const report = evaluate(results, systemOf);
  // Leave one group out (each PetShop or Sock Shop-style set, each generated regime): fit the
  // mapping on the others, score the held-out group; pooled over the evaluation cases.
  const cv = crossValidate(withCv ? calibrationCases : [], CAL);
  const evalIds = new Set(results.map((r) => r.id));
  const cvEval = reliability(cv.predictions.filter((p) => evalIds.has(p.id)));
  const ms = results.map((r) => r.elapsedMs ?? 0);
  const meanMs = ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : 0;
  if (json) {
    process.stdout.write(`${JSON.stringify({ root, skippedWithoutAnswer: skipped, meanDiagnosisMs: Number(meanMs.toFixed(1)), ...report, crossValidated: { ece: cvEval.ece, brier: cvEval.brier, buckets: cvEval.buckets, perGroup: cv.perGroup, allGroups: { ece: cv.ece, brier: cv.brier } } }, null, 2)}\n`);
    return 0;
  }
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const out: string[] = [];
  out.push(`cases: ${report.cases}${skipped ? ` (${skipped} without answer skipped)` : ""}   root: ${root}${withSockShop ? "   + generated Sock Shop-style cases (sockshop-style)" : ""}`);
  out.push(`top-1: ${pct(report.top1)}   top-3: ${pct(report.top3)}   top-5: ${pct(report.top5)}   Avg@5: ${pct(report.avg5)}   mean time: ${meanMs.toFixed(1)} ms`);
  out.push("", "per system:");
  for (const [s, r] of Object.entries(report.perSystem)) out.push(`  ${s.padEnd(36)} n=${String(r.cases).padEnd(4)} top-1 ${pct(r.top1).padStart(7)}  top-3 ${pct(r.top3).padStart(7)}  Avg@5 ${pct(r.avg5).padStart(7)}`);
  const table = (title: string, cal: typeof report.calibration): void => {
    out.push("", `${title}  (ECE ${cal.ece.toFixed(3)}, Brier ${cal.brier.toFixed(3)})`);
    out.push("  confidence   count   mean conf   accuracy");
    for (const b of cal.buckets) {
      out.push(`  ${b.range[0].toFixed(1)}–${b.range[1].toFixed(1)}    ${String(b.count).padStart(5)}   ${b.count ? b.meanConfidence.toFixed(2).padStart(9) : "        -"}   ${b.count ? b.accuracy.toFixed(2).padStart(8) : "       -"}`);
    }
  };
  table("calibration of the leading hypothesis", report.calibration);
  table("calibration of every top-5 candidate", report.calibrationTop5);
  if (withCv) table("calibration of the leading hypothesis, cross-validated (each group held out, mapping fitted on the others)", cvEval);
  if (withCv)
    out.push(
      `  held-out ECE per group: ${Object.entries(cv.perGroup)
        .map(([g, r]) => `${g} ${r.ece.toFixed(3)} (n=${r.cases})`)
        .join(", ")}`,
    );
  if (withCv) out.push(`  all ${calibrationCases.length} cases incl. generated regimes: ECE ${cv.ece.toFixed(3)}`);
  if (verbose) {
    out.push("", "ranks of the true root cause:");
    for (const r of results) out.push(`  ${String(report.ranks[r.id]).padStart(3)}  ${r.id}  (leader ${r.ranking[0]?.service ?? "-"} ${r.ranking[0] ? Math.round(r.ranking[0].confidence * 100) : 0} %)`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}
