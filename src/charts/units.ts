/**
 * How a metric's values read on a chart's value axis: a multiplier and a suffix chosen from the
 * metric's unit and its size ("ratio" → %, "seconds" under 1 s → ms, bytes → MiB or GiB,
 * "req/s" and "keys/s" as they are). Pure.
 */
export interface AxisUnit {
  /** Multiplies a raw value into the axis' unit. */
  scale: number;
  /** Written after each axis label ("ms", "%", "req/s"); empty for a plain count. */
  suffix: string;
}

const RATIO = new Set(["ratio", "fraction"]);
const PERCENT = new Set(["percent", "%", "pct"]);
const SECONDS = new Set(["seconds", "second", "s", "sec", "secs"]);
const MILLIS = new Set(["milliseconds", "millisecond", "ms"]);
const BYTES = new Set(["bytes", "byte", "b"]);
const PER_SECOND = new Set(["per_second", "persecond", "rps", "/s", "count/second"]);
const COUNT = new Set(["count", "none", ""]);

/** The axis unit for values in `unit` whose largest magnitude is `maxAbs`. */
export function axisUnitFor(unit: string | undefined, maxAbs: number): AxisUnit {
  const u = (unit ?? "").trim();
  const k = u.toLowerCase();
  const big = Number.isFinite(maxAbs) ? Math.abs(maxAbs) : 0;
  if (RATIO.has(k)) return { scale: 100, suffix: "%" };
  if (PERCENT.has(k)) return { scale: 1, suffix: "%" };
  if (SECONDS.has(k)) return big < 1 ? { scale: 1000, suffix: "ms" } : big >= 600 ? { scale: 1 / 60, suffix: "min" } : { scale: 1, suffix: "s" };
  if (MILLIS.has(k)) return big >= 10_000 ? { scale: 1 / 1000, suffix: "s" } : { scale: 1, suffix: "ms" };
  if (BYTES.has(k)) {
    for (const [f, s] of [
      [1024 ** 4, "TiB"],
      [1024 ** 3, "GiB"],
      [1024 ** 2, "MiB"],
      [1024, "KiB"],
    ] as const)
      if (big >= f) return { scale: 1 / f, suffix: s };
    return { scale: 1, suffix: "B" };
  }
  if (PER_SECOND.has(k)) return { scale: 1, suffix: "req/s" };
  if (COUNT.has(k)) return { scale: 1, suffix: "" };
  // "req/s", "keys/s", "connections", CloudWatch's "Count/Second"…: written as given.
  return { scale: 1, suffix: u.replace(/^Count\/Second$/, "/s") };
}

function trim(s: string): string {
  return s.includes(".") && !s.includes("e") ? s.replace(/\.?0+$/, "") : s;
}

/** A number for an axis label or a marker: 0.25, 12, 3.4k, 1.2M. */
export function compactNumber(v: number): string {
  if (!Number.isFinite(v)) return "";
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim((v / 1e9).toFixed(1))}G`;
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(1))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`;
  if (a >= 100 || a === 0) return trim(v.toFixed(0));
  if (a >= 1) return trim(v.toFixed(2));
  return trim(v.toPrecision(2));
}

/** A value already in the axis' unit, with the suffix: "40%", "850 ms", "1.2k req/s". */
export function withUnit(v: number, unit: AxisUnit): string {
  const n = compactNumber(v);
  if (!unit.suffix) return n;
  return unit.suffix === "%" ? `${n}%` : `${n} ${unit.suffix}`;
}
