/**
 * How a log line reads. pino writes one JSON object per line; these turn it into what aisre prints:
 * the same JSON with each key once (a child logger's binding or a call's field may repeat a key
 * bound by its parent — the innermost value wins, as it would on a JSON reader), or a readable line
 * for a terminal.
 */

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const COLORS: Record<string, string> = { TRACE: "90", DEBUG: "90", INFO: "36", WARN: "33", ERROR: "31", FATAL: "35" };
/** Shown in the line's head (or dropped as noise on a terminal), not as key=value. */
const HEAD = new Set(["level", "time", "pid", "hostname", "name", "component", "msg"]);

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const o: unknown = JSON.parse(line);
    return o && typeof o === "object" && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON line with every key once (the last occurrence wins). Lines that are not JSON pass unchanged. */
export function uniqueKeysLine(line: string): string {
  const o = parse(line);
  return o ? `${JSON.stringify(o)}\n` : line;
}

function show(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * A readable line: `12:04:31.418 INFO  [sync] jira ticket created  incident=INC-1 issue=OPS-1`, an
 * error's stack indented below it. `color` adds ANSI colours to the level.
 */
export function prettyLine(line: string, options: { color?: boolean } = {}): string {
  const o = parse(line);
  if (!o) return line;
  const at = typeof o.time === "number" ? new Date(o.time) : new Date();
  const time = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}:${String(at.getSeconds()).padStart(2, "0")}.${String(at.getMilliseconds()).padStart(3, "0")}`;
  const levelName = LEVELS[Number(o.level)] ?? String(o.level ?? "");
  const level = options.color ? `\u001b[${COLORS[levelName] ?? "0"}m${levelName.padEnd(5)}\u001b[0m` : levelName.padEnd(5);
  const component = o.component ? `[${String(o.component)}] ` : "";
  let stack = "";
  const fields: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (HEAD.has(k)) continue;
    if (k === "err" && v && typeof v === "object") {
      const err = v as { message?: string; stack?: string };
      fields.push(`err=${show(err.message ?? "")}`);
      if (err.stack)
        stack = `\n${err.stack
          .split("\n")
          .map((l) => `    ${l}`)
          .join("\n")}`;
      continue;
    }
    fields.push(`${k}=${show(v)}`);
  }
  return `${time} ${level} ${component}${String(o.msg ?? "")}${fields.length ? `  ${fields.join(" ")}` : ""}${stack}\n`;
}
