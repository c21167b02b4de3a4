import type { VectorIndex, VectorMatch } from "../integrations/pinecone/vector-index.ts";
import type { KnowledgeRepo } from "../store/repos/knowledge.ts";
import { cosine } from "./fusion.ts";

/** Embeddings kept beside the entries in Postgres; cosine similarity computed here (small corpora). */
export class StoreVectorIndex implements VectorIndex {
  private readonly repo: Pick<KnowledgeRepo, "setEmbedding" | "embeddings">;
  private readonly model: string;
  /** `repo`: the store's knowledge entries (their embedding columns). */
  constructor(repo: Pick<KnowledgeRepo, "setEmbedding" | "embeddings">, model: string) {
    this.repo = repo;
    this.model = model;
  }

  async upsert(items: Array<{ id: string; values: number[]; kind: string }>): Promise<void> {
    for (const it of items) await this.repo.setEmbedding(it.id, it.values, this.model);
  }

  async query(values: number[], options: { topK: number; kinds?: string[] }): Promise<VectorMatch[]> {
    const rows = await this.repo.embeddings(this.model, options.kinds);
    return rows
      .map((r) => ({ id: r.id, score: cosine(values, r.embedding) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, options.topK);
  }

  async remove(): Promise<void> {
    // Rows are deleted with their entries.
  }
}
