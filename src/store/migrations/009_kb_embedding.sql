-- Embeddings of knowledge entries when an embeddings API is configured but no vector database is.
ALTER TABLE kb_entries ADD COLUMN embedding JSONB;
ALTER TABLE kb_entries ADD COLUMN embedding_model TEXT;
