import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCorpus } from "../../detect/corpus.ts";
import { DETECTORS, evaluateDetector } from "../../detect/evaluate.ts";
import { REWARD_LOW_FN_PROFILE, REWARD_LOW_FP_PROFILE, STANDARD_PROFILE } from "../../detect/nab-score.ts";
import type { CostProfile } from "../../detect/nab-score.ts";
import type { DetectorEvaluation, DetectorName } from "../../detect/evaluate.ts";

export const summary = "NAB standard-profile score of the anomaly detector vs a windowed-Gaussian baseline";

const PROFILES: Record<string, CostProfile> = {
  standard: STANDARD_PROFILE,
  reward_low_fp: REWARD_LOW_FP_PROFILE,
  reward_low_fn: REWARD_LOW_FN_PROFILE,
};

const USAGE = `usage: aisre eval-anomaly [--data <dir>] [--json] [--profile standard|reward_low_fp|reward_low_fn]

Scores every labelled series of <dir> (labels.json + data/<category>/*.csv; default
../shared/eval/anomaly) with our detector and with the windowed-Gaussian baseline, using the NAB
rules (standard profile: A_TP=1, A_FP=-0.11, A_FN=-1; threshold optimised over the corpus;
normalised so a detector that never alarms scores 0 and a perfect one 100).
`;

/** The data folder: --data, else ../shared/eval/anomaly from the cwd, else from the repo root's parent. */
export function resolveDataDir(given: string | undefined): string | undefined {
  if (given) return resolve(given);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const candidates = [resolve("../shared/eval/anomaly"), join(dirname(repoRoot), "shared/eval/anomaly")];
  return candidates.find((c) => existsSync(join(c, "labels.json")));
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

function report(evals: DetectorEvaluation[]): string {
  const lines: string[] = [];
  const head = `${pad("detector", 36)}${lpad("NAB score", 10)}${lpad("detected", 11)}${lpad("FP", 6)}${lpad("threshold", 11)}${lpad("pts/s", 10)}`;
  lines.push(head, "-".repeat(head.length));
  for (const e of evals) {
    lines.push(`${pad(e.description, 36)}${lpad(e.score.toFixed(1), 10)}${lpad(`${e.detected}/${e.windows}`, 11)}${lpad(String(e.falsePositives), 6)}${lpad(e.threshold.toFixed(4), 11)}${lpad(String(Math.round(e.points / (e.millis / 1000))), 10)}`);
  }
  lines.push("", "per category (at each detector's corpus threshold):");
  const cats = [...new Set(evals.flatMap((e) => e.categories.map((c) => c.category)))].sort();
  lines.push(`${pad("category", 26)}${evals.map((e) => lpad(e.detector, 24)).join("")}`);
  for (const c of cats) {
    const cells = evals.map((e) => {
      const g = e.categories.find((x) => x.category === c);
      if (!g) return lpad("-", 24);
      const score = g.score === undefined ? `raw ${g.raw.toFixed(2)}` : g.score.toFixed(1);
      return lpad(`${score} (${g.detected}/${g.windows}, ${g.falsePositives} FP)`, 24);
    });
    lines.push(`${pad(c, 26)}${cells.join("")}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function run(args: string[]): Promise<number> {
  let data: string | undefined;
  let json = false;
  let profileName = "standard";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--json") json = true;
    else if (args[i] === "--data") data = args[++i];
    else if (args[i] === "--profile") {
      profileName = args[++i] ?? "";
      if (!(profileName in PROFILES)) {
        process.stderr.write(`aisre eval-anomaly: unknown profile "${profileName}" (${Object.keys(PROFILES).join(", ")})\n`);
        return 2;
      }
    } else if (args[i] === "-h" || args[i] === "--help") {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`aisre eval-anomaly: unexpected argument ${args[i]}\n${USAGE}`);
      return 2;
    }
  }
  const dir = resolveDataDir(data);
  if (!dir || !existsSync(join(dir, "labels.json"))) {
    process.stderr.write(`aisre eval-anomaly: no labelled data (labels.json) at ${data ?? "../shared/eval/anomaly"}\n`);
    return 1;
  }
  const corpus = loadCorpus(dir);
  const profile = PROFILES[profileName];
  const evals = (["aisre", "windowed-gaussian"] as DetectorName[]).map((d) => evaluateDetector(corpus, d, DETECTORS[d].describe, DETECTORS[d].create, profile));
  if (json) {
    const out = {
      data: dir,
      series: corpus.length,
      profile: profileName,
      detectors: evals.map(({ nab, categories, ...e }) => ({
        ...e,
        categories: categories.map((c) => ({ ...c, score: c.score ?? null })),
        perSeries: nab.perSeries,
      })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`NAB ${profileName} profile, ${corpus.length} series from ${dir}\n\n${report(evals)}`);
  }
  return 0;
}
