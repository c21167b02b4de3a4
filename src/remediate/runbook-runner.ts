import { execFile } from "node:child_process";
import type { ChangeReport, DryRunOption, RunbookRunner, RunbookTransport } from "./ports.ts";
import type { RunbookSpec } from "./policy-schema.ts";

/** The transport a runbook declares, with `{sandbox}` resolved. */
export function transportOf(spec: RunbookSpec, sandboxUrl: string | undefined): RunbookTransport {
  if (spec.http) {
    const url = spec.http.url.replace("{sandbox}", sandboxUrl?.replace(/\/$/, "") ?? "{sandbox}");
    return { kind: "http", url, method: spec.http.method, headers: spec.http.headers, timeoutMs: spec.http.timeoutSeconds * 1000, dryRun: spec.http.dryRun };
  }
  return { kind: "script", command: spec.script!.command, timeoutMs: spec.script!.timeoutSeconds * 1000, dryRun: spec.script!.dryRun };
}

const short = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A hook's answer as words for the action card, never raw JSON: "pid 4242, state active, query SELECT …". */
export function readableFields(data: Record<string, unknown>): string {
  const words = (k: string) =>
    k
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replace(/_/g, " ")
      .toLowerCase();
  const parts: string[] = [];
  const add = (key: string, v: unknown, depth: number) => {
    if (parts.length >= 4 || v === null || v === undefined) return;
    if (typeof v === "object") {
      if (depth === 0 && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) add(`${key} ${words(k2)}`, v2, 1);
      return;
    }
    parts.push(`${key} ${typeof v === "string" ? short(v, 80) : String(v)}`);
  };
  for (const [k, v] of Object.entries(data)) add(words(k), v, 0);
  return parts.join(", ");
}

async function runHttp(t: Extract<RunbookTransport, { kind: "http" }>, args: Record<string, unknown>, o: DryRunOption): Promise<ChangeReport> {
  if (t.url.includes("{sandbox}")) throw new Error("this runbook's hook is on the sandbox, which is not running");
  if (o.dryRun && t.dryRun === "none") return { dryRun: true, summary: "arguments validated (the hook has no dry run)" };
  const url = new URL(t.url);
  if (o.dryRun && t.dryRun === "query") url.searchParams.set("dryRun", "true");
  const body = o.dryRun && t.dryRun === "body" ? { ...args, dryRun: true } : args;
  const res = await fetch(url, { method: t.method, headers: { "content-type": "application/json", ...t.headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(t.timeoutMs) });
  const text = await res.text();
  let data: Record<string, unknown> = {};
  try {
    data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    data = { body: short(text) };
  }
  if (!res.ok) throw new Error(`${t.method} ${url.pathname} answered ${res.status}: ${short(String(data.error ?? data.message ?? data.body ?? text))}`);
  const { ok: _ok, dryRun: _dry, ...rest } = data;
  const fields = readableFields(rest);
  const summary = String(data.summary ?? data.message ?? `the hook (${t.method} ${url.pathname}) answered ${res.status}${o.dryRun ? " to the dry run" : ""}${fields ? `: ${fields}` : ""}`);
  return { dryRun: o.dryRun, summary: short(summary), detail: data };
}

function runScript(t: Extract<RunbookTransport, { kind: "script" }>, args: Record<string, unknown>, o: DryRunOption): Promise<ChangeReport> {
  if (o.dryRun && t.dryRun === "none") return Promise.resolve({ dryRun: true, summary: "arguments validated (the script has no dry run)" });
  // No shell: each argv element is passed as is, with `{name}` replaced by that argument.
  const argv = t.command.map((part) => part.replace(/\{([a-zA-Z][a-zA-Z0-9_]*)\}/g, (_m, name: string) => (args[name] === undefined ? "" : String(args[name]))));
  if (o.dryRun) argv.push("--dry-run");
  const [program, ...programArgs] = argv;
  if (program === undefined) return Promise.reject(new Error("the runbook's script command is empty"));
  return new Promise((resolve, reject) => {
    execFile(program, programArgs, { timeout: t.timeoutMs, maxBuffer: 256 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${argv[0]} failed: ${short(stderr.trim() || err.message)}`));
      const last = stdout.trim().split("\n").pop() ?? "";
      resolve({ dryRun: o.dryRun, summary: short(last || `${argv[0]} exited 0`), detail: { stdout: short(stdout, 2000) } });
    });
  });
}

/** Runs HTTP hooks with fetch and scripts with execFile (no shell). */
export const defaultRunbookRunner: RunbookRunner = {
  run(t, args, o) {
    return t.kind === "http" ? runHttp(t, args, o) : runScript(t, args, o);
  },
};
