import { resolve } from "node:path";
import { loadConfig } from "../../config.ts";
import { buildKnowledgeBase } from "../../knowledge/build.ts";
import { silentLogger } from "../../log.ts";
import { openDb } from "../../store/open.ts";
import { createStore } from "../../store/store.ts";

export const summary = 'search runbooks and postmortems: kb search "<text>" [--runbooks <dir>] [--limit n] [--json]';

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
  const positional = rest.filter((a, i) => !a.startsWith("--") && !(i > 0 && ["--runbooks", "--limit"].includes(rest[i - 1])));
  const text = positional.join(" ").trim();
  if (verb !== "search" || !text) {
    process.stderr.write(`usage: aisre ${summary}\n`);
    return 2;
  }
  const config = loadConfig();
  const dir = resolve(flag(rest, "--runbooks") ?? config.env.AISRE_RUNBOOKS_DIR);
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: "memory" });
  try {
    const kb = buildKnowledgeBase(config, createStore(db), silentLogger);
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
