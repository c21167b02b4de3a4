import { createRequire } from "node:module";
import type { Pinecone } from "@pinecone-database/pinecone";

export interface VectorMatch {
  id: string;
  score: number;
}

/** Where embeddings live and are searched: Pinecone when configured, else the database. */
export interface VectorIndex {
  upsert(items: Array<{ id: string; values: number[]; kind: string }>): Promise<void>;
  query(values: number[], options: { topK: number; kinds?: string[] }): Promise<VectorMatch[]>;
  remove(ids: string[]): Promise<void>;
}

export class PineconeVectorIndex implements VectorIndex {
  private readonly index;
  constructor(options: { apiKey: string; index: string; namespace?: string; controllerHostUrl?: string }) {
    // Loaded only when Pinecone is configured: the SDK costs a tenth of a second and megabytes at start.
    const { Pinecone: PineconeClient } = createRequire(import.meta.url)("@pinecone-database/pinecone") as { Pinecone: typeof Pinecone };
    const pc = new PineconeClient({ apiKey: options.apiKey, ...(options.controllerHostUrl ? { controllerHostUrl: options.controllerHostUrl } : {}) });
    this.index = pc.index({ name: options.index, namespace: options.namespace ?? "aisre-kb" });
  }

  async upsert(items: Array<{ id: string; values: number[]; kind: string }>): Promise<void> {
    for (let i = 0; i < items.length; i += 100) {
      await this.index.upsert({ records: items.slice(i, i + 100).map((it) => ({ id: it.id, values: it.values, metadata: { kind: it.kind } })) });
    }
  }

  async query(values: number[], options: { topK: number; kinds?: string[] }): Promise<VectorMatch[]> {
    const res = await this.index.query({ vector: values, topK: options.topK, ...(options.kinds ? { filter: { kind: { $in: options.kinds } } } : {}) });
    return (res.matches ?? []).map((m) => ({ id: m.id, score: m.score ?? 0 }));
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length) await this.index.deleteMany({ ids });
  }
}
