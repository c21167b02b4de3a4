import type OpenAI from "openai";
import type { Config } from "../config.ts";
import { OpenAIEmbedder } from "../integrations/openai/embedder.ts";
import { PineconeVectorIndex } from "../integrations/pinecone/vector-index.ts";
import { KnowledgeBase } from "../knowledge/knowledge-base.ts";
import { StoreVectorIndex } from "../knowledge/store-vector-index.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";

/** The knowledge base as configured: full text always; embeddings through the OpenAI client when there is one; Pinecone if set. */
export function buildKnowledgeBase(config: Config, store: Store, logger: Logger, openai: OpenAI | undefined): KnowledgeBase {
  const embedder = openai ? new OpenAIEmbedder({ client: openai, model: config.openai.embeddingModel }) : undefined;
  const vectors = embedder ? (config.pinecone.enabled ? new PineconeVectorIndex({ apiKey: config.pinecone.apiKey!, index: config.pinecone.index }) : new StoreVectorIndex(store.knowledge, embedder.model)) : undefined;
  return new KnowledgeBase({ repo: store.knowledge, logger, embedder, vectors });
}
