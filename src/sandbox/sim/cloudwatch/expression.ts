import { CloudWatchError } from "./aggregate.ts";

export type TimeSeries = Map<number, number>;
type Val = number | TimeSeries;

/**
 * CloudWatch metric math, the arithmetic part: ids of other queries, numbers, + - * /, parentheses,
 * and SUM / AVG / MIN / MAX over `[m1, m2]` or `METRICS()` (row-wise across series).
 */
export function evaluateExpression(expr: string, results: Map<string, TimeSeries>): TimeSeries {
  const toks = expr.match(/\s*([A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[-+*/(),[\]"])/g)?.map((t) => t.trim()) ?? [];
  if (toks.join("").replace(/\s/g, "") !== expr.replace(/\s/g, "")) throw new CloudWatchError("ValidationError", `Unsupported metric math expression: ${expr}`);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const next = (): string => {
    const t = toks[i++];
    if (t === undefined) throw new CloudWatchError("ValidationError", `Unexpected end of expression: ${expr}`);
    return t;
  };
  const binary = (a: Val, b: Val, op: string): Val => {
    const f = (x: number, y: number): number => (op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : x / y);
    if (typeof a === "number" && typeof b === "number") return f(a, b);
    const out: TimeSeries = new Map();
    if (typeof a === "number") for (const [t, v] of b as TimeSeries) out.set(t, f(a, v));
    else if (typeof b === "number") for (const [t, v] of a) out.set(t, f(v, b));
    else for (const [t, v] of a) if (b.has(t)) out.set(t, f(v, b.get(t)!));
    return out;
  };
  const list = (): TimeSeries[] => {
    if (peek() === "[") {
      next();
      const items: TimeSeries[] = [];
      while (peek() !== "]") {
        const v = sum();
        if (typeof v !== "number") items.push(v);
        if (peek() === ",") next();
      }
      next();
      return items;
    }
    const fn = next();
    if (fn.toUpperCase() !== "METRICS") throw new CloudWatchError("ValidationError", `Unsupported function ${fn} in: ${expr}`);
    next();
    if (peek() === '"') throw new CloudWatchError("ValidationError", "METRICS() filters are not supported");
    next();
    return [...results.values()];
  };
  const primary = (): Val => {
    const t = next();
    if (t === "(") {
      const v = sum();
      next();
      return v;
    }
    if (t === "-") return binary(0, primary(), "-");
    if (/^\d/.test(t)) return Number(t);
    if (peek() === "(") {
      next();
      const items = list();
      next();
      const agg = t.toUpperCase();
      if (!["SUM", "AVG", "MIN", "MAX"].includes(agg)) throw new CloudWatchError("ValidationError", `Unsupported function ${t} in: ${expr}`);
      const out: TimeSeries = new Map();
      const ts = new Set<number>();
      for (const s of items) for (const k of s.keys()) ts.add(k);
      for (const k of [...ts].sort((a, b) => a - b)) {
        const vals = items.map((s) => s.get(k)).filter((v): v is number => v !== undefined);
        const total = vals.reduce((a, b) => a + b, 0);
        out.set(k, agg === "SUM" ? total : agg === "AVG" ? total / vals.length : agg === "MIN" ? Math.min(...vals) : Math.max(...vals));
      }
      return out;
    }
    const r = results.get(t);
    if (!r) throw new CloudWatchError("ValidationError", `Error in expression '${expr}': Unrecognized token ${t}`);
    return r;
  };
  const product = (): Val => {
    let v = primary();
    while (peek() === "*" || peek() === "/") {
      const op = next();
      v = binary(v, primary(), op);
    }
    return v;
  };
  function sum(): Val {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = next();
      v = binary(v, product(), op);
    }
    return v;
  }
  const v = sum();
  if (i < toks.length) throw new CloudWatchError("ValidationError", `Unexpected token ${toks[i]} in: ${expr}`);
  if (typeof v === "number") throw new CloudWatchError("ValidationError", `The expression '${expr}' must return a time series`);
  return v;
}
