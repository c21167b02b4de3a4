import type { Config } from "../config.ts";
import { OpenAIEmbedder } from "../integrations/openai/embedder.ts";
import { PineconeVectorIndex } from "../integrations/pinecone/vector-index.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";
import { KnowledgeBase } from "./knowledge-base.ts";
import { StoreVectorIndex } from "./store-vector-index.ts";

/** The knowledge base as configured: full text always; embeddings with OpenAI; Pinecone if set. */
export function buildKnowledgeBase(config: Config, store: Store, logger: Logger): KnowledgeBase {
  const embedder = config.openai.enabled ? new OpenAIEmbedder({ apiKey: config.openai.apiKey!, baseUrl: config.openai.baseUrl, model: config.openai.embeddingModel }) : undefined;
  const vectors = embedder
    ? config.pinecone.enabled
      ? new PineconeVectorIndex({ apiKey: config.pinecone.apiKey!, index: config.pinecone.index })
      : new StoreVectorIndex(store.db, embedder.model)
    : undefined;
  return new KnowledgeBase({ repo: store.knowledge, logger, embedder, vectors });
}
