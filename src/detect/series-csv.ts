/**
 * NAB-style series CSV: a header line `timestamp,value` then one row per point. Timestamps are
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC), ISO 8601, or epoch seconds/milliseconds. Values that do
 * not parse become NaN (kept as a row, so output stays one row per input row).
 */
import { splitCsvLine } from "../text/csv.ts";

export interface SeriesRow {
  /** The timestamp cell as read (unquoted; echoed back in outputs). */
  raw: string;
  /** The value cell as read (unquoted). */
  rawValue: string;
  t: number;
  value: number;
}

/** Parse a timestamp into epoch ms (UTC for zone-less text); NaN when it cannot be read. */
export function parseTimestamp(text: string): number {
  const s = text.trim().replace(/^"|"$/g, "");
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n < 1e11 ? n * 1000 : n; // seconds or milliseconds
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    // Groups 1–5 always match; seconds, fraction and zone are optional.
    const [, year, month, day, hour, minute, second, fraction, zone] = m;
    const ms = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
    let t = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), second ? +second : 0, ms);
    if (zone && zone !== "Z") {
      const sign = zone.startsWith("-") ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60e3;
    }
    return t;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00Z`);
  const t = Date.parse(s);
  return Number.isNaN(t) ? Number.NaN : t;
}

/** Parse CSV text. The first line is a header if its first cell is not a timestamp. */
export function parseSeriesCsv(text: string): SeriesRow[] {
  const lines = text.split(/\r?\n/);
  const rows: SeriesRow[] = [];
  let first = true;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const cells = splitCsvLine(line);
    const rawT = (cells[0] ?? "").trim();
    const rawV = (cells[1] ?? "").trim();
    const t = parseTimestamp(rawT);
    if (first) {
      first = false;
      if (Number.isNaN(t)) continue; // header
    }
    const unq = rawV.replace(/^"|"$/g, "");
    const value = unq === "" ? Number.NaN : Number(unq);
    rows.push({ raw: rawT, rawValue: rawV, t, value: Number.isFinite(value) ? value : Number.NaN });
  }
  return rows;
}
