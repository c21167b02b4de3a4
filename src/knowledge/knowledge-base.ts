import { watch, type FSWatcher } from "node:fs";
import type { Embedder } from "../integrations/openai/embedder.ts";
import type { VectorIndex } from "../integrations/pinecone/vector-index.ts";
import type { Logger } from "../log.ts";
import type { KbEntry, KbHit, KbKind, KnowledgeRepo } from "../store/repos/knowledge.ts";
import { reciprocalRankFusion } from "./fusion.ts";
import { KbRanker } from "./ranking.ts";
import { loadRunbookDir, runbookToKbEntry, type Runbook } from "./runbook.ts";
import { itemAt } from "../domain/indexed.ts";

export interface KbSearchHit {
  id: string;
  kind: KbKind;
  title: string;
  score: number;
  /** Which retrievers found it. */
  via: Array<"lexical" | "vector">;
  /** Name matches that lifted it ("exact name", "alert pattern"). */
  matched?: string[];
  meta: Record<string, unknown>;
  excerpt: string;
}

/**
 * Runbooks and postmortems, searchable by a field-aware BM25 ranking over the store's rows (always;
 * src/knowledge/ranking.ts) and by embeddings (when an embeddings API is configured), fused by
 * reciprocal rank. The lexical index is rebuilt when the store's entries change (any replica).
 */
export class KnowledgeBase {
  private readonly repo: KnowledgeRepo;
  private readonly logger: Logger;
  private readonly embedder?: Embedder;
  private readonly vectors?: VectorIndex;
  private runbooks: Runbook[] = [];
  private watcher?: FSWatcher;
  private ranker?: { version: string; ranker: KbRanker; entries: Map<string, KbEntry> };

  constructor(options: { repo: KnowledgeRepo; logger: Logger; embedder?: Embedder; vectors?: VectorIndex }) {
    this.repo = options.repo;
    this.logger = options.logger.child({ component: "knowledge" });
    this.embedder = options.embedder;
    this.vectors = options.embedder ? options.vectors : undefined;
  }

  /** The runbooks last indexed (for matching against alerts). */
  loadedRunbooks(): Runbook[] {
    return this.runbooks;
  }

  /** Indexes a folder of markdown runbooks; entries of runbooks no longer there are removed. */
  async indexRunbooks(dir: string): Promise<{ indexed: number; changed: number; removed: number; errors: Array<{ path: string; message: string }> }> {
    const { runbooks, errors } = loadRunbookDir(dir);
    for (const e of errors) this.logger.warn({ path: e.path }, `runbook skipped: ${e.message}`);
    this.runbooks = runbooks;
    const entries = runbooks.map(runbookToKbEntry);
    const changed: KbEntry[] = [];
    for (const e of entries) if (await this.repo.upsert(e)) changed.push(e);
    const keep = new Set(entries.map((e) => e.id));
    const stale = (await this.repo.list("runbook")).filter((e) => !keep.has(e.id));
    for (const e of stale) await this.repo.remove(e.id);
    if (stale.length) await this.vectors?.remove(stale.map((e) => e.id));
    await this.embed(changed);
    return { indexed: entries.length, changed: changed.length, removed: stale.length, errors };
  }

  /** Adds or updates one entry (a postmortem the product wrote). */
  async put(entry: KbEntry): Promise<void> {
    if (await this.repo.upsert(entry)) await this.embed([entry]);
  }

  private async embed(entries: KbEntry[]): Promise<void> {
    if (!this.embedder || !this.vectors || entries.length === 0) return;
    try {
      const vectors = await this.embedder.embed(entries.map((e) => `${e.title}\n\n${e.body}`));
      await this.vectors.upsert(entries.map((e, i) => ({ id: e.id, values: itemAt(vectors, i, "embedding"), kind: e.kind })));
    } catch (e) {
      // Lexical search still works; the vectors are refreshed on the next change.
      this.logger.warn({ err: e }, "embedding knowledge entries failed; full-text search only for them");
    }
  }

  private async lexicalIndex(): Promise<{ ranker: KbRanker; entries: Map<string, KbEntry> }> {
    const version = await this.repo.version();
    if (this.ranker?.version !== version) {
      const rows = await this.repo.list();
      this.ranker = { version, ranker: new KbRanker(rows), entries: new Map(rows.map((e) => [e.id, e])) };
    }
    return this.ranker;
  }

  async search(text: string, options: { kinds?: KbKind[]; limit?: number } = {}): Promise<KbSearchHit[]> {
    const limit = options.limit ?? 5;
    const { ranker, entries } = await this.lexicalIndex();
    const lexical = ranker.rank(text, { kinds: options.kinds, limit: Math.max(limit * 3, 20) });
    let vector: string[] = [];
    if (this.embedder && this.vectors) {
      try {
        const [q] = await this.embedder.embed([text]);
        if (!q) throw new Error("the embedder returned no vector for the query");
        vector = (await this.vectors.query(q, { topK: Math.max(limit * 3, 20), kinds: options.kinds })).map((m) => m.id);
      } catch (e) {
        this.logger.warn({ err: e }, "vector search failed; using full-text ranking only");
      }
    }
    // An exact name match stays first whatever the vectors say; the rest is fused by rank.
    const exact = lexical.filter((h) => h.matched.includes("exact name")).map((h) => ({ id: h.id, score: h.score }));
    const fused = vector.length ? [...exact, ...reciprocalRankFusion([lexical.map((h) => h.id), vector]).filter((f) => !exact.some((x) => x.id === f.id))] : lexical.map((h) => ({ id: h.id, score: h.score }));
    const matched = new Map(lexical.map((h) => [h.id, h.matched]));
    const hits: KbSearchHit[] = [];
    for (const f of fused.slice(0, limit)) {
      const entry: KbEntry | KbHit | undefined = entries.get(f.id) ?? (await this.repo.get(f.id));
      if (!entry) continue;
      hits.push({
        id: entry.id,
        kind: entry.kind,
        title: entry.title,
        score: Number(f.score.toFixed(4)),
        via: [...(matched.has(f.id) ? (["lexical"] as const) : []), ...(vector.includes(f.id) ? (["vector"] as const) : [])],
        matched: matched.get(f.id) ?? [],
        meta: entry.meta,
        excerpt: excerpt(entry.body, text),
      });
    }
    return hits;
  }

  /** Re-indexes the folder when a file in it changes (debounced). */
  watch(dir: string): void {
    let timer: NodeJS.Timeout | undefined;
    try {
      this.watcher = watch(dir, { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.indexRunbooks(dir).then(
            (r) => this.logger.info(r, "runbooks re-indexed"),
            (e: unknown) => this.logger.error({ err: e }, "re-indexing runbooks failed"),
          );
        }, 300);
      });
    } catch (e) {
      this.logger.warn({ err: e, dir }, "cannot watch the runbooks folder; restart to re-index");
    }
  }

  close(): void {
    this.watcher?.close();
  }
}

/** The first lines of the body that mention a query word, else its beginning. */
export function excerpt(body: string, query: string, max = 240): string {
  const words = (query.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []).map((w) => w.slice(0, 5));
  const line = body.split("\n").find((l) => words.some((w) => l.toLowerCase().includes(w)) && !l.startsWith("#")) ?? body.split("\n").find((l) => l.trim() && !l.startsWith("#")) ?? "";
  const clean = line.replace(/\s+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
