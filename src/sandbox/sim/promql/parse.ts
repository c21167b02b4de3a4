import { type Expr, type Matcher, type MatchOp, PromQLError, type VectorMatching } from "./ast.ts";

type Tok = { kind: "num" | "str" | "ident" | "op" | "dur" | "eof"; text: string; value?: number; pos: number };

const AGGREGATIONS = new Set(["sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "group", "count_values"]);
const OPS = ["==", "!=", "<=", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^", "<", ">", "=", "(", ")", "{", "}", "[", "]", ",", ":", "@"];
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) {
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
    throw new PromQLError(`bad duration "${text}"`);
  }
  return total;
}

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      let out = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && c !== "`") {
          const n = src[j + 1];
          out += n === "n" ? "\n" : n === "t" ? "\t" : (n ?? "");
          j += 2;
        } else out += src[j++];
      }
      if (j >= src.length) throw new PromQLError(`unterminated string at ${i}`);
      toks.push({ kind: "str", text: out, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|\d*\.?\d+(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num && /[\d.]/.test(c)) {
      const after = src.slice(i + num[0].length);
      const dur = /^(\d+(?:ms|s|m|h|d|w|y))+/.exec(src.slice(i));
      if (dur && /^[a-z]/.test(after)) {
        toks.push({ kind: "dur", text: dur[0], value: parseDuration(dur[0]), pos: i });
        i += dur[0].length;
        continue;
      }
      toks.push({ kind: "num", text: num[0], value: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    const prev = toks.at(-1);
    // In `[10m:1m]` the colon separates a subquery's range and step; elsewhere it may start a name.
    const id = c === ":" && (prev?.kind === "dur" || prev?.kind === "num") ? null : /^[a-zA-Z_:][a-zA-Z0-9_:.]*/.exec(src.slice(i));
    if (id) {
      toks.push({ kind: "ident", text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new PromQLError(`unexpected character "${c}" at position ${i}`);
    toks.push({ kind: "op", text: op, pos: i });
    i += op.length;
  }
  toks.push({ kind: "eof", text: "", pos: src.length });
  return toks;
}

const PRECEDENCE: Array<string[]> = [["or"], ["and", "unless"], ["==", "!=", "<=", "<", ">=", ">"], ["+", "-"], ["*", "/", "%", "atan2"]];

class Parser {
  private i = 0;
  private readonly toks: Tok[];

  constructor(toks: Tok[]) {
    this.toks = toks;
  }

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }

  private next(): Tok {
    return this.toks[this.i++]!;
  }

  private is(text: string): boolean {
    const t = this.peek();
    return (t.kind === "op" || t.kind === "ident") && t.text === text;
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new PromQLError(`expected "${text}" at position ${t.pos}, found "${t.text || "end of input"}"`);
  }

  parseAll(): Expr {
    const e = this.parseBinary(0);
    if (this.peek().kind !== "eof") throw new PromQLError(`unexpected "${this.peek().text}" at position ${this.peek().pos}`);
    return e;
  }

  private parseBinary(level: number): Expr {
    if (level >= PRECEDENCE.length) return this.parsePow();
    let lhs = this.parseBinary(level + 1);
    for (;;) {
      const t = this.peek();
      const ops = PRECEDENCE[level]!;
      const isOp = (t.kind === "op" || t.kind === "ident") && ops.includes(t.text.toLowerCase());
      if (!isOp) return lhs;
      this.next();
      const op = t.text.toLowerCase();
      let bool = false;
      if (this.is("bool")) {
        this.next();
        bool = true;
      }
      const matching = this.parseMatching();
      const rhs = this.parseBinary(level + 1);
      lhs = { type: "binary", op, lhs, rhs, bool, matching };
    }
  }

  private parsePow(): Expr {
    const lhs = this.parseUnary();
    if (this.is("^")) {
      this.next();
      const matching = this.parseMatching();
      const rhs = this.parsePow();
      return { type: "binary", op: "^", lhs, rhs, bool: false, matching };
    }
    return lhs;
  }

  private parseMatching(): VectorMatching | undefined {
    if (!this.is("on") && !this.is("ignoring")) return undefined;
    const on = this.next().text === "on";
    const labels = this.parseLabelList();
    const m: VectorMatching = { on, labels, include: [] };
    if (this.is("group_left") || this.is("group_right")) {
      m.group = this.next().text === "group_left" ? "left" : "right";
      if (this.is("(")) m.include = this.parseLabelList();
    }
    return m;
  }

  private parseLabelList(): string[] {
    this.expect("(");
    const out: string[] = [];
    while (!this.is(")")) {
      const t = this.next();
      if (t.kind !== "ident") throw new PromQLError(`expected label name at position ${t.pos}`);
      out.push(t.text);
      if (this.is(",")) this.next();
    }
    this.expect(")");
    return out;
  }

  private parseUnary(): Expr {
    if (this.is("-") || this.is("+")) {
      const op = this.next().text as "-" | "+";
      const expr = this.parseUnary();
      if (expr.type === "number") return { type: "number", value: op === "-" ? -expr.value : expr.value };
      return { type: "unary", op, expr };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      if (this.is("[")) {
        this.next();
        const range = this.durationTok();
        if (this.is(":")) {
          this.next();
          const step = this.is("]") ? 60_000 : this.durationTok();
          this.expect("]");
          e = { type: "subquery", expr: e, range, step, offset: 0 };
          continue;
        }
        this.expect("]");
        if (e.type !== "selector" || e.range !== undefined) throw new PromQLError("ranges only allowed for vector selectors");
        e = { ...e, range };
        continue;
      }
      if (this.is("offset")) {
        this.next();
        const neg = this.is("-") ? (this.next(), -1) : 1;
        const off = neg * this.durationTok();
        if (e.type === "selector" || e.type === "subquery") e = { ...e, offset: off };
        else throw new PromQLError("offset must follow a selector");
        continue;
      }
      if (this.is("@")) {
        throw new PromQLError("the @ modifier is not supported by this Prometheus");
      }
      return e;
    }
  }

  private durationTok(): number {
    const t = this.next();
    if (t.kind === "dur") return t.value!;
    if (t.kind === "num") return t.value! * 1000;
    throw new PromQLError(`expected duration at position ${t.pos}`);
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (t.kind === "num") {
      this.next();
      return { type: "number", value: t.value! };
    }
    if (t.kind === "dur") {
      this.next();
      return { type: "number", value: t.value! / 1000 };
    }
    if (t.kind === "str") {
      this.next();
      return { type: "string", value: t.text };
    }
    if (this.is("(")) {
      this.next();
      const expr = this.parseBinary(0);
      this.expect(")");
      return { type: "paren", expr };
    }
    if (this.is("{")) return this.parseSelector(undefined);
    if (t.kind === "ident") {
      const lower = t.text.toLowerCase();
      if (lower === "inf" || lower === "nan") {
        this.next();
        return { type: "number", value: lower === "inf" ? Number.POSITIVE_INFINITY : Number.NaN };
      }
      if (AGGREGATIONS.has(lower) && (this.peek(1).text === "(" || this.peek(1).text === "by" || this.peek(1).text === "without")) return this.parseAgg();
      if (this.peek(1).text === "(" && this.peek(1).kind === "op") {
        this.next();
        this.expect("(");
        const args: Expr[] = [];
        while (!this.is(")")) {
          args.push(this.parseBinary(0));
          if (this.is(",")) this.next();
          else break;
        }
        this.expect(")");
        return { type: "call", func: t.text, args };
      }
      this.next();
      return this.parseSelector(t.text);
    }
    throw new PromQLError(`unexpected "${t.text || "end of input"}" at position ${t.pos}`);
  }

  private parseAgg(): Expr {
    const op = this.next().text.toLowerCase();
    let grouping: string[] = [];
    let without = false;
    const clause = (): void => {
      if (this.is("by") || this.is("without")) {
        without = this.next().text === "without";
        grouping = this.parseLabelList();
      }
    };
    clause();
    this.expect("(");
    const args: Expr[] = [];
    while (!this.is(")")) {
      args.push(this.parseBinary(0));
      if (this.is(",")) this.next();
      else break;
    }
    this.expect(")");
    clause();
    const needsParam = op === "topk" || op === "bottomk" || op === "quantile" || op === "count_values";
    if (args.length !== (needsParam ? 2 : 1)) throw new PromQLError(`wrong number of arguments for aggregate ${op}`);
    return { type: "agg", op, grouping, without, param: needsParam ? args[0] : undefined, expr: args[needsParam ? 1 : 0]! };
  }

  private parseSelector(name: string | undefined): Expr {
    const matchers: Matcher[] = [];
    if (this.is("{")) {
      this.next();
      while (!this.is("}")) {
        const l = this.next();
        if (l.kind !== "ident" && l.kind !== "str") throw new PromQLError(`expected label name at position ${l.pos}`);
        const op = this.next();
        if (!["=", "!=", "=~", "!~"].includes(op.text)) throw new PromQLError(`expected label matching operator at position ${op.pos}`);
        const v = this.next();
        if (v.kind !== "str") throw new PromQLError(`expected string at position ${v.pos}`);
        matchers.push({ name: l.text, op: op.text as MatchOp, value: v.text });
        if (this.is(",")) this.next();
        else break;
      }
      this.expect("}");
    }
    if (!name && !matchers.some((m) => m.name === "__name__") && !matchers.some((m) => !matchesEmpty(m))) {
      throw new PromQLError("vector selector must contain at least one non-empty matcher");
    }
    return { type: "selector", name, matchers, offset: 0 };
  }
}

function matchesEmpty(m: Matcher): boolean {
  if (m.op === "=") return m.value === "";
  if (m.op === "!=") return m.value !== "";
  const re = new RegExp(`^(?:${m.value})$`);
  return m.op === "=~" ? re.test("") : !re.test("");
}

export function parsePromQL(src: string): Expr {
  if (!src.trim()) throw new PromQLError("empty query");
  return new Parser(lex(src)).parseAll();
}
