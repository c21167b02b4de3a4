function humanize(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const units: Array<[number, string]> = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [f, u] of units) if (abs >= f) return `${(v / f).toFixed(4).replace(/\.?0+$/, "")}${u}`;
  return v.toFixed(4).replace(/\.?0+$/, "");
}

function humanizeDuration(v: number): string {
  if (v < 1) return `${(v * 1000).toFixed(0)}ms`;
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  const s = Math.round(v % 60);
  return [h ? `${h}h ` : "", m ? `${m}m ` : "", `${s}s`].join("");
}

/** Expands the subset of Prometheus' alert templates the rules use. */
export function expandTemplate(text: string, labels: Record<string, string>, value: number): string {
  return text.replace(/\{\{\s*(\$labels\.(\w+)|\$value)\s*(?:\|\s*(\w+)\s*)?\}\}/g, (_m, _all, label: string | undefined, fn: string | undefined) => {
    if (label) return labels[label] ?? "";
    if (fn === "humanizePercentage") return `${(value * 100).toFixed(2).replace(/\.?0+$/, "")}%`;
    if (fn === "humanizeDuration") return humanizeDuration(value);
    if (fn === "humanize") return humanize(value);
    return String(value);
  });
}
