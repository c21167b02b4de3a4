import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isAppError } from "../../errors.ts";
import { alertQuery } from "../../knowledge/alert-query.ts";
import { KbRanker } from "../../knowledge/ranking.ts";
import { loadRetrievalSet, retrievalFigures } from "../../knowledge/retrieval-eval.ts";
import type { RetrievalFigures, RetrievalQuery, RetrievalSet } from "../../knowledge/retrieval-eval.ts";
import { loadRunbookDir, runbookToKbEntry } from "../../knowledge/runbook.ts";
import { baselineWasmOnly } from "../load-config.ts";
import { openDb } from "../../store/open.ts";
import { KnowledgeRepo } from "../../store/repos/knowledge.ts";
import type { KbEntry } from "../../store/repos/knowledge.ts";

export const summary = "runbook retrieval on the development sets (eval/kb): recall@1, recall@3, MRR, against Postgres full-text ranking";

const USAGE = `usage: aisre eval-kb [<set.json> ...] [--runbooks <dir>] [--mirrors <dir>] [--json] [--verbose]

Each set (default: every eval/kb/*.json) names its runbooks: a folder of this repository, or a
public repository at a commit (read from <mirrors>/<owner>+<name>/repo with git, default
/work/.mirror, or from --runbooks <dir>). Every query (an alert's name, labels and annotations, or
a plain text) is ranked over all the set's runbooks by aisre's ranking and by the store's Postgres
full-text ranking (ts_rank_cd, the ranking before), and the rank of the expected runbook scored.
`;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The set's runbooks folder, extracted from a local git snapshot when the set names a repository. */
function runbooksOf(set: RetrievalSet, override: string | undefined, mirrors: string): { dir?: string; cleanup?: () => void; why?: string } {
  const rb = set.runbooks;
  if ("dir" in rb) return { dir: resolve(repoRoot, rb.dir) };
  if (override) return { dir: resolve(override) };
  const gitDir = join(mirrors, rb.repo.replace("/", "+"), "repo");
  if (!existsSync(gitDir)) return { why: `runbooks of ${rb.repo}@${rb.commit.slice(0, 10)} (${rb.path}) not found: pass --runbooks <dir> or --mirrors <dir>` };
  const tmp = mkdtempSync(join(tmpdir(), "aisre-eval-kb-"));
  try {
    const tar = execFileSync("git", ["--git-dir", gitDir, "archive", rb.commit, rb.path], { maxBuffer: 256 * 1024 * 1024 });
    execFileSync("tar", ["-x", "-C", tmp], { input: tar });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    return { why: `cannot read ${rb.repo}@${rb.commit.slice(0, 10)} from ${gitDir}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
  }
  return { dir: join(tmp, rb.path), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

function queryText(q: RetrievalQuery): string {
  return "text" in q ? q.text : alertQuery(q.alert);
}

interface SetResult {
  set: string;
  runbooks: number;
  aisre: RetrievalFigures;
  postgres: RetrievalFigures;
  /** Alert queries without the alert's name (summary, description and labels only). */
  withoutName: RetrievalFigures;
  misses: Array<{ query: string; expected: string; rank: number; top: string | undefined }>;
}

async function evaluateSet(set: RetrievalSet, dir: string): Promise<SetResult> {
  const exclude = new Set("exclude" in set.runbooks ? set.runbooks.exclude : []);
  const { runbooks } = loadRunbookDir(dir);
  const entries: KbEntry[] = runbooks.filter((r) => !exclude.has(r.path ?? "")).map(runbookToKbEntry);
  const ranker = new KbRanker(entries);
  baselineWasmOnly();
  const db = await openDb({ dataDir: "memory" });
  const repo = new KnowledgeRepo(db);
  try {
    for (const e of entries) await repo.upsert(e);
    const ours: number[] = [];
    const theirs: number[] = [];
    const unnamed: number[] = [];
    const misses: SetResult["misses"] = [];
    for (const q of set.queries) {
      const text = queryText(q);
      const want = `runbook:${q.expected}`;
      const ranked = ranker.rank(text, { limit: entries.length });
      const r = ranked.findIndex((h) => h.id === want) + 1;
      ours.push(r);
      if (r !== 1) misses.push({ query: text, expected: q.expected, rank: r, top: ranked[0]?.id.replace(/^runbook:/, "") });
      if ("alert" in q) {
        const blind = alertQuery({ ...q.alert, name: "", labels: { ...q.alert.labels, alertname: "" } });
        const rb = ranker.rank(blind, { limit: entries.length });
        const r2 = rb.findIndex((h) => h.id === want) + 1;
        unnamed.push(r2);
        if (r2 !== 1) misses.push({ query: `(no name) ${blind}`, expected: q.expected, rank: r2, top: rb[0]?.id.replace(/^runbook:/, "") });
      }
      const pg = await repo.search(text, { limit: entries.length });
      theirs.push(pg.findIndex((h) => h.id === want) + 1);
    }
    return { set: set.name, runbooks: entries.length, aisre: retrievalFigures(ours), postgres: retrievalFigures(theirs), withoutName: retrievalFigures(unnamed), misses };
  } finally {
    await db.close();
  }
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const json = args.includes("--json");
  const verbose = args.includes("--verbose") || args.includes("-v");
  const valued = new Set(["--runbooks", "--mirrors"]);
  const files = args.filter((a, i) => !a.startsWith("-") && !valued.has(args[i - 1] ?? ""));
  const setsDir = join(repoRoot, "eval/kb");
  const paths = files.length
    ? files.map((f) => resolve(f))
    : readdirSync(setsDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => join(setsDir, f));
  const results: SetResult[] = [];
  const skipped: Array<{ set: string; why: string }> = [];
  try {
    for (const p of paths) {
      const set = loadRetrievalSet(p);
      const where = runbooksOf(set, flag(args, "--runbooks"), resolve(flag(args, "--mirrors") ?? "/work/.mirror"));
      if (!where.dir) {
        skipped.push({ set: set.name, why: where.why ?? "no runbooks" });
        continue;
      }
      try {
        results.push(await evaluateSet(set, where.dir));
      } finally {
        where.cleanup?.();
      }
    }
  } catch (e) {
    if (isAppError(e)) {
      process.stderr.write(`aisre eval-kb: ${e.userMessage}\n`);
      return 1;
    }
    throw e;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ sets: results, skipped }, null, 2)}\n`);
    return 0;
  }
  const f = (x: number): string => x.toFixed(3).padStart(9);
  const out = [`${"set".padEnd(18)}${"ranking".padEnd(22)}${"queries".padStart(8)}${"runbooks".padStart(9)}${"recall@1".padStart(9)}${"recall@3".padStart(9)}${"MRR".padStart(9)}`];
  for (const r of results) {
    out.push(`${r.set.padEnd(18)}${"aisre (field BM25)".padEnd(22)}${String(r.aisre.queries).padStart(8)}${String(r.runbooks).padStart(9)}${f(r.aisre.recall1)}${f(r.aisre.recall3)}${f(r.aisre.mrr)}`);
    out.push(`${"".padEnd(18)}${"postgres ts_rank_cd".padEnd(22)}${"".padStart(17)}${f(r.postgres.recall1)}${f(r.postgres.recall3)}${f(r.postgres.mrr)}`);
    if (r.withoutName.queries) out.push(`${"".padEnd(18)}${"aisre, alert unnamed".padEnd(22)}${String(r.withoutName.queries).padStart(8)}${"".padStart(9)}${f(r.withoutName.recall1)}${f(r.withoutName.recall3)}${f(r.withoutName.mrr)}`);
  }
  for (const s of skipped) out.push(`${s.set}: skipped (${s.why})`);
  if (verbose) {
    for (const r of results) for (const m of r.misses) out.push(`  miss [${r.set}] rank ${m.rank || "-"} for ${m.expected} (first: ${m.top}): ${m.query.slice(0, 140)}`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}
