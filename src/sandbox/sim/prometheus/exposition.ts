import { CW_PREFIX } from "../metrics/emit.ts";
import type { SeriesStore } from "../metrics/series-store.ts";
import { formatValue } from "../promql/values.ts";

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function familyOf(name: string, store: SeriesStore): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (store.families.get(base)?.type === "histogram") return base;
    }
  }
  return name;
}

/** Prometheus text exposition format 0.0.4 of the current values (what a real Prometheus scrapes). */
export function exposition(store: SeriesStore): string {
  const byFamily = new Map<string, string[]>();
  for (const s of store.live()) {
    const name = s.labels.__name__!;
    if (name.startsWith(CW_PREFIX)) continue;
    const fam = familyOf(name, store);
    const labels = Object.entries(s.labels)
      .filter(([k]) => k !== "__name__")
      .map(([k, v]) => `${k}="${escape(v)}"`)
      .join(",");
    const lines = byFamily.get(fam) ?? [];
    lines.push(`${name}${labels ? `{${labels}}` : ""} ${formatValue(store.at(s, store.head))}`);
    byFamily.set(fam, lines);
  }
  const out: string[] = [];
  for (const [fam, lines] of [...byFamily].sort(([a], [b]) => a.localeCompare(b))) {
    const f = store.families.get(fam);
    if (f) out.push(`# HELP ${fam} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${fam} ${f.type}`);
    out.push(...lines);
  }
  return `${out.join("\n")}\n`;
}
