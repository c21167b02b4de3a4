import type { Labels, Series, SeriesStore } from "../metrics/series-store.ts";
import { type Expr, type Matcher, PromQLError, type VectorMatching } from "./ast.ts";
import { histogramQuantile, MATH, quantile, RANGE_FUNCTIONS, rangeFunction } from "./functions.ts";
import { parsePromQL } from "./parse.ts";
import { type RangeSeries, type Sample, signature, type Value, withoutName } from "./values.ts";

export const LOOKBACK_MS = 5 * 60_000;
/** Series whose names start with this are internal (CloudWatch) and invisible to PromQL. */
const HIDDEN_PREFIX = "cw:";

export function matches(m: Matcher, value: string | undefined): boolean {
  const v = value ?? "";
  switch (m.op) {
    case "=":
      return v === m.value;
    case "!=":
      return v !== m.value;
    case "=~":
      return new RegExp(`^(?:${m.value})$`).test(v);
    case "!~":
      return !new RegExp(`^(?:${m.value})$`).test(v);
  }
}

export function selectSeries(store: SeriesStore, name: string | undefined, matchers: Matcher[]): Series[] {
  const all = name ? store.byName(name) : [...store.all()];
  const compiled = matchers.map((m) => (m.op === "=~" || m.op === "!~" ? { ...m, re: new RegExp(`^(?:${m.value})$`) } : { ...m, re: undefined }));
  return all.filter((s) => {
    if (s.labels.__name__!.startsWith(HIDDEN_PREFIX)) return false;
    return compiled.every((m) => {
      const v = s.labels[m.name] ?? "";
      if (m.re) return m.op === "=~" ? m.re.test(v) : !m.re.test(v);
      return m.op === "=" ? v === m.value : v !== m.value;
    });
  });
}

/** Evaluates PromQL over the series store at sim-time instants. */
export class Evaluator {
  private readonly store: SeriesStore;
  private readonly selected = new Map<Expr, Series[]>();

  constructor(store: SeriesStore) {
    this.store = store;
  }

  /** Instant query at t (sim ms). */
  instant(query: string | Expr, t: number): Value {
    const expr = typeof query === "string" ? parsePromQL(query) : query;
    return this.eval(expr, t);
  }

  /** Range query: a matrix of the expression evaluated at start, start+step, … end. */
  range(query: string, start: number, end: number, step: number): RangeSeries[] {
    const expr = parsePromQL(query);
    const byKey = new Map<string, RangeSeries>();
    if (step <= 0) throw new PromQLError("zero or negative query resolution step widths are not accepted. Try a positive integer");
    if ((end - start) / step > 11_000) throw new PromQLError("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
    for (let t = start; t <= end; t += step) {
      const v = this.eval(expr, t);
      if (v.kind === "matrix" || v.kind === "string") throw new PromQLError(`invalid expression type "${v.kind === "matrix" ? "range vector" : "string"}" for range query, must be Scalar or instant Vector`);
      const samples: Sample[] = v.kind === "scalar" ? [{ labels: {}, v: v.v }] : v.samples;
      for (const s of samples) {
        const key = `${signature(s.labels, undefined, false)}\u0002${s.labels.__name__ ?? ""}`;
        let rs = byKey.get(key);
        if (!rs) {
          rs = { labels: s.labels, points: [] };
          byKey.set(key, rs);
        }
        rs.points.push([t, s.v]);
      }
    }
    return [...byKey.values()];
  }

  private series(e: Expr & { type: "selector" }): Series[] {
    let s = this.selected.get(e);
    if (!s) {
      s = selectSeries(this.store, e.name, e.matchers);
      this.selected.set(e, s);
    }
    return s;
  }

  /**
   * A series' latest sample within the lookback — unless the series was gone from a scrape after it:
   * Prometheus then writes a staleness marker and the series has no value from that scrape on (a pod
   * deleted stops reading at once, not five minutes of lookback later; the crashloop-config walk's
   * rollback read "ready pods 66.7 %" for five minutes from its crash-looping pods already gone, and
   * was judged a failed fix).
   */
  private instantVector(e: Expr & { type: "selector" }, t: number): Sample[] {
    const at = t - e.offset;
    const step = this.store.stepOf(at);
    const minStep = this.store.stepOf(at - LOOKBACK_MS) + 1;
    // The latest scrape at or before `at`: the step itself, or the newest one when `at` is past it.
    const scraped = Math.min(step, this.store.head);
    const out: Sample[] = [];
    for (const s of this.series(e)) {
      if (s.lastStep < scraped) continue;
      for (let i = step; i >= minStep; i--) {
        const v = this.store.at(s, i);
        if (!Number.isNaN(v)) {
          out.push({ labels: s.labels, v });
          break;
        }
      }
    }
    return out;
  }

  private rangeVector(e: Expr & { type: "selector" }, t: number, range: number): RangeSeries[] {
    const at = t - e.offset;
    const last = this.store.stepOf(at);
    const first = Math.floor((at - range - this.store.t0) / this.store.stepMs) + 1;
    const out: RangeSeries[] = [];
    for (const s of this.series(e)) {
      const points: Array<[number, number]> = [];
      for (let i = Math.max(first, 0); i <= last; i++) {
        const v = this.store.at(s, i);
        const ts = this.store.timeOf(i);
        if (!Number.isNaN(v) && ts > at - range && ts <= at) points.push([ts + e.offset, v]);
      }
      if (points.length) out.push({ labels: s.labels, points });
    }
    return out;
  }

  eval(e: Expr, t: number): Value {
    switch (e.type) {
      case "number":
        return { kind: "scalar", v: e.value };
      case "string":
        return { kind: "string", s: e.value };
      case "paren":
        return this.eval(e.expr, t);
      case "selector":
        if (e.range !== undefined) return { kind: "matrix", series: this.rangeVector(e, t, e.range) };
        return { kind: "vector", samples: this.instantVector(e, t) };
      case "subquery": {
        const series = new Map<string, RangeSeries>();
        const end = t - e.offset;
        const startAligned = Math.floor((end - e.range) / e.step) * e.step + e.step;
        for (let ts = startAligned; ts <= end; ts += e.step) {
          const v = this.eval(e.expr, ts);
          const samples = v.kind === "scalar" ? [{ labels: {}, v: v.v }] : v.kind === "vector" ? v.samples : [];
          for (const s of samples) {
            const key = signature(s.labels, undefined, false) + (s.labels.__name__ ?? "");
            const rs = series.get(key) ?? { labels: s.labels, points: [] };
            rs.points.push([ts, s.v]);
            series.set(key, rs);
          }
        }
        return { kind: "matrix", series: [...series.values()] };
      }
      case "unary": {
        const v = this.eval(e.expr, t);
        if (e.op === "+") return v;
        if (v.kind === "scalar") return { kind: "scalar", v: -v.v };
        if (v.kind === "vector") return { kind: "vector", samples: v.samples.map((s) => ({ labels: withoutName(s.labels), v: -s.v })) };
        throw new PromQLError("unary minus only applies to scalars and instant vectors");
      }
      case "call":
        return this.call(e, t);
      case "agg":
        return this.aggregate(e, t);
      case "binary":
        return this.binary(e, t);
    }
  }

  private vec(e: Expr, t: number, what: string): Sample[] {
    const v = this.eval(e, t);
    if (v.kind === "vector") return v.samples;
    throw new PromQLError(`expected instant vector for ${what}, got ${v.kind === "matrix" ? "range vector" : v.kind}`);
  }

  private scalarArg(e: Expr | undefined, t: number, what: string): number {
    if (!e) throw new PromQLError(`missing argument for ${what}`);
    const v = this.eval(e, t);
    if (v.kind === "scalar") return v.v;
    throw new PromQLError(`expected scalar argument for ${what}`);
  }

  private call(e: Expr & { type: "call" }, t: number): Value {
    const f = e.func;
    if (RANGE_FUNCTIONS.has(f)) {
      const argIndex = f === "quantile_over_time" ? 1 : 0;
      const inner = e.args[argIndex];
      if (!inner) throw new PromQLError(`missing argument for ${f}`);
      const v = this.eval(inner, t);
      if (v.kind !== "matrix") throw new PromQLError(`expected type range vector in call to function "${f}", got ${v.kind === "vector" ? "instant vector" : v.kind}`);
      const range = inner.type === "selector" ? inner.range! : inner.type === "subquery" ? inner.range : 0;
      const arg = f === "predict_linear" ? this.scalarArg(e.args[1], t, f) : f === "quantile_over_time" ? this.scalarArg(e.args[0], t, f) : undefined;
      return { kind: "vector", samples: rangeFunction(f, v.series, t, range, arg) };
    }
    if (MATH[f]) return { kind: "vector", samples: this.vec(e.args[0]!, t, f).map((s) => ({ labels: withoutName(s.labels), v: MATH[f]!(s.v) })) };
    switch (f) {
      case "histogram_quantile":
        return { kind: "vector", samples: histogramQuantile(this.scalarArg(e.args[0], t, f), this.vec(e.args[1]!, t, f)) };
      case "round": {
        const to = e.args[1] ? this.scalarArg(e.args[1], t, f) : 1;
        return { kind: "vector", samples: this.vec(e.args[0]!, t, f).map((s) => ({ labels: withoutName(s.labels), v: Math.round(s.v / to) * to })) };
      }
      case "clamp":
      case "clamp_min":
      case "clamp_max": {
        const a = this.scalarArg(e.args[1], t, f);
        const b = f === "clamp" ? this.scalarArg(e.args[2], t, f) : a;
        const fn = f === "clamp" ? (v: number) => Math.min(b, Math.max(a, v)) : f === "clamp_min" ? (v: number) => Math.max(a, v) : (v: number) => Math.min(a, v);
        return { kind: "vector", samples: this.vec(e.args[0]!, t, f).map((s) => ({ labels: withoutName(s.labels), v: fn(s.v) })) };
      }
      case "scalar": {
        const s = this.vec(e.args[0]!, t, f);
        return { kind: "scalar", v: s.length === 1 ? s[0]!.v : Number.NaN };
      }
      case "vector":
        return { kind: "vector", samples: [{ labels: {}, v: this.scalarArg(e.args[0], t, f) }] };
      case "time":
        return { kind: "scalar", v: t / 1000 };
      case "timestamp":
        return { kind: "vector", samples: this.vec(e.args[0]!, t, f).map((s) => ({ labels: withoutName(s.labels), v: t / 1000 })) };
      case "absent": {
        const s = this.vec(e.args[0]!, t, f);
        if (s.length) return { kind: "vector", samples: [] };
        const arg = e.args[0]!;
        const labels: Labels = {};
        if (arg.type === "selector") for (const m of arg.matchers) if (m.op === "=") labels[m.name] = m.value;
        return { kind: "vector", samples: [{ labels, v: 1 }] };
      }
      case "sort":
      case "sort_desc": {
        const s = [...this.vec(e.args[0]!, t, f)];
        s.sort((a, b) => (f === "sort" ? a.v - b.v : b.v - a.v));
        return { kind: "vector", samples: s };
      }
      case "label_replace": {
        const [, dstE, replE, srcE, regexE] = e.args;
        const str = (x: Expr | undefined): string => {
          const v = x ? this.eval(x, t) : undefined;
          if (v?.kind !== "string") throw new PromQLError("label_replace expects string arguments");
          return v.s;
        };
        const dst = str(dstE);
        const repl = str(replE);
        const src = str(srcE);
        const re = new RegExp(`^(?:${str(regexE)})$`);
        return {
          kind: "vector",
          samples: this.vec(e.args[0]!, t, f).map((s) => {
            const m = re.exec(s.labels[src] ?? "");
            if (!m) return s;
            const value = repl.replace(/\$(\d+)|\$\{(\w+)\}/g, (_x, n, g) => m[Number(n ?? g)] ?? "");
            const labels = { ...s.labels };
            if (value) labels[dst] = value;
            else delete labels[dst];
            return { labels, v: s.v };
          }),
        };
      }
      default:
        throw new PromQLError(`unknown function with name "${f}"`);
    }
  }

  private aggregate(e: Expr & { type: "agg" }, t: number): Value {
    const samples = this.vec(e.expr, t, e.op);
    const groups = new Map<string, { labels: Labels; items: Sample[] }>();
    for (const s of samples) {
      const labels: Labels = {};
      for (const [k, v] of Object.entries(s.labels)) {
        if (k === "__name__") continue;
        if (e.without ? !e.grouping.includes(k) : e.grouping.includes(k)) labels[k] = v;
      }
      const key = signature(labels, undefined, false);
      const g = groups.get(key) ?? { labels, items: [] };
      g.items.push(s);
      groups.set(key, g);
    }
    const out: Sample[] = [];
    const param = e.param ? this.eval(e.param, t) : undefined;
    for (const g of groups.values()) {
      const vals = g.items.map((s) => s.v);
      switch (e.op) {
        case "sum":
          out.push({ labels: g.labels, v: vals.reduce((a, b) => a + b, 0) });
          break;
        case "avg":
          out.push({ labels: g.labels, v: vals.reduce((a, b) => a + b, 0) / vals.length });
          break;
        case "min":
          out.push({ labels: g.labels, v: Math.min(...vals) });
          break;
        case "max":
          out.push({ labels: g.labels, v: Math.max(...vals) });
          break;
        case "count":
          out.push({ labels: g.labels, v: vals.length });
          break;
        case "group":
          out.push({ labels: g.labels, v: 1 });
          break;
        case "stddev":
        case "stdvar": {
          const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
          const variance = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length;
          out.push({ labels: g.labels, v: e.op === "stddev" ? Math.sqrt(variance) : variance });
          break;
        }
        case "quantile":
          out.push({ labels: g.labels, v: quantile(param?.kind === "scalar" ? param.v : Number.NaN, vals) });
          break;
        case "topk":
        case "bottomk": {
          const k = param?.kind === "scalar" ? Math.floor(param.v) : 0;
          const sorted = [...g.items].sort((a, b) => (e.op === "topk" ? b.v - a.v : a.v - b.v));
          out.push(...sorted.slice(0, k));
          break;
        }
        case "count_values": {
          const label = param?.kind === "string" ? param.s : "value";
          const counts = new Map<string, number>();
          for (const v of vals) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
          for (const [v, n] of counts) out.push({ labels: { ...g.labels, [label]: v }, v: n });
          break;
        }
        default:
          throw new PromQLError(`unknown aggregation ${e.op}`);
      }
    }
    return { kind: "vector", samples: out };
  }

  private binary(e: Expr & { type: "binary" }, t: number): Value {
    const l = this.eval(e.lhs, t);
    const r = this.eval(e.rhs, t);
    const op = e.op;
    const isCmp = ["==", "!=", ">", "<", ">=", "<="].includes(op);
    if (l.kind === "scalar" && r.kind === "scalar") {
      if (isCmp && !e.bool) throw new PromQLError("comparisons between scalars must use BOOL modifier");
      return { kind: "scalar", v: arith(op, l.v, r.v, isCmp) };
    }
    if (["and", "or", "unless"].includes(op)) {
      if (l.kind !== "vector" || r.kind !== "vector") throw new PromQLError(`set operator "${op}" not allowed in binary scalar expression`);
      return { kind: "vector", samples: setOp(op, l.samples, r.samples, e.matching) };
    }
    if (l.kind === "vector" && r.kind === "scalar") return { kind: "vector", samples: scalarOp(l.samples, r.v, op, isCmp, e.bool, false) };
    if (l.kind === "scalar" && r.kind === "vector") return { kind: "vector", samples: scalarOp(r.samples, l.v, op, isCmp, e.bool, true) };
    if (l.kind === "vector" && r.kind === "vector") return { kind: "vector", samples: vectorOp(l.samples, r.samples, op, isCmp, e.bool, e.matching) };
    throw new PromQLError(`binary expression must contain only scalar and instant vector types`);
  }
}

function arith(op: string, a: number, b: number, cmpAsBool: boolean): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "%":
      return a % b;
    case "^":
      return a ** b;
    case "atan2":
      return Math.atan2(a, b);
  }
  const res = op === "==" ? a === b : op === "!=" ? a !== b : op === ">" ? a > b : op === "<" ? a < b : op === ">=" ? a >= b : a <= b;
  return cmpAsBool ? (res ? 1 : 0) : res ? 1 : 0;
}

function compare(op: string, a: number, b: number): boolean {
  return arith(op, a, b, true) === 1;
}

function scalarOp(samples: Sample[], s: number, op: string, isCmp: boolean, bool: boolean, scalarLeft: boolean): Sample[] {
  const out: Sample[] = [];
  for (const x of samples) {
    const [a, b] = scalarLeft ? [s, x.v] : [x.v, s];
    if (isCmp) {
      const ok = compare(op, a, b);
      if (bool) out.push({ labels: withoutName(x.labels), v: ok ? 1 : 0 });
      else if (ok) out.push(x);
    } else out.push({ labels: withoutName(x.labels), v: arith(op, a, b, false) });
  }
  return out;
}

function matchKey(l: Sample["labels"], m: VectorMatching | undefined): string {
  return m ? signature(l, m.labels, m.on) : signature(l, undefined, false);
}

function vectorOp(lhs: Sample[], rhs: Sample[], op: string, isCmp: boolean, bool: boolean, m: VectorMatching | undefined): Sample[] {
  const out: Sample[] = [];
  const groupRight = m?.group === "right";
  const [one, many] = groupRight ? [lhs, rhs] : [rhs, lhs];
  const index = new Map<string, Sample>();
  for (const s of one) {
    const k = matchKey(s.labels, m);
    if (index.has(k)) throw new PromQLError(`found duplicate series for the match group ${k.replace(/\u0000/g, "=").replace(/\u0001/g, ", ")} on the ${groupRight ? "left" : "right"} hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side`);
    index.set(k, s);
  }
  const seen = new Set<string>();
  for (const s of many) {
    const k = matchKey(s.labels, m);
    const other = index.get(k);
    if (!other) continue;
    if (!m?.group) {
      if (seen.has(k)) throw new PromQLError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      seen.add(k);
    }
    const [a, b] = groupRight ? [other.v, s.v] : [s.v, other.v];
    let labels: Sample["labels"];
    if (m?.group) {
      labels = withoutName(s.labels);
      for (const inc of m.include) if (other.labels[inc] !== undefined) labels[inc] = other.labels[inc]!;
    } else if (m?.on) {
      labels = {};
      for (const n of m.labels) if (s.labels[n] !== undefined) labels[n] = s.labels[n]!;
    } else if (m) {
      labels = withoutName(s.labels);
      for (const n of m.labels) delete labels[n];
    } else labels = withoutName(s.labels);
    if (isCmp) {
      const ok = compare(op, a, b);
      if (bool) out.push({ labels, v: ok ? 1 : 0 });
      else if (ok) out.push({ labels: m?.group ? labels : s.labels, v: groupRight ? b : a });
    } else out.push({ labels, v: arith(op, a, b, false) });
  }
  return out;
}

function setOp(op: string, lhs: Sample[], rhs: Sample[], m: VectorMatching | undefined): Sample[] {
  const rightKeys = new Set(rhs.map((s) => matchKey(s.labels, m)));
  if (op === "and") return lhs.filter((s) => rightKeys.has(matchKey(s.labels, m)));
  if (op === "unless") return lhs.filter((s) => !rightKeys.has(matchKey(s.labels, m)));
  const leftKeys = new Set(lhs.map((s) => matchKey(s.labels, m)));
  return [...lhs, ...rhs.filter((s) => !leftKeys.has(matchKey(s.labels, m)))];
}
