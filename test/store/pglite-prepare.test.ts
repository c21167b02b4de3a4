import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { migrationsCurrent } from "../../src/store/migrate.ts";
import { openDb } from "../../src/store/open.ts";
import { embeddedDbDir, embeddedDbExists, prepareEmbeddedDb } from "../../src/store/pglite-prepare.ts";

/** A first start creates the embedded database in a worker thread, beside the main thread's start-up. */
describe("prepareEmbeddedDb", () => {
  const root = mkdtempSync(join(tmpdir(), "aisre-prepare-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("creates and migrates the cluster in a worker; the main thread then opens it as it is", async () => {
    const lines: string[] = [];
    const logger = createLogger({ format: "json", destination: { write: (l: string) => lines.push(l) } });
    const dir = embeddedDbDir(join(root, "data"));
    expect(embeddedDbExists(dir)).toBe(false);
    await prepareEmbeddedDb(dir, logger);
    expect(lines.filter((l) => l.includes("first start"))).toHaveLength(1);
    expect(embeddedDbExists(dir)).toBe(true);
    const db = await openDb({ dataDir: join(root, "data") });
    try {
      expect(await migrationsCurrent(db)).toBe(true);
      await db.query("CREATE TABLE IF NOT EXISTS probe (x int)");
    } finally {
      await db.close();
    }
    // A second start finds it: nothing to create.
    await prepareEmbeddedDb(dir, logger);
    expect(lines.filter((l) => l.includes("first start"))).toHaveLength(1);
  }, 120_000);

  it("a failed worker leaves nothing half-made behind (opening creates it then)", async () => {
    const blocker = join(root, "not-a-dir");
    writeFileSync(blocker, "a file where the data folder should be");
    const dir = join(blocker, "pg");
    await prepareEmbeddedDb(dir);
    expect(embeddedDbExists(dir)).toBe(false);
  }, 60_000);
});
