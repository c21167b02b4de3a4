import { KbRanker, leadParagraph } from "./ranking.ts";
import { globMatch, runbookToKbEntry, type Runbook } from "./runbook.ts";
import { terms } from "./text-terms.ts";

/**
 * Runbooks for an incident (pure): the same field-aware retrieval as `kb search` (KbRanker: BM25+
 * over names, title, symptoms, lead paragraph and body, exact names and alert patterns lifted),
 * turned into a 0..1 match for the diagnosis:
 *
 *   score = NAME · [an alert name, title or file name of the runbook is in the query, or one of its
 *                   alert patterns matches an alert name of the query; half for a pattern that
 *                   matches a word of the text]
 *         + WORDS · √(lexical / best · coverage)
 *         + SERVICE · [scoped to a service of the query],   × OTHER_SERVICE when scoped elsewhere
 *
 * `lexical` is the runbook's BM25+ score for the query and `best` the best runbook's; `coverage` is
 * the idf-weighted share of the runbook's key terms (title, alert names, symptoms, lead paragraph)
 * that the query contains. The geometric mean of "how clearly it leads" and "how much of what the
 * runbook is about the query covers" puts a long log dump and a two-word alert on one scale and
 * keeps the best of weak matches weak.
 */
export const RUNBOOK_MATCH = { NAME: 0.5, WORDS: 0.5, SERVICE: 0.2, OTHER_SERVICE: 0.3 } as const;

export interface RunbookQuery {
  alertNames?: string[];
  services?: string[];
  /** Free text: alert summaries, hypothesis causes, log signatures, k8s reasons… */
  symptoms?: string;
}

export interface RunbookMatch {
  runbook: Runbook;
  /** 0..1 */
  score: number;
  reasons: string[];
  /** Services of the query it applies to (empty when generic). */
  services: string[];
}

interface RunbookIndex {
  ranker: KbRanker;
  byEntryId: Map<string, Runbook>;
  /** Each runbook's key terms with their idf (entry id → term → idf). */
  key: Map<string, Map<string, number>>;
}

/** Built once per loaded set of runbooks (the knowledge base hands out the same array until it re-indexes). */
const indexes = new WeakMap<readonly Runbook[], RunbookIndex>();

/** What a runbook is about, in its own words: title, alert names, symptoms and lead paragraph. */
export function runbookKeyText(rb: Runbook): string {
  return [rb.title, ...rb.alerts.map((a) => a.replace(/[*?]/g, " ")), ...rb.symptoms, leadParagraph(rb.body)].join("\n");
}

function indexOf(runbooks: readonly Runbook[]): RunbookIndex {
  const cached = indexes.get(runbooks);
  if (cached) return cached;
  const entries = runbooks.map((rb) => ({ rb, entry: runbookToKbEntry(rb) }));
  const ranker = new KbRanker(entries.map((e) => e.entry));
  const byEntryId = new Map(entries.map((e) => [e.entry.id, e.rb]));
  // Document frequency over each runbook's whole text, for the idf of its key terms.
  const df = new Map<string, number>();
  for (const { entry } of entries) for (const t of new Set(terms(`${entry.title}\n${entry.body}`))) df.set(t, (df.get(t) ?? 0) + 1);
  const n = entries.length;
  const key = new Map<string, Map<string, number>>();
  for (const { rb, entry } of entries) {
    const own = new Map<string, number>();
    for (const t of new Set(terms(runbookKeyText(rb)))) {
      const d = df.get(t) ?? 0;
      own.set(t, Math.log(1 + (n - d + 0.5) / (d + 0.5)));
    }
    key.set(entry.id, own);
  }
  const index = { ranker, byEntryId, key };
  indexes.set(runbooks, index);
  return index;
}

/**
 * Score runbooks for an incident: a runbook named in the query (alert name, title, file name or alert
 * pattern) is the strongest signal, then how much of the runbook's subject the query's words cover,
 * then the service. A runbook scoped to other services is damped.
 */
export function matchRunbooks(runbooks: readonly Runbook[], q: RunbookQuery, opts: { limit?: number; minScore?: number } = {}): RunbookMatch[] {
  if (runbooks.length === 0) return [];
  const alertNames = q.alertNames ?? [];
  const services = q.services ?? [];
  const query = [...alertNames, q.symptoms ?? ""].join("\n");
  const { ranker, byEntryId, key } = indexOf(runbooks);
  const queryTerms = new Set(terms(query));
  const lexicalHits = ranker.rank(query, { names: false, limit: runbooks.length });
  const best = lexicalHits[0]?.score ?? 0;
  const words = new Map(lexicalHits.map((h) => [h.id, h]));
  const named = new Map(
    ranker
      .rank(query, { limit: runbooks.length })
      .filter((h) => h.matched.length > 0)
      .map((h) => [h.id, h.matched]),
  );
  const out: RunbookMatch[] = [];
  for (const [id, rb] of byEntryId) {
    const lexical = words.get(id);
    const name = named.get(id);
    if (!lexical && !name) continue;
    const reasons: string[] = [];
    let score = 0;
    if (name) {
      const alertHits = rb.alerts.filter((p) => alertNames.some((a) => globMatch(p, a)));
      const exact = name.includes("exact name");
      score += exact || alertHits.length > 0 ? RUNBOOK_MATCH.NAME : RUNBOOK_MATCH.NAME / 2;
      reasons.push(alertHits.length > 0 ? `alert matches ${alertHits.slice(0, 3).join(", ")}` : exact ? `named: ${rb.title}` : "alert pattern in the text");
    }
    if (lexical && lexical.score > 0 && best > 0) {
      const own = key.get(id) ?? new Map<string, number>();
      let total = 0;
      let covered = 0;
      for (const [t, idf] of own) {
        total += idf;
        if (queryTerms.has(t)) covered += idf;
      }
      const coverage = total > 0 ? covered / total : 0;
      score += RUNBOOK_MATCH.WORDS * Math.sqrt((lexical.score / best) * coverage);
      reasons.push(`words: ${lexical.terms.slice(0, 6).join(", ")}`);
    }
    const generic = rb.services.length === 0 || rb.services.includes("*");
    const svcHits = generic ? [] : services.filter((s) => rb.services.some((p) => globMatch(p, s)));
    if (svcHits.length > 0) {
      score += RUNBOOK_MATCH.SERVICE;
      reasons.push(`service ${svcHits.slice(0, 3).join(", ")}`);
    } else if (!generic && services.length > 0) {
      score *= RUNBOOK_MATCH.OTHER_SERVICE; // written for other services
    }
    score = Math.min(1, score);
    if (score >= (opts.minScore ?? 0.1)) out.push({ runbook: rb, score: Number(score.toFixed(3)), reasons, services: generic ? [] : svcHits });
  }
  out.sort((a, b) => b.score - a.score || a.runbook.id.localeCompare(b.runbook.id));
  return out.slice(0, opts.limit ?? out.length);
}
