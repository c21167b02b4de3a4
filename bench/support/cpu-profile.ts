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
