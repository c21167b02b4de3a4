import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { DiagnosisInput, MetricSeries, PropagationEdge, ServiceMetrics } from "./types.ts";
import { splitCsvLine } from "../text/csv.ts";

/**
 * Reader of the offline root-cause case format (../shared/eval/rca/README.md):
 * `<case>/metrics.csv` (timestamp,service,metric,value, long format), `<case>/case.json`,
 * optional `graph.csv` (source,target) and `baseline.csv` in the case folder or its parent,
 * optional `answer.json` ({"root_cause": "<service>"}) for development cases.
 */

const caseSchema = z.object({
  anomaly_start: z.number(),
  symptom: z.object({ service: z.string(), metric: z.string().optional() }).nullish(),
});
const answerSchema = z.object({ root_cause: z.string() });

export { splitCsvLine };

/** Parse a long-format metrics CSV into per-service series (sorted by time). */
export function parseMetricsCsv(text: string): ServiceMetrics[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.trim().toLowerCase());
  const it = header.indexOf("timestamp");
  const is = header.indexOf("service");
  const im = header.indexOf("metric");
  const iv = header.indexOf("value");
  if (it < 0 || is < 0 || im < 0 || iv < 0) {
    throw new AppError("bad_case", "metrics CSV needs the columns timestamp,service,metric,value", { status: 400 });
  }
  const by = new Map<string, Map<string, { t: number[]; v: number[] }>>();
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l];
    if (!line) continue;
    let cols = splitCsvLine(line);
    if (cols.length > header.length && !line.includes('"')) {
      // An unquoted comma inside the service name: the other columns are unambiguous.
      const extra = cols.length - header.length;
      cols = [...cols.slice(0, is), cols.slice(is, is + extra + 1).join(","), ...cols.slice(is + extra + 1)];
    }
    const t = Number(cols[it]);
    if (!Number.isFinite(t)) continue;
    const raw = (cols[iv] ?? "").trim();
    const v = raw === "" || raw.toLowerCase() === "nan" || raw.toLowerCase() === "null" ? Number.NaN : Number(raw);
    const svc = cols[is] ?? "";
    const metric = cols[im] ?? "";
    let inner = by.get(svc);
    if (!inner) by.set(svc, (inner = new Map()));
    let s = inner.get(metric);
    if (!s) inner.set(metric, (s = { t: [], v: [] }));
    s.t.push(t);
    s.v.push(v);
  }
  const out: ServiceMetrics[] = [];
  for (const [service, inner] of by) {
    const series: MetricSeries[] = [];
    for (const [metric, s] of inner) {
      const points = s.t.map((t, i) => ({ t, v: s.v[i] ?? Number.NaN })).sort((a, b) => a.t - b.t);
      series.push({ metric, timestamps: points.map((p) => p.t), values: points.map((p) => p.v) });
    }
    out.push({ service, series });
  }
  return out;
}

export function parseGraphCsv(text: string): PropagationEdge[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const first = splitCsvLine(lines[0] ?? "").map((h) => h.trim().toLowerCase());
  const hasHeader = first[0] === "source" || first[0] === "from" || first[0] === "cause";
  return lines.slice(hasHeader ? 1 : 0).flatMap((l) => {
    const c = splitCsvLine(l);
    return c.length >= 2 && c[0] && c[1] ? [{ source: c[0].trim(), target: c[1].trim() }] : [];
  });
}

function findShared(caseDir: string, file: string): string | undefined {
  for (const dir of [caseDir, dirname(caseDir)]) {
    const p = join(dir, file);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface LoadedCase {
  dir: string;
  input: DiagnosisInput;
  answer?: string;
  files: { graph?: string; baseline?: string };
}

/** Baselines are shared by the cases of one system: parse each file once. */
const baselineCache = new Map<string, ServiceMetrics[]>();

export function loadCase(dir: string): LoadedCase {
  const caseDir = resolve(dir);
  const metricsPath = join(caseDir, "metrics.csv");
  const casePath = join(caseDir, "case.json");
  if (!existsSync(metricsPath) || !existsSync(casePath)) {
    throw new AppError("bad_case", `${dir} is not a case folder (needs metrics.csv and case.json)`, { status: 400 });
  }
  const parsed = caseSchema.safeParse(JSON.parse(readFileSync(casePath, "utf8")));
  if (!parsed.success) throw new AppError("bad_case", `${casePath}: ${parsed.error.issues[0]?.message ?? "invalid"}`, { status: 400 });
  const c = parsed.data;
  const graphPath = findShared(caseDir, "graph.csv");
  const baselinePath = findShared(caseDir, "baseline.csv");
  let baseline: ServiceMetrics[] | undefined;
  if (baselinePath) {
    baseline = baselineCache.get(baselinePath);
    if (!baseline) {
      baseline = parseMetricsCsv(readFileSync(baselinePath, "utf8"));
      baselineCache.set(baselinePath, baseline);
    }
  }
  const answerPath = join(caseDir, "answer.json");
  const answer = existsSync(answerPath) ? answerSchema.safeParse(JSON.parse(readFileSync(answerPath, "utf8"))) : undefined;
  const input: DiagnosisInput = {
    services: parseMetricsCsv(readFileSync(metricsPath, "utf8")),
    anomalyStart: c.anomaly_start,
    ...(c.symptom ? { symptom: { service: c.symptom.service, ...(c.symptom.metric ? { metric: c.symptom.metric } : {}) } } : {}),
    ...(graphPath ? { graph: { edges: parseGraphCsv(readFileSync(graphPath, "utf8")), orientation: "auto" as const } } : {}),
    ...(baseline ? { baseline } : {}),
  };
  return { dir: caseDir, input, answer: answer?.success ? answer.data.root_cause : undefined, files: { graph: graphPath, baseline: baselinePath } };
}

/** Every case folder under `root` (a case itself, a system folder, or a folder of systems). */
export function findCases(root: string): string[] {
  const abs = resolve(root);
  if (existsSync(join(abs, "case.json"))) return [abs];
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (!statSync(p).isDirectory()) continue;
      if (existsSync(join(p, "case.json")) && existsSync(join(p, "metrics.csv"))) out.push(p);
      else if (depth < 3) walk(p, depth + 1);
    }
  };
  walk(abs, 0);
  return out;
}
