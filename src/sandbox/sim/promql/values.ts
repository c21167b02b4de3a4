import type { Labels } from "../metrics/series-store.ts";

export interface Sample {
  labels: Labels;
  v: number;
}

export interface RangeSeries {
  labels: Labels;
  /** [sim ms, value] */
  points: Array<[number, number]>;
}

export type Value = { kind: "scalar"; v: number } | { kind: "string"; s: string } | { kind: "vector"; samples: Sample[] } | { kind: "matrix"; series: RangeSeries[] };

export function withoutName(l: Labels): Labels {
  const { __name__: _drop, ...rest } = l;
  return rest;
}

export function signature(l: Labels, names: string[] | undefined, on: boolean): string {
  const keys = Object.keys(l)
    .filter((k) => k !== "__name__" && (names === undefined ? true : on ? names.includes(k) : !names.includes(k)))
    .sort();
  return keys.map((k) => `${k}\u0000${l[k]}`).join("\u0001");
}

/** Prometheus' sample value formatting. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}
