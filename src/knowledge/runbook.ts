import { BoundedMemo } from "../domain/bounded-memo.ts";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "../errors.ts";

/**
 * Runbooks: markdown with optional YAML front matter
 *
 * ```
 * ---
 * id: crash-loop
 * title: Pod crash loop
 * services: ["*"]
 * alerts: ["KubePodCrashLooping", "*CrashLoop*"]
 * symptoms: [crashloopbackoff, restarts, back-off]
 * actions: [rollback, rollout_restart]
 * risk: medium
 * ---
 * # Pod crash loop
 * ...
 * ```
 *
 * Plain markdown works too: the title comes from the first heading and the id from the path.
 * Parsing and matching are pure; `loadRunbookDir` is the only function touching the file system.
 */

/** The remediation catalog: the only action names a runbook may reference. */
export const REMEDIATION_ACTIONS = ["rollout_restart", "scale", "rollback", "pause_rollout", "delete_pod", "kill_db_query", "flush_cache_prefix"] as const;
export type RemediationActionName = (typeof REMEDIATION_ACTIONS)[number];

export const RISK_LEVELS = ["low", "medium", "high"] as const;
export type RunbookRisk = (typeof RISK_LEVELS)[number];

export interface Runbook {
  id: string;
  title: string;
  /** Services it applies to; ["*"] = any. */
  services: string[];
  /** Alert-name patterns (`*` and `?` wildcards, case-insensitive). */
  alerts: string[];
  /** Symptom keywords / phrases. */
  symptoms: string[];
  actions: RemediationActionName[];
  risk: RunbookRisk;
  /** Markdown body without the front matter. */
  body: string;
  /** Where it came from (relative path), when loaded from a folder. */
  path?: string;
  /** False for plain markdown (metadata inferred). */
  hasFrontMatter: boolean;
}

const stringList = z.union([z.string(), z.array(z.union([z.string(), z.number()]))]).transform((v) => (Array.isArray(v) ? v.map(String) : v.split(",")).map((s) => s.trim()).filter(Boolean));

const frontMatterSchema = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String).optional(),
    title: z.string().min(1).optional(),
    services: stringList.optional(),
    alerts: stringList.optional(),
    symptoms: stringList.optional(),
    actions: z.array(z.enum(REMEDIATION_ACTIONS, { error: (iss) => `unknown action ${JSON.stringify(iss.input)} (catalog: ${REMEDIATION_ACTIONS.join(", ")})` })).optional(),
    risk: z.enum(RISK_LEVELS).optional(),
  })
  .passthrough();

const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** An id from a path: `runbooks/db/Connection Pool.md` → `db/connection-pool`. */
export function idFromPath(path: string): string {
  const noExt = path.replace(/\\/g, "/").replace(/\.(md|markdown)$/i, "");
  return noExt
    .split("/")
    .filter((p) => p && p !== "." && p !== "..")
    .map((p) =>
      p
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, ""),
    )
    .filter(Boolean)
    .join("/");
}

function firstHeading(body: string): string | undefined {
  for (const line of body.split(/\r?\n/)) {
    const m = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m?.[1]) return m[1].trim();
  }
  // Setext heading: a line followed by === or ---
  const lines = body.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const under = lines[i + 1];
    if (under !== undefined && line.trim() && /^\s*(=+|-+)\s*$/.test(under)) return line.trim();
  }
  return undefined;
}

/** Parse one runbook. `path` (relative) names it when the front matter has no id. */
export function parseRunbook(text: string, path = "runbook.md"): Runbook {
  const m = FRONT_MATTER.exec(text);
  let meta: z.infer<typeof frontMatterSchema> = {};
  let body = text.replace(/^\uFEFF/, "");
  if (m) {
    let raw: unknown;
    try {
      raw = parseYaml(m[1] ?? "") ?? {};
    } catch (e) {
      throw new AppError("bad_runbook", `${path}: front matter is not valid YAML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`, { status: 400 });
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new AppError("bad_runbook", `${path}: front matter must be a YAML mapping`, { status: 400 });
    }
    const parsed = frontMatterSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError("bad_runbook", `${path}: ${issue?.path.join(".") || "front matter"}: ${issue?.message ?? "invalid"}`, { status: 400 });
    }
    meta = parsed.data;
    body = text.slice(m[0].length);
  }
  const title = meta.title ?? firstHeading(body) ?? basename(path).replace(/\.(md|markdown)$/i, "");
  return {
    id: meta.id ?? (idFromPath(path) || idFromPath(title)),
    title,
    services: meta.services && meta.services.length > 0 ? meta.services : ["*"],
    alerts: meta.alerts ?? [],
    symptoms: meta.symptoms ?? [],
    actions: [...new Set(meta.actions ?? [])],
    risk: meta.risk ?? "medium",
    body: body.replace(/^\s*\n/, ""),
    path,
    hasFrontMatter: !!m,
  };
}

/** Load every `*.md` under `dir` (recursively). Broken files are reported, not fatal. */
export function loadRunbookDir(dir: string): { runbooks: Runbook[]; errors: Array<{ path: string; message: string }> } {
  const runbooks: Runbook[] = [];
  const errors: Array<{ path: string; message: string }> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith(".")) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(md|markdown)$/i.test(name) && !/^readme\.md$/i.test(name)) {
        const rel = relative(dir, p);
        try {
          runbooks.push(parseRunbook(readFileSync(p, "utf8"), rel));
        } catch (e) {
          errors.push({ path: rel, message: e instanceof AppError ? e.userMessage : String(e) });
        }
      }
    }
  };
  walk(dir);
  const seen = new Set<string>();
  for (const rb of runbooks) {
    if (seen.has(rb.id)) errors.push({ path: rb.path ?? rb.id, message: `duplicate runbook id ${rb.id}` });
    seen.add(rb.id);
  }
  return { runbooks, errors };
}

/** The knowledge-base entry for a runbook (store shape: id, kind, title, body, meta). */
export function runbookToKbEntry(rb: Runbook): { id: string; kind: "runbook"; title: string; body: string; meta: Record<string, unknown> } {
  const head = [rb.symptoms.join(", "), rb.alerts.join(", ")].filter(Boolean).join("\n");
  return {
    id: `runbook:${rb.id}`,
    kind: "runbook",
    title: rb.title,
    body: head ? `${head}\n\n${rb.body}` : rb.body,
    meta: { runbookId: rb.id, services: rb.services, alerts: rb.alerts, symptoms: rb.symptoms, actions: rb.actions, risk: rb.risk, path: rb.path },
  };
}

/** Glob (`*`, `?`) match, case-insensitive, whole string. */
export function globMatch(pattern: string, text: string): boolean {
  return globs.get(pattern, compileGlob).test(text);
}

const compileGlob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("")}$`,
    "i",
  );

/** Compiled globs: a storm's diagnoses match the same runbook patterns against every alert (bounded). */
const globs = new BoundedMemo<string, RegExp>(1000);
