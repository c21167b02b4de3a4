import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseSeriesCsv, parseTimestamp } from "./series-csv.ts";
import type { SeriesRow } from "./series-csv.ts";

/** A labelled series of a NAB-style corpus: `<dir>/labels.json` + `<dir>/data/<category>/<name>.csv`. */
export interface LabelledSeries {
  /** Path relative to the data folder, with "/" separators (the key in labels.json). */
  name: string;
  category: string;
  rows: SeriesRow[];
  /** Anomaly windows [start, end] in epoch ms. */
  windows: Array<[number, number]>;
}

/** Every CSV file below `dir`, as paths relative to it ("/"-separated), sorted. */
export function listCsvFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith(".csv")) out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Load a corpus. `dir` holds labels.json and either a data/ folder or the category folders
 * directly. Series without a labels entry are skipped (they cannot be scored).
 */
export function loadCorpus(dir: string): LabelledSeries[] {
  const labelsPath = join(dir, "labels.json");
  if (!existsSync(labelsPath)) throw new Error(`no labels.json in ${dir}`);
  const labels = JSON.parse(readFileSync(labelsPath, "utf8")) as Record<string, Array<[string, string]>>;
  const dataDir = existsSync(join(dir, "data")) && statSync(join(dir, "data")).isDirectory() ? join(dir, "data") : dir;
  const out: LabelledSeries[] = [];
  for (const name of Object.keys(labels).sort()) {
    const path = join(dataDir, name);
    if (!existsSync(path)) continue;
    const rows = parseSeriesCsv(readFileSync(path, "utf8"));
    out.push({
      name,
      category: name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : ".",
      rows,
      windows: (labels[name] ?? []).map(([a, b]) => [parseTimestamp(a), parseTimestamp(b)] as [number, number]),
    });
  }
  return out;
}
