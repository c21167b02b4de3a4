import { createHash } from "node:crypto";
import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

export type KbKind = "runbook" | "postmortem" | "incident";

export interface KbEntry {
  id: string;
  kind: KbKind;
  title: string;
  body: string;
  meta: Record<string, unknown>;
  updatedAt?: string;
}

export interface KbHit extends KbEntry {
  score: number;
}

interface Row {
  id: string;
  kind: KbKind;
  title: string;
  body: string;
  meta: Record<string, unknown>;
  updated_at: Date;
  score?: number;
}

const toEntry = (r: Row): KbEntry => ({ id: r.id, kind: r.kind, title: r.title, body: r.body, meta: r.meta, updatedAt: iso(r.updated_at) });

export function contentHash(e: Pick<KbEntry, "title" | "body" | "meta">): string {
  return createHash("sha256")
    .update(`${e.title}\n${e.body}\n${JSON.stringify(e.meta)}`)
    .digest("hex");
}

/** Turns free text into an OR query of word stems, so partial matches still rank. */
export function toOrTsQuery(text: string): string {
  const words = (text.toLowerCase().match(/[a-z0-9]{2,}/g) ?? []).slice(0, 32);
  return [...new Set(words)].join(" | ");
}

/** Knowledge base entries with Postgres full-text ranking (title weighted above body). */
export class KnowledgeRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }
  /** Stores an entry's embedding, with the model that made it. */
  async setEmbedding(id: string, values: number[], model: string): Promise<void> {
    await this.db.query("UPDATE kb_entries SET embedding = $2, embedding_model = $3 WHERE id = $1", [id, json(values), model]);
  }

  /** Every entry embedded by this model (of these kinds, when given). */
  async embeddings(model: string, kinds?: string[]): Promise<Array<{ id: string; embedding: number[] }>> {
    return this.db.query<{ id: string; embedding: number[] }>("SELECT id, embedding FROM kb_entries WHERE embedding IS NOT NULL AND embedding_model = $1 AND ($2::text[] IS NULL OR kind = ANY($2))", [model, kinds ?? null]);
  }

  /** Inserts or updates; returns true when the content changed (so embeddings need refreshing). */
  async upsert(e: KbEntry): Promise<boolean> {
    const hash = contentHash(e);
    const rows = await this.db.query(
      `INSERT INTO kb_entries (id, kind, title, body, meta, content_hash, search)
       VALUES ($1, $2, $3, $4, $5, $6, setweight(to_tsvector('english', $3), 'A') || setweight(to_tsvector('english', $4), 'B'))
       ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, title = EXCLUDED.title, body = EXCLUDED.body, meta = EXCLUDED.meta,
         content_hash = EXCLUDED.content_hash, search = EXCLUDED.search, updated_at = now()
       WHERE kb_entries.content_hash <> EXCLUDED.content_hash
       RETURNING id`,
      [e.id, e.kind, e.title, e.body, json(e.meta), hash],
    );
    return rows.length > 0;
  }

  async get(id: string): Promise<KbEntry | undefined> {
    const [row] = await this.db.query<Row>("SELECT * FROM kb_entries WHERE id = $1", [id]);
    return row ? toEntry(row) : undefined;
  }

  async list(kind?: KbKind): Promise<KbEntry[]> {
    const rows = await this.db.query<Row>("SELECT * FROM kb_entries WHERE ($1::text IS NULL OR kind = $1) ORDER BY id", [kind ?? null]);
    return rows.map(toEntry);
  }

  /** Changes whenever an entry is added, changed or removed (to know when an index is stale). */
  async version(): Promise<string> {
    const [row] = await this.db.query<{ n: number | string; latest: Date | null }>("SELECT count(*) AS n, max(updated_at) AS latest FROM kb_entries");
    return `${row?.n ?? 0}:${row?.latest ? iso(row.latest) : ""}`;
  }

  async remove(id: string): Promise<void> {
    await this.db.query("DELETE FROM kb_entries WHERE id = $1", [id]);
  }

  async search(text: string, options: { kinds?: KbKind[]; limit?: number } = {}): Promise<KbHit[]> {
    const q = toOrTsQuery(text);
    if (!q) return [];
    const rows = await this.db.query<Row>(
      `SELECT *, ts_rank_cd(search, to_tsquery('english', $1)) AS score FROM kb_entries
       WHERE search @@ to_tsquery('english', $1) AND ($2::text[] IS NULL OR kind = ANY($2))
       ORDER BY score DESC, id LIMIT $3`,
      [q, options.kinds ?? null, options.limit ?? 10],
    );
    return rows.map((r) => ({ ...toEntry(r), score: Number(r.score) }));
  }
}
