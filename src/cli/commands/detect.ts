import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { listCsvFiles } from "../../detect/corpus.ts";
import { DETECTORS, scoreRows } from "../../detect/evaluate.ts";
import type { DetectorName } from "../../detect/evaluate.ts";
import { parseSeriesCsv } from "../../detect/series-csv.ts";
import type { SeriesRow } from "../../detect/series-csv.ts";
import type { DetectorOutput } from "../../detect/types.ts";
import { plural } from "../../text/words.ts";
import { itemAt } from "../../domain/indexed.ts";

export const summary = "score a series CSV for anomalies (timestamp,value,anomaly_score); --in/--out for a folder";

const USAGE = `usage: aisre detect <series.csv> [--json] [--explain] [--detector aisre|windowed-gaussian]
       aisre detect --in <dir> --out <dir> [--explain] [--detector ...]

Prints timestamp,value,anomaly_score: one row per input row, in order; the score (0..1) of a
row uses only that row and the rows before it. --explain adds baseline,deviation,kind,since.
With --in/--out every CSV below <dir> is scored into the same relative path under --out.
`;

interface Args {
  file?: string;
  inDir?: string;
  outDir?: string;
  json: boolean;
  explain: boolean;
  detector: DetectorName;
}

function parseArgs(args: string[]): Args | string {
  const a: Args = { json: false, explain: false, detector: "aisre" };
  for (let i = 0; i < args.length; i++) {
    const arg = itemAt(args, i);
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === "--json") a.json = true;
      else if (arg === "--explain") a.explain = true;
      else if (arg === "--in") a.inDir = value();
      else if (arg === "--out") a.outDir = value();
      else if (arg === "--detector") {
        const d = value();
        if (!(d in DETECTORS)) return `unknown detector "${d}" (${Object.keys(DETECTORS).join(", ")})`;
        a.detector = d as DetectorName;
      } else if (arg === "-h" || arg === "--help") return "";
      else if (arg.startsWith("-")) return `unknown option ${arg}`;
      else if (a.file === undefined) a.file = arg;
      else return `unexpected argument ${arg}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (a.inDir !== undefined || a.outDir !== undefined) {
    if (!a.inDir || !a.outDir) return "--in and --out go together";
    if (a.file) return "give either a file or --in/--out";
  } else if (!a.file) return "missing <series.csv> (or --in/--out)";
  return a;
}

function fmtScore(s: number): string {
  if (!(s > 0)) return "0";
  return s >= 1 ? "1" : s.toFixed(6).replace(/0+$/, "");
}

function fmtNum(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(8))) : "";
}

/** CSV text for scored rows (header included). */
export function toCsv(rows: readonly SeriesRow[], outs: readonly DetectorOutput[], explain: boolean): string {
  const lines = [explain ? "timestamp,value,anomaly_score,baseline,deviation,kind,since" : "timestamp,value,anomaly_score"];
  for (const [i, r] of rows.entries()) {
    const o = itemAt(outs, i, "detector output");
    let line = `${r.raw},${r.rawValue},${fmtScore(o.score)}`;
    if (explain) {
      const e = o.explanation;
      line += `,${fmtNum(e.baseline)},${fmtNum(e.deviation)},${e.kind},${e.since === undefined ? "" : new Date(e.since).toISOString()}`;
    }
    lines.push(line);
  }
  return `${lines.join("\n")}\n`;
}

export async function run(args: string[]): Promise<number> {
  const a = parseArgs(args);
  if (typeof a === "string") {
    if (a) process.stderr.write(`aisre detect: ${a}\n`);
    (a ? process.stderr : process.stdout).write(USAGE);
    return a ? 2 : 0;
  }
  const create = DETECTORS[a.detector].create;
  if (a.file) {
    let text: string;
    try {
      text = readFileSync(a.file, "utf8");
    } catch (e) {
      process.stderr.write(`aisre detect: cannot read ${a.file}: ${(e as Error).message}\n`);
      return 1;
    }
    const rows = parseSeriesCsv(text);
    const outs = scoreRows(rows, create());
    if (a.json) {
      const json = rows.map((r, i) => {
        const o = itemAt(outs, i, "detector output");
        return {
          timestamp: r.raw,
          value: Number.isFinite(r.value) ? r.value : null,
          anomaly_score: o.score,
          explanation: { ...o.explanation, since: o.explanation.since === undefined ? null : new Date(o.explanation.since).toISOString() },
        };
      });
      process.stdout.write(`${JSON.stringify(json, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))}\n`);
    } else {
      process.stdout.write(toCsv(rows, outs, a.explain));
    }
    return 0;
  }
  const inDir = a.inDir as string;
  const outDir = a.outDir as string;
  let files: string[];
  try {
    files = listCsvFiles(inDir);
  } catch (e) {
    process.stderr.write(`aisre detect: cannot list ${inDir}: ${(e as Error).message}\n`);
    return 1;
  }
  const summaryRows: Array<{ file: string; rows: number; max: number }> = [];
  for (const rel of files) {
    const rows = parseSeriesCsv(readFileSync(join(inDir, rel), "utf8"));
    const outs = scoreRows(rows, create());
    const target = join(outDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, toCsv(rows, outs, a.explain));
    summaryRows.push({ file: rel, rows: rows.length, max: outs.reduce((m, o) => Math.max(m, o.score), 0) });
  }
  if (a.json) process.stdout.write(`${JSON.stringify({ files: summaryRows })}\n`);
  else process.stdout.write(`scored ${plural(files.length, "file")} from ${inDir} into ${outDir}\n`);
  return 0;
}
