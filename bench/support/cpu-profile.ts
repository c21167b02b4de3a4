import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where a sampled frame's time goes, by part of the process. */
function partOf(cf: { functionName: string; url: string }): string {
  const u = cf.url;
  if (u.startsWith("wasm://")) return "PGlite (Postgres in WASM)";
  if (/pglite/.test(u)) return "PGlite JS glue";
  if (/src\/sandbox\/sim/.test(u)) return "sandbox simulated system (metrics, pods)";
  if (/src\/sandbox/.test(u)) return "sandbox emulators (Slack, Jira, PagerDuty)";
  if (/node:internal\/modules/.test(u) || /compileSourceTextModule|wrapSafe/.test(cf.functionName)) return "module loading (start)";
  if (cf.functionName === "(garbage collector)") return "garbage collector";
  if (cf.functionName === "(idle)") return "idle";
  if (/node_modules\/pg/.test(u)) return "pg driver";
  if (/src\/redact/.test(u)) return "redactor";
  if (/src\/(correlate|incident)/.test(u)) return "correlation and incident thread";
  if (/src\/(webhooks|ingest|http)/.test(u)) return "webhook door (verify, parse, route)";
  if (/node_modules/.test(u)) return "other packages";
  if (u === "" || u.startsWith("node:")) return "node core (http, fs, JSON)";
  return "other product code";
}

/** The share of sampled CPU time per part of the process, from the newest main-thread profile in `dir`. */
export function cpuShares(dir: string, top = 8): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && /\.0\.\d+\.cpuprofile$/.test(f));
  const newest = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) return [];
  const p = JSON.parse(readFileSync(newest, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parts = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const d = p.timeDeltas[i] ?? 0;
    const k = partOf(byId.get(id)!.callFrame);
    parts.set(k, (parts.get(k) ?? 0) + d);
    total += d;
  });
  return [...parts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1)}% ${k}`);
}

interface FullProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

const short = (url: string) => url.replace(/^.*?\/(node_modules|src|handlers|bench)\//, "$1/").replace(/^file:\/\//, "");

/** The ingest path: the webhook door, parsing, correlation, the incident spine and the store. */
const INGEST_PATH = /\/src\/(webhooks|ingest|correlate|incident|store)\//;

/**
 * The top frames by self time in a CPU profile (`*.cpuprofile`), as "share% function file:line", and
 * the share by part of the process. `ingestOnly`: only samples whose stack passes through the ingest
 * path (shares still of the whole profile), which shows what the path itself spends its time on —
 * including PGlite and JSON below it.
 */
export function topFrames(file: string, o: { top?: number; ingestOnly?: boolean } = {}): { frames: string[]; parts: string[]; ingestShare: number } {
  const p = JSON.parse(readFileSync(file, "utf8")) as FullProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const onPath = new Map<number, boolean>();
  const passes = (id: number): boolean => {
    const known = onPath.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const v = node ? INGEST_PATH.test(node.callFrame.url) || (up !== undefined && passes(up)) : false;
    onPath.set(id, v);
    return v;
  };
  const self = new Map<string, number>();
  const parts = new Map<string, number>();
  let total = 0;
  let ingest = 0;
  p.samples.forEach((id, i) => {
    const d = p.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += d;
    if (node.callFrame.functionName === "(idle)") return;
    const k = partOf(node.callFrame);
    parts.set(k, (parts.get(k) ?? 0) + d);
    const inPath = passes(id);
    if (inPath) ingest += d;
    if (o.ingestOnly && !inPath) return;
    const cf = node.callFrame;
    const key = `${cf.functionName || "(anonymous)"} ${short(cf.url) || "(native)"}${cf.url ? `:${cf.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + d);
  });
  const pct = (v: number) => `${((100 * v) / Math.max(1, total)).toFixed(1)}%`;
  return {
    frames: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, o.top ?? 12)
      .map(([k, v]) => `${pct(v)} ${k}`),
    parts: [...parts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `${pct(v)} ${k}`),
    ingestShare: total > 0 ? ingest / total : 0,
  };
}
