import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { loadConfig } from "../../config.ts";
import { alertQuery } from "../../knowledge/alert-query.ts";
import { buildKnowledgeBase } from "../../app/knowledge.ts";
import { openAIClient } from "../../app/ports.ts";
import { silentLogger } from "../../log.ts";
import { baselineWasmOnly } from "../load-config.ts";
import { openDb } from "../../store/open.ts";
import { createStore } from "../../store/store.ts";

export const summary = 'search runbooks and postmortems: kb search "<text>" | --alert <alert.json> [--runbooks <dir>] [--limit n] [--json]';

/** An alert as Alertmanager and most senders describe one: name, labels, annotations. */
const alertFileSchema = z.object({
  name: z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
});

/** The search text for an alert file: its name, telling labels and annotations, instance detail stripped. */
function alertFileQuery(path: string): string {
  const a = alertFileSchema.parse(JSON.parse(readFileSync(path, "utf8")));
  const ann = a.annotations;
  return alertQuery({
    name: a.name ?? a.labels.alertname ?? "",
    summary: a.summary ?? ann.summary ?? ann.message ?? ann.title ?? "",
    description: a.description ?? ann.description,
    labels: a.labels,
  });
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Indexes the runbooks folder (default AISRE_RUNBOOKS_DIR) into a throwaway embedded store — or the
 * configured Postgres, which also holds the postmortems aisre wrote — and ranks entries for the text.
 */
export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const positional = rest.filter((a, i) => !a.startsWith("--") && !["--runbooks", "--limit", "--alert"].includes(rest[i - 1] ?? ""));
  const alertFile = flag(rest, "--alert");
  let text = positional.join(" ").trim();
  if (alertFile) {
    try {
      text = alertFileQuery(alertFile);
    } catch (e) {
      process.stderr.write(`aisre kb: cannot read the alert in ${alertFile}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n`);
      return 2;
    }
  }
  if (verb !== "search" || !text) {
    process.stderr.write(`usage: aisre ${summary}\n`);
    return 2;
  }
  const config = loadConfig();
  const dir = resolve(flag(rest, "--runbooks") ?? config.env.AISRE_RUNBOOKS_DIR);
  baselineWasmOnly();
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: "memory" });
  try {
    const kb = buildKnowledgeBase(config, createStore(db), silentLogger, openAIClient(config));
    const indexed = await kb.indexRunbooks(dir);
    const hits = await kb.search(text, { limit: Number(flag(rest, "--limit") ?? 5) });
    if (rest.includes("--json")) {
      process.stdout.write(`${JSON.stringify({ query: text, runbooks: dir, indexed: indexed.indexed, errors: indexed.errors, results: hits }, null, 2)}\n`);
    } else {
      if (hits.length === 0) process.stdout.write(`no match for "${text}" in ${indexed.indexed} entries\n`);
      for (const [i, h] of hits.entries()) process.stdout.write(`${i + 1}. ${h.title}  [${h.id}]  score ${h.score}\n   ${h.excerpt}\n`);
    }
    return 0;
  } finally {
    await db.close();
  }
}
