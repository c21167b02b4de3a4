import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAIEmbedder } from "../../src/integrations/openai/embedder.ts";
import { reciprocalRankFusion } from "../../src/knowledge/fusion.ts";
import { KnowledgeBase } from "../../src/knowledge/knowledge-base.ts";
import { StoreVectorIndex } from "../../src/knowledge/store-vector-index.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore } from "../../src/store/store.ts";
import { FakeOpenAI } from "../support/openai-server.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

const databases = reusedDatabases();
const runbooksDir = new URL("../../runbooks/", import.meta.url).pathname;

describe("knowledge base", () => {
  let db: Db;
  const openai = new FakeOpenAI();
  beforeAll(async () => {
    db = await databases.open();
    await openai.start();
  });
  afterAll(async () => {
    await db.close();
    await openai.stop();
  });

  it("indexes the shipped runbooks and ranks the right one first by full text", async () => {
    const kb = new KnowledgeBase({ repo: createStore(db).knowledge, logger: silentLogger });
    const r = await kb.indexRunbooks(runbooksDir);
    expect(r.indexed).toBeGreaterThanOrEqual(15);
    expect(r.errors).toEqual([]);
    const cases: Array<[string, string]> = [
      ["pods OOMKilled memory keeps growing", "runbook:oom-memory-leak"],
      ["too many connections to postgres, pool exhausted", "runbook:db-connection-exhaustion"],
      ["volume usage 100% no space left on device", "runbook:disk-full"],
      ["x509 certificate has expired", "runbook:certificate-expiry"],
      ["5xx after the new version rolled out", "runbook:bad-deploy"],
    ];
    for (const [q, id] of cases)
      expect(
        (await kb.search(q, { limit: 3 })).map((h) => h.id),
        q,
      ).toContain(id);
    expect(itemAt(await kb.search("pods OOMKilled memory keeps growing"), 0).id).toBe("runbook:oom-memory-leak");
    // Re-indexing the same folder changes nothing.
    expect((await kb.indexRunbooks(runbooksDir)).changed).toBe(0);
  });

  it("removes entries of deleted runbooks and picks up new ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-"));
    writeFileSync(join(dir, "a.md"), "# Kafka consumer lag\n\nConsumers fall behind; scale the consumer group.");
    const repo = createStore(db).knowledge;
    const kb = new KnowledgeBase({ repo, logger: silentLogger });
    await kb.indexRunbooks(dir);
    expect(itemAt(await kb.search("consumer lag"), 0).id).toBe("runbook:a");
    rmSync(join(dir, "a.md"));
    const r = await kb.indexRunbooks(dir);
    expect(r.removed).toBeGreaterThanOrEqual(1);
    expect(await kb.search("consumer lag")).toEqual([]);
  });

  it("fuses full-text and vector results when an embeddings API is configured", async () => {
    const embedder = new OpenAIEmbedder({ client: openai.client("test-key"), model: "text-embedding-3-small" });
    const repo = createStore(db).knowledge;
    const kb = new KnowledgeBase({ repo, logger: silentLogger, embedder, vectors: new StoreVectorIndex(repo, embedder.model) });
    await kb.indexRunbooks(runbooksDir);
    expect(openai.requests.some((r) => r.path.endsWith("/embeddings"))).toBe(true);
    const hits = await kb.search("memory leak OOMKilled restart");
    expect(itemAt(hits, 0).id).toBe("runbook:oom-memory-leak");
    expect(itemAt(hits, 0).via).toEqual(["lexical", "vector"]);
  });

  it("reciprocal rank fusion rewards agreement", () => {
    const fused = reciprocalRankFusion([
      ["a", "b", "c"],
      ["b", "a", "d"],
    ]);
    expect(
      fused
        .slice(0, 2)
        .map((f) => f.id)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(fused.at(-1)!.id).toBe("d");
  });
});
