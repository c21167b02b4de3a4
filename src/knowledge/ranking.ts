import MiniSearch from "minisearch";
import type { KbEntry, KbKind } from "../store/repos/knowledge.ts";
import { globMatch } from "./runbook.ts";
import { candidateNames, nameKey, terms } from "./text-terms.ts";

/**
 * Field-aware lexical ranking of knowledge entries (pure; in process over the store's rows).
 *
 * Each entry is split into fields — names (alert names, file name, top heading), title, symptoms
 * (front-matter symptoms; a postmortem's root cause and trigger), summary (the "Meaning" /
 * "Summary" / first paragraph) and body — and ranked with BM25+ (MiniSearch: term saturation k1,
 * per-field length normalisation b) with the fields weighted by FIELD_BOOST. On top:
 * - an entry whose name (title, heading, file name or a literal alert name) is written out in the
 *   query ("KubePodCrashLooping", "Kube Pod Crash Looping") is an exact match and ranks above every
 *   entry that is not;
 * - an alert pattern with wildcards ("*OOM*") matching a name in the query lifts the entry by half
 *   of that.
 */

export const FIELD_BOOST = { names: 3, title: 2.5, symptoms: 2, summary: 1.5, body: 1 } as const;
export const BM25 = { k: 1.2, b: 0.75, d: 0.5 } as const;
/** Share of the best lexical score added for an exact name match (1) and a wildcard alert match. */
const EXACT_LIFT = 1;
const PATTERN_LIFT = 0.5;

interface Doc {
  id: string;
  kind: KbKind;
  names: string;
  title: string;
  symptoms: string;
  summary: string;
  body: string;
}

interface Keys {
  exact: Set<string>;
  patterns: string[];
}

export interface RankedEntry {
  id: string;
  score: number;
  /** Why it ranks where it does beyond the words: "exact name", "alert pattern". */
  matched: string[];
  /** The query's terms it contains. */
  terms: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

function headings(body: string, level: number): string[] {
  const re = new RegExp(`^\\s{0,3}#{${level}}\\s+(.+?)\\s*#*\\s*$`, "gm");
  return [...body.matchAll(re)].map((m) => m[1] ?? "");
}

const LEAD_HEADING = /^(meaning|summary|overview|description|symptoms?|what (it|this) means|problem)\b/i;

/** The lead of a runbook: the section under a "Meaning"-like heading, else the first paragraph. */
export function leadParagraph(body: string, maxWords = 80): string {
  const lines = body.split(/\r?\n/);
  let start = lines.findIndex((l) => /^\s{0,3}#{1,6}\s+/.test(l) && LEAD_HEADING.test(l.replace(/^\s*#+\s*/, "")));
  start = start >= 0 ? start + 1 : 0;
  const out: string[] = [];
  let seenText = false;
  for (const l of lines.slice(start)) {
    if (/^\s{0,3}#{1,6}\s+/.test(l)) {
      if (seenText) break;
      continue;
    }
    if (!l.trim()) {
      if (seenText) break;
      continue;
    }
    seenText = true;
    out.push(l.trim());
  }
  return out.join(" ").split(/\s+/).slice(0, maxWords).join(" ");
}

function tail(path: string): string {
  return path
    .replace(/\\/g, "/")
    .split("/")
    .pop()!
    .replace(/\.(md|markdown)$/i, "");
}

function docOf(e: KbEntry): { doc: Doc; keys: Keys } {
  const m = e.meta ?? {};
  const alerts = strings(m.alerts);
  const literalAlerts = alerts.filter((a) => !/[*?]/.test(a));
  const patterns = alerts.filter((a) => /[*?]/.test(a));
  const fileNames = [...strings(m.path), ...strings(m.runbookId)].map(tail);
  const h1 = headings(e.body, 1);
  const names = [...literalAlerts, ...patterns.map((p) => p.replace(/[*?]/g, " ")), ...fileNames, ...h1];
  const symptoms = [...strings(m.symptoms), ...strings(m.rootCause), ...strings(m.trigger), ...strings(m.services)];
  const exact = new Set([e.title, ...h1, ...fileNames, ...literalAlerts].map(nameKey).filter((k) => k.length >= 6));
  return {
    doc: { id: e.id, kind: e.kind, names: names.join("\n"), title: e.title, symptoms: symptoms.join("\n"), summary: leadParagraph(e.body), body: e.body },
    keys: { exact, patterns },
  };
}

/** An index over a set of entries; build once per version of the store's rows. */
export class KbRanker {
  private readonly index: MiniSearch<Doc>;
  private readonly keys = new Map<string, Keys>();
  private readonly kinds = new Map<string, KbKind>();

  constructor(entries: readonly KbEntry[]) {
    this.index = new MiniSearch<Doc>({
      fields: ["names", "title", "symptoms", "summary", "body"],
      storeFields: [],
      tokenize: (text) => terms(text),
      processTerm: (t) => t,
      searchOptions: { boost: { ...FIELD_BOOST }, bm25: { ...BM25 }, combineWith: "OR", tokenize: (text) => terms(text), processTerm: (t) => t },
    });
    const docs = entries.map(docOf);
    for (const { doc, keys } of docs) {
      this.keys.set(doc.id, keys);
      this.kinds.set(doc.id, doc.kind);
    }
    this.index.addAll(docs.map((d) => d.doc));
  }

  get size(): number {
    return this.keys.size;
  }

  /** The distinct terms a query is searched by. */
  queryTerms(query: string): string[] {
    return [...new Set(terms(query))];
  }

  /** `names: false` ranks by the words alone (no exact-name or alert-pattern lift). */
  rank(query: string, options: { kinds?: readonly KbKind[]; limit?: number; names?: boolean } = {}): RankedEntry[] {
    const kinds = options.kinds ? new Set(options.kinds) : undefined;
    const allowed = (id: string): boolean => !kinds || kinds.has(this.kinds.get(id)!);
    const names = candidateNames(query);
    const words = query.split(/[^A-Za-z0-9_.:-]+/).filter((w) => w.length >= 3);
    const lexical = terms(query).length > 0 ? this.index.search(query, { filter: (r) => allowed(String(r.id)) }) : [];
    const best = lexical[0]?.score ?? 1;
    const scores = new Map<string, RankedEntry>();
    for (const r of lexical) scores.set(String(r.id), { id: String(r.id), score: r.score, matched: [], terms: [...new Set(r.queryTerms)] });
    for (const [id, k] of this.keys) {
      if (!allowed(id) || options.names === false) continue;
      const exact = [...k.exact].some((key) => names.has(key));
      const pattern = !exact && k.patterns.some((p) => words.some((w) => globMatch(p, w)));
      if (!exact && !pattern) continue;
      const e = scores.get(id) ?? { id, score: 0, matched: [], terms: [] };
      e.score += (exact ? EXACT_LIFT : PATTERN_LIFT) * best;
      e.matched.push(exact ? "exact name" : "alert pattern");
      scores.set(id, e);
    }
    return [...scores.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, options.limit ?? 10);
  }
}
