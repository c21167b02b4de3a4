import { itemAt } from "../domain/indexed.ts";
/**
 * Log lines → signatures (pure). A signature is the line's message with its variable parts masked
 * (timestamps, ids, numbers, addresses), so ten thousand "Connection is not available, request timed
 * out after 5000ms (total=30, active=30, idle=0, waiting=41)" lines become one entry with a count,
 * the first and last time seen, the pods it came from and one real sample.
 *
 * Understands the usual shapes: a Kubernetes `timestamps=true` prefix, JSON lines (pino, bunyan,
 * zap, logrus: `msg`/`message`, numeric or named levels, `time` in ms or ISO), logfmt (`level=`,
 * `msg="…"`), Spring Boot / log4j / Python logging / PostgreSQL / Redis prefixes, and access logs
 * (a 5xx status is an error). Continuation lines of a stack trace count with the line they follow.
 * Similar templates (same length, same first word, at most a quarter of the words different) are
 * merged, Drain-style, with `<*>` where they differ.
 */

export type LogLevel = "error" | "warn" | "info";

export interface LogLineInput {
  text: string;
  /** Who wrote it (pod name), for the signature's pod list. */
  source?: string;
  /** unix ms, when known from outside the text. */
  at?: number;
}

export interface LogSignature {
  signature: string;
  level: LogLevel;
  count: number;
  /** unix ms */
  firstSeen?: number;
  lastSeen?: number;
  /** One real line (message part), cut to 300 characters. */
  sample: string;
  sources: string[];
  /** With `splitAt`: lines before it and at or after it (how new the signature is). */
  before?: number;
  after?: number;
}

export interface ClusterResult {
  signatures: LogSignature[];
  /** Lines read (continuation lines included). */
  lines: number;
  /** Earliest and latest timestamp seen in any line (unix ms): what the excerpt covers. */
  coverage?: { from: number; to: number };
}

const K8S_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))\s/;
const ISO_IN_TEXT = /(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))?\s?(Z|UTC|[+-]\d\d:?\d\d)?/;
const CONTINUATION = /^(\s+\S|\s*at\s|\s*\.\.\.\s*\d+\s+more|\s*Caused by:|\s*File\s+"|\s*[}\])]\s*$|\s*Traceback \(most recent call last\))/;

function parseTimeText(m: RegExpExecArray): number | undefined {
  const frac = (m[3] ?? "0").slice(0, 3).padEnd(3, "0");
  const zone = !m[4] || m[4] === "UTC" || m[4] === "Z" ? "Z" : m[4].includes(":") ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  const t = Date.parse(`${m[1]}T${m[2]}.${frac}${zone}`);
  return Number.isFinite(t) ? t : undefined;
}

function levelFromWord(w: string | number | undefined): LogLevel | undefined {
  if (w === undefined || w === null) return undefined;
  if (typeof w === "number") return w >= 50 ? "error" : w >= 40 ? "warn" : "info";
  const s = String(w).toLowerCase();
  if (/^(error|err|fatal|crit|critical|panic|severe|alert|emerg|emergency|dpanic)$/.test(s)) return "error";
  if (/^(warn|warning)$/.test(s)) return "warn";
  if (/^\d+$/.test(s)) return levelFromWord(Number(s));
  return "info";
}

const ERRORISH = /\b(exception|error|errored|fail(ed|ure)?|fatal|panic|traceback|refused|timed out|timeout|deadline exceeded|unavailable|no space left|oom|out of memory|killed|denied|unreachable|reset by peer|broken pipe|ENOENT|ENOSPC|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/i;
const HTTP_5XX = /(?:\bstatus(?:Code)?[=:]\s*"?|"\s|\bCompleted\s|\s)(5\d\d)\b(?!\.\d)/;

interface Parsed {
  at?: number;
  level: LogLevel;
  message: string;
}

/** Extracts time, level and the message part of one line. */
export function parseLogLine(raw: string, knownAt?: number): Parsed {
  let text = raw.replace(/\r$/, "");
  let at = knownAt;
  const k = K8S_PREFIX.exec(text);
  if (k?.[1]) {
    const t = Date.parse(k[1]);
    if (Number.isFinite(t)) at ??= t;
    text = text.slice(k[0].length);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
    try {
      const o = JSON.parse(trimmed) as Record<string, unknown>;
      const err = o.err as { message?: unknown } | undefined;
      const error = o.error as { message?: unknown } | string | undefined;
      const msg = String(o.msg ?? o.message ?? (err && typeof err === "object" ? err.message : undefined) ?? (typeof error === "string" ? error : error?.message) ?? trimmed);
      const lvl = levelFromWord((o.level ?? o.severity ?? o.lvl ?? o["log.level"]) as string | number | undefined);
      const time = o.time ?? o.timestamp ?? o.ts ?? o["@timestamp"];
      if (at === undefined && time !== undefined) {
        if (typeof time === "number") at = time > 1e11 ? time : time * 1000;
        else {
          const t = Date.parse(String(time));
          if (Number.isFinite(t)) at = t;
        }
      }
      const res = o.res as { statusCode?: number } | undefined;
      const status = Number(res?.statusCode ?? o.status ?? o.statusCode ?? 0);
      let level = lvl ?? "info";
      if (status >= 500 && level === "info") level = "error";
      // An access-log entry's message alone ("request errored") loses the request; keep the route.
      const req = o.req as { method?: string; url?: string } | undefined;
      const message = req?.url && status ? `${msg} ${req.method ?? ""} ${req.url} ${status}`.replace(/\s+/g, " ") : msg;
      if (level === "info" && ERRORISH.test(msg) && lvl === undefined) level = "error";
      return { at, level, message: tracebackHeadline(message) };
    } catch {
      // not JSON after all
    }
  }
  // Leading timestamp in the text itself.
  const ts = ISO_IN_TEXT.exec(text);
  if (ts && ts.index <= 12) {
    at ??= parseTimeText(ts);
  }
  let level: LogLevel | undefined;
  let message = text;
  const logfmtLevel = /\blevel=("?)(\w+)\1/i.exec(text);
  if (logfmtLevel) level = levelFromWord(logfmtLevel[2]);
  const logfmtMsg = /\bmsg=(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(text);
  if (logfmtMsg) {
    const rest = text
      .replace(/\b(time|ts|level|msg|trace_id|span_id|caller)=(?:"(?:[^"\\]|\\.)*"|\S+)/g, "")
      .replace(/\s+/g, " ")
      .trim();
    message = `${logfmtMsg[1] ?? logfmtMsg[2]}${rest ? ` ${rest}` : ""}`;
  } else {
    const word = /(?:^|[\s[(|])(FATAL|PANIC|CRITICAL|CRIT|SEVERE|ERROR|ERR|WARNING|WARN|INFO|DEBUG|TRACE|NOTICE|LOG)(?=[\s\]):|]|$)/.exec(text);
    if (word && !level) level = word[1] === "LOG" || word[1] === "NOTICE" ? "info" : (levelFromWord(word[1]) ?? "info");
    if (!word && /^\s*[^\s:]+:\s*(ERROR|FATAL|PANIC)\b/.test(text)) level = "error";
    if (/^\S*\s*(Error|[A-Z]\w+(Error|Exception))\b[:\s]/.test(text.trim())) level = "error";
    // Drop the boilerplate before the message: timestamp, level, pid/thread, logger name.
    message = text
      .replace(ISO_IN_TEXT, "")
      .replace(/^\s*\d+:[A-Z]\s+\d{1,2}\s\w{3}\s\d{4}\s[\d:.]+\s[#*.-]\s/, "") // redis "1:M 12 Jan 2025 10:00:00.000 # "
      .replace(/^\s*\[\d+\]\s*/, "") // postgres "[12345] "
      .replace(/^\s*(FATAL|PANIC|CRITICAL|CRIT|SEVERE|ERROR|ERR|WARNING|WARN|INFO|DEBUG|TRACE|NOTICE)\b\s*/, "")
      .replace(/^\s*\d+\s+---\s+\[[^\]]*\]\s+\S+\s*:\s*/, "") // spring "1 --- [thread] logger : "
      .replace(/^\s*\[[\w.-]+\]\s*/, "") // python "[logger] "
      .trim();
    if (!message) message = text.trim();
  }
  level ??= "info";
  if (level === "info" && HTTP_5XX.test(` ${text}`)) level = "error";
  return { at, level, message: tracebackHeadline(message) };
}

const FLAT_TRACEBACK = /^Traceback \(most recent call last\):\s*(.*?)\s*\b((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Fault))(:\s*.*)?$/s;
const LAST_FRAME = /File "([^"]+)", line (\d+), in ([\w.<>]+)(?![\s\S]*File ")/;

/**
 * A Python traceback logged as one line (a JSON log's message, or a handler that joins the lines)
 * named by its exception, where it was raised after it: "KeyError: 'warehouse_id' (in reserve,
 * /app/inventory/reservations.py:212)", not "Traceback (most recent call last): File …", which
 * every traceback starts with and a signature cut to its first words would show.
 */
export function tracebackHeadline(message: string): string {
  const m = FLAT_TRACEBACK.exec(message);
  if (!m?.[2]) return message;
  const frame = LAST_FRAME.exec(m[1] ?? "");
  return `${m[2]}${(m[3] ?? "").trimEnd()}${frame ? ` (in ${frame[3]}, ${frame[1]}:${frame[2]})` : ""}`;
}

/** Masks the variable parts of a message: the template. */
export function maskMessage(message: string): string {
  return message
    .replace(/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, "<time>")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<id>")
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, "<ip>")
    .replace(/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, "<email>")
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\b(?:[a-z]+[_-])+(?=[a-z0-9]*\d)[a-z0-9]{4,}\b/gi, (m) => m.replace(/[a-z0-9]*\d[a-z0-9]*$/i, "<id>"))
    .replace(/(?<![\w<])v?\d+(?:\.\d+){2,3}\b/g, "<n>")
    .replace(/(?<![\w<])-?\d+(?:\.\d+)?(?=[a-zA-Z%]{0,3}\b)/g, "<n>")
    .replace(/\s+/g, " ")
    .trim();
}

const tokensOf = (s: string): string[] => s.split(" ");

interface Cluster {
  tokens: string[];
  level: LogLevel;
  count: number;
  before: number;
  after: number;
  firstSeen?: number;
  lastSeen?: number;
  sample: string;
  sources: Set<string>;
}

const LEVEL_RANK: Record<LogLevel, number> = { error: 2, warn: 1, info: 0 };

const bare = (token: string): string => token.replace(/^[^\w]+|[^\w]+$/g, "").toLowerCase();

function similar(a: string[], b: string[], protect: ReadonlySet<string>): string[] | undefined {
  if (a.length !== b.length || a.length < 3 || a[0] !== b[0]) return undefined;
  let diff = 0;
  const out: string[] = [];
  for (const [i, x] of a.entries()) {
    const y = itemAt(b, i);
    if (x === y) out.push(x);
    else if (protect.has(bare(x)) || protect.has(bare(y))) return undefined;
    else {
      diff++;
      out.push("<*>");
    }
  }
  return diff <= Math.floor(a.length / 4) ? out : undefined;
}

/**
 * Clusters lines into signatures, errors first, then by count. `minLevel` drops quieter lines from
 * the result (they still count for coverage). `protect`: words never merged into `<*>` (service
 * names, so "upstream payments timed out" and "upstream cart timed out" stay apart). `splitAt`
 * (unix ms): count lines before and after it per signature.
 */
export function clusterLogLines(lines: readonly LogLineInput[], opts: { minLevel?: LogLevel; limit?: number; protect?: readonly string[]; splitAt?: number } = {}): ClusterResult {
  const min = LEVEL_RANK[opts.minLevel ?? "info"];
  const protect = new Set((opts.protect ?? []).map((w) => w.toLowerCase()));
  const exact = new Map<string, Cluster>();
  let from = Infinity;
  let to = -Infinity;
  let prev: Cluster | undefined;
  let count = 0;
  for (const line of lines) {
    for (const rawLine of line.text.split("\n")) {
      if (!rawLine.trim()) continue;
      count++;
      // Strip a Kubernetes timestamp before deciding whether it continues the previous line.
      const body = rawLine.replace(K8S_PREFIX, "");
      if (prev && CONTINUATION.test(body)) {
        if (prev.sample.length < 300 && prev.count === 1) prev.sample = `${prev.sample} ${body.trim()}`.slice(0, 300);
        continue;
      }
      const p = parseLogLine(rawLine, line.at);
      if (p.at !== undefined) {
        from = Math.min(from, p.at);
        to = Math.max(to, p.at);
      }
      const masked = maskMessage(p.message).slice(0, 400);
      const key = `${p.level}|${masked}`;
      let c = exact.get(key);
      if (!c) exact.set(key, (c = { tokens: tokensOf(masked), level: p.level, count: 0, before: 0, after: 0, sample: p.message.slice(0, 300), sources: new Set() }));
      c.count++;
      if (opts.splitAt !== undefined && p.at !== undefined) {
        if (p.at < opts.splitAt) c.before++;
        else c.after++;
      }
      if (p.at !== undefined) {
        c.firstSeen = c.firstSeen === undefined ? p.at : Math.min(c.firstSeen, p.at);
        c.lastSeen = c.lastSeen === undefined ? p.at : Math.max(c.lastSeen, p.at);
      }
      if (line.source) c.sources.add(line.source);
      prev = c;
    }
  }
  // Drain-style merge of near-identical templates, most frequent first.
  const merged: Cluster[] = [];
  for (const c of [...exact.values()].sort((a, b) => b.count - a.count)) {
    let into: Cluster | undefined;
    let template: string[] | undefined;
    for (const m of merged) {
      if (m.level !== c.level) continue;
      template = similar(m.tokens, c.tokens, protect);
      if (template) {
        into = m;
        break;
      }
    }
    if (into && template) {
      into.tokens = template;
      into.count += c.count;
      into.before += c.before;
      into.after += c.after;
      if (c.firstSeen !== undefined) into.firstSeen = into.firstSeen === undefined ? c.firstSeen : Math.min(into.firstSeen, c.firstSeen);
      if (c.lastSeen !== undefined) into.lastSeen = into.lastSeen === undefined ? c.lastSeen : Math.max(into.lastSeen, c.lastSeen);
      for (const s of c.sources) into.sources.add(s);
    } else {
      merged.push({ ...c, tokens: [...c.tokens], sources: new Set(c.sources) });
    }
  }
  const signatures = merged
    .filter((c) => LEVEL_RANK[c.level] >= min)
    .sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || b.count - a.count || (a.firstSeen ?? 0) - (b.firstSeen ?? 0))
    .slice(0, opts.limit ?? 20)
    .map((c) => ({
      signature: c.tokens.join(" "),
      level: c.level,
      count: c.count,
      ...(c.firstSeen !== undefined ? { firstSeen: c.firstSeen, lastSeen: c.lastSeen } : {}),
      sample: c.sample,
      sources: [...c.sources].sort(),
      ...(opts.splitAt !== undefined ? { before: c.before, after: c.after } : {}),
    }));
  return { signatures, lines: count, ...(Number.isFinite(from) ? { coverage: { from, to } } : {}) };
}
