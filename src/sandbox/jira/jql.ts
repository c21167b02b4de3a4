/**
 * A JQL subset: clauses `field op value` joined with AND / OR / NOT and parentheses, then ORDER BY.
 * Operators: = != ~ !~ > >= < <= IN, NOT IN, IS [NOT] EMPTY. Values: words, quoted strings, lists
 * `(a, b)`, functions `currentUser()` and `now()`, and relative dates like `-1d`.
 * Pure: the caller says what a field's values are for an issue.
 */

export class JqlError extends Error {}

export type JqlOp = "=" | "!=" | "~" | "!~" | ">" | ">=" | "<" | "<=" | "in" | "not in" | "is" | "is not";

export type JqlValue = { kind: "text"; text: string } | { kind: "empty" } | { kind: "fn"; name: string } | { kind: "list"; items: JqlValue[] };

export type JqlNode = { kind: "and" | "or"; left: JqlNode; right: JqlNode } | { kind: "not"; inner: JqlNode } | { kind: "clause"; field: string; op: JqlOp; value: JqlValue };

export interface JqlQuery {
  where: JqlNode | null;
  orderBy: Array<{ field: string; dir: "asc" | "desc" }>;
}

type Token = { t: "word" | "string" | "op" | "(" | ")" | ","; v: string; pos: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      out.push({ t: c, v: c, pos: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) throw new JqlError(`Error in the JQL Query: The quoted string starting at character ${i} has not been completed.`);
      out.push({ t: "string", v: text, pos: i });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "!=" || two === "!~" || two === ">=" || two === "<=") {
      out.push({ t: "op", v: two, pos: i });
      i += 2;
      continue;
    }
    if (c === "=" || c === "~" || c === ">" || c === "<") {
      out.push({ t: "op", v: c, pos: i });
      i++;
      continue;
    }
    let j = i;
    while (j < src.length && !/[\s(),=!~<>"']/.test(src.charAt(j))) j++;
    if (j === i) throw new JqlError(`Error in the JQL Query: The character '${c}' is a reserved JQL character (at position ${i}).`);
    out.push({ t: "word", v: src.slice(i, j), pos: i });
    i = j;
  }
  return out;
}

class Parser {
  private i = 0;
  private readonly toks: Token[];
  constructor(toks: Token[]) {
    this.toks = toks;
  }
  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.toks[this.i + offset];
    return t?.t === "word" && t.v.toLowerCase() === word;
  }
  private next(): Token {
    const t = this.toks[this.i++];
    if (!t) throw new JqlError("Error in the JQL Query: Expecting more input at the end of the query.");
    return t;
  }

  query(): JqlQuery {
    let where: JqlNode | null = null;
    if (this.peek() && !(this.isWord("order") && this.isWord("by", 1))) where = this.or();
    const orderBy: JqlQuery["orderBy"] = [];
    if (this.isWord("order") && this.isWord("by", 1)) {
      this.i += 2;
      do {
        const f = this.next();
        if (f.t !== "word" && f.t !== "string") throw new JqlError(`Error in the JQL Query: Expecting a field name at position ${f.pos}.`);
        let dir: "asc" | "desc" = "asc";
        if (this.isWord("asc") || this.isWord("desc")) dir = this.next().v.toLowerCase() as "asc" | "desc";
        orderBy.push({ field: f.v, dir });
      } while (this.peek()?.t === "," && this.next());
    }
    const rest = this.peek();
    if (rest) throw new JqlError(`Error in the JQL Query: Expecting either 'OR' or 'AND' but got '${rest.v}' at position ${rest.pos}.`);
    return { where, orderBy };
  }

  private or(): JqlNode {
    let left = this.and();
    while (this.isWord("or")) {
      this.i++;
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): JqlNode {
    let left = this.unary();
    while (this.isWord("and")) {
      this.i++;
      left = { kind: "and", left, right: this.unary() };
    }
    return left;
  }

  private unary(): JqlNode {
    if (this.isWord("not")) {
      this.i++;
      return { kind: "not", inner: this.unary() };
    }
    if (this.peek()?.t === "(") {
      this.i++;
      const inner = this.or();
      if (this.next().t !== ")") throw new JqlError("Error in the JQL Query: Expecting ')'.");
      return inner;
    }
    return this.clause();
  }

  private clause(): JqlNode {
    const f = this.next();
    if (f.t !== "word" && f.t !== "string") throw new JqlError(`Error in the JQL Query: Expecting a field name but got '${f.v}' at position ${f.pos}.`);
    let field = f.v;
    // cf[10040] is one field name.
    if (/^cf\[\d+\]$/i.test(field)) field = `customfield_${field.slice(3, -1)}`;
    const opTok = this.next();
    let op: JqlOp;
    if (opTok.t === "op") op = opTok.v as JqlOp;
    else if (opTok.t === "word" && opTok.v.toLowerCase() === "in") op = "in";
    else if (opTok.t === "word" && opTok.v.toLowerCase() === "is") {
      op = "is";
      if (this.isWord("not")) {
        this.i++;
        op = "is not";
      }
    } else if (opTok.t === "word" && opTok.v.toLowerCase() === "not" && this.isWord("in")) {
      this.i++;
      op = "not in";
    } else throw new JqlError(`Error in the JQL Query: Expecting operator but got '${opTok.v}' at position ${opTok.pos}.`);
    const value = op === "in" || op === "not in" ? this.list() : this.value();
    if ((op === "is" || op === "is not") && value.kind !== "empty") throw new JqlError(`Error in the JQL Query: The operator '${op.toUpperCase()}' only supports EMPTY or NULL.`);
    return { kind: "clause", field, op, value };
  }

  private list(): JqlValue {
    if (this.peek()?.t !== "(") return this.value();
    this.i++;
    const items: JqlValue[] = [];
    while (this.peek()?.t !== ")") {
      items.push(this.value());
      if (this.peek()?.t === ",") this.i++;
      else if (this.peek()?.t !== ")") throw new JqlError("Error in the JQL Query: Expecting ',' or ')' in a list.");
    }
    this.i++;
    return { kind: "list", items };
  }

  private value(): JqlValue {
    const t = this.next();
    if (t.t === "string") return { kind: "text", text: t.v };
    if (t.t !== "word") throw new JqlError(`Error in the JQL Query: Expecting a value but got '${t.v}' at position ${t.pos}.`);
    const lower = t.v.toLowerCase();
    if (lower === "empty" || lower === "null") return { kind: "empty" };
    if (this.peek()?.t === "(" && this.toks[this.i + 1]?.t === ")") {
      this.i += 2;
      return { kind: "fn", name: lower };
    }
    return { kind: "text", text: t.v };
  }
}

export function parseJql(src: string): JqlQuery {
  return new Parser(tokenize(src)).query();
}

/** What a field holds for one issue: strings (names, keys, ids), a text body for `~`, or a time. */
export type JqlFieldValue = { kind: "values"; values: string[] } | { kind: "text"; text: string } | { kind: "time"; ms: number | null };

export interface JqlContext {
  /** Values of a field on the issue being tested; throw JqlError for an unknown field. */
  field(name: string): JqlFieldValue;
  currentUser: string;
  now: number;
}

const RELATIVE = /^([-+]?)(\d+)([wdhm])$/i;
const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000 };

function toTime(v: JqlValue, now: number): number {
  if (v.kind === "fn" && v.name === "now") return now;
  if (v.kind !== "text") throw new JqlError("Error in the JQL Query: Expecting a date.");
  const rel = RELATIVE.exec(v.text);
  const [, sign, amount, unit] = rel ?? [];
  const unitMs = unit === undefined ? undefined : UNIT_MS[unit.toLowerCase()];
  if (unitMs !== undefined) return now + (sign === "-" ? -1 : 1) * Number(amount) * unitMs;
  const ms = Date.parse(v.text.replace(" ", "T"));
  if (Number.isNaN(ms)) throw new JqlError(`Error in the JQL Query: Date value '${v.text}' is invalid.`);
  return ms;
}

function scalar(v: JqlValue, ctx: JqlContext): string | null {
  if (v.kind === "text") return v.text.toLowerCase();
  if (v.kind === "fn" && v.name === "currentuser") return ctx.currentUser.toLowerCase();
  if (v.kind === "empty") return null;
  throw new JqlError(`Error in the JQL Query: Unsupported value.`);
}

function textMatches(haystack: string, needle: string): boolean {
  const h = haystack.toLowerCase();
  const n = needle.toLowerCase().trim();
  if (n.startsWith('"') && n.endsWith('"')) return h.includes(n.slice(1, -1));
  return n
    .split(/\s+/)
    .filter(Boolean)
    .every((term) => h.includes(term.replace(/[*?]/g, "")));
}

function evalClause(c: Extract<JqlNode, { kind: "clause" }>, ctx: JqlContext): boolean {
  const fv = ctx.field(c.field);
  if (c.op === "is" || c.op === "is not") {
    const empty = fv.kind === "values" ? fv.values.length === 0 : fv.kind === "text" ? fv.text === "" : fv.ms === null;
    return c.op === "is" ? empty : !empty;
  }
  if (fv.kind === "time") {
    if (fv.ms === null) return false;
    const t = toTime(c.value, ctx.now);
    switch (c.op) {
      case ">":
        return fv.ms > t;
      case ">=":
        return fv.ms >= t;
      case "<":
        return fv.ms < t;
      case "<=":
        return fv.ms <= t;
      case "=":
        return fv.ms === t;
      case "!=":
        return fv.ms !== t;
      default:
        throw new JqlError(`Error in the JQL Query: The operator '${c.op}' is not supported by the '${c.field}' field.`);
    }
  }
  if (c.op === "~" || c.op === "!~") {
    if (c.value.kind !== "text") throw new JqlError("Error in the JQL Query: The '~' operator needs a text value.");
    const text = fv.kind === "text" ? fv.text : fv.values.join(" ");
    const hit = textMatches(text, c.value.text);
    return c.op === "~" ? hit : !hit;
  }
  if (fv.kind === "text") throw new JqlError(`Error in the JQL Query: The operator '${c.op}' is not supported by the '${c.field}' field.`);
  const have = fv.values.map((v) => v.toLowerCase());
  const wanted = (c.value.kind === "list" ? c.value.items : [c.value]).map((v) => scalar(v, ctx));
  const hit = wanted.some((w) => (w === null ? have.length === 0 : have.includes(w)));
  switch (c.op) {
    case "=":
    case "in":
      return hit;
    case "!=":
    case "not in":
      // Jira's negative operators never match issues where the field is empty.
      return have.length > 0 && !hit;
    default:
      throw new JqlError(`Error in the JQL Query: The operator '${c.op}' is not supported by the '${c.field}' field.`);
  }
}

export function evaluateJql(node: JqlNode | null, ctx: JqlContext): boolean {
  if (!node) return true;
  switch (node.kind) {
    case "and":
      return evaluateJql(node.left, ctx) && evaluateJql(node.right, ctx);
    case "or":
      return evaluateJql(node.left, ctx) || evaluateJql(node.right, ctx);
    case "not":
      return !evaluateJql(node.inner, ctx);
    case "clause":
      return evalClause(node, ctx);
  }
}
