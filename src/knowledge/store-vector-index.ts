import type { VectorIndex, VectorMatch } from "../integrations/pinecone/vector-index.ts";
import type { Db } from "../store/db.ts";
import { cosine } from "./fusion.ts";

/** Embeddings kept beside the entries in Postgres; cosine similarity computed here (small corpora). */
export class StoreVectorIndex implements VectorIndex {
  private readonly db: Db;
  private readonly model: string;
  constructor(db: Db, model: string) {
    this.db = db;
    this.model = model;
  }

  async upsert(items: Array<{ id: string; values: number[]; kind: string }>): Promise<void> {
    for (const it of items) await this.db.query("UPDATE kb_entries SET embedding = $2, embedding_model = $3 WHERE id = $1", [it.id, JSON.stringify(it.values), this.model]);
  }

  async query(values: number[], options: { topK: number; kinds?: string[] }): Promise<VectorMatch[]> {
    const rows = await this.db.query<{ id: string; embedding: number[] }>(
      "SELECT id, embedding FROM kb_entries WHERE embedding IS NOT NULL AND embedding_model = $1 AND ($2::text[] IS NULL OR kind = ANY($2))",
      [this.model, options.kinds ?? null],
    );
    return rows
      .map((r) => ({ id: r.id, score: cosine(values, r.embedding) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, options.topK);
  }

  async remove(): Promise<void> {
    // Rows are deleted with their entries.
  }
}
