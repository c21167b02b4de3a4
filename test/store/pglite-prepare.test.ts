import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { loadMigrations, migrate, migrationsCurrent } from "../../src/store/migrate.ts";
import { openDb } from "../../src/store/open.ts";
import { dumpMigratedDatabase, openPgliteDb, startFreshDatabasesFrom, templateDump } from "../../src/store/pglite-db.ts";
import { embeddedDbDir, embeddedDbExists, prepareEmbeddedDb } from "../../src/store/pglite-prepare.ts";
import { embeddedTemplateFile, extractTemplate, templateKey, writeTemplate } from "../../src/store/pglite-template.ts";

/** A first start makes the embedded database in a worker thread, beside the main thread's start-up. */
describe("prepareEmbeddedDb", () => {
  const root = mkdtempSync(join(tmpdir(), "aisre-prepare-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const capture = () => {
    const lines: string[] = [];
    return { lines, logger: createLogger({ format: "json", destination: { write: (l: string) => lines.push(l) } }) };
  };

  it("copies a fresh data folder from the migrated template: the template's contents, every migration applied", async () => {
    // A template with something of its own, so that a database made any other way would lack it.
    const template = join(root, "marked.tar");
    expect(
      await writeTemplate(
        template,
        await dumpMigratedDatabase(async (db) => {
          await migrate(db);
          await db.exec("CREATE TABLE template_marker (x int); INSERT INTO template_marker VALUES (42)");
        }),
      ),
    ).toBe(true);
    const { lines, logger } = capture();
    const dataDir = join(root, "from-template");
    expect(await prepareEmbeddedDb(embeddedDbDir(dataDir), logger, { template })).toBe("template");
    expect(lines.filter((l) => l.includes("copied from the migrated template"))).toHaveLength(1);
    const db = await openDb({ dataDir });
    try {
      expect(await db.query<{ x: number }>("SELECT x FROM template_marker")).toEqual([{ x: 42 }]);
      expect(await migrationsCurrent(db)).toBe(true);
      const [latest] = await db.query<{ v: number }>("SELECT max(version) AS v FROM schema_migrations");
      expect(Number(latest?.v)).toBe(loadMigrations().at(-1)?.version);
    } finally {
      await db.close();
    }
  }, 120_000);

  it("a first start's database worker opens a fresh data folder from the migrated template itself (no worker of its own to prepare it)", async () => {
    const template = join(root, "marked-open.tar");
    expect(
      await writeTemplate(
        template,
        await dumpMigratedDatabase(async (db) => {
          await migrate(db);
          await db.exec("CREATE TABLE template_marker (x int); INSERT INTO template_marker VALUES (7)");
        }),
      ),
    ).toBe(true);
    const dataDir = join(root, "opened-from-template");
    const { lines, logger } = capture();
    const db = await openDb({ dataDir, worker: true, template, logger });
    try {
      // The template's own table: the folder was made from it, not created (initdb) and migrated.
      expect(await db.query<{ x: number }>("SELECT x FROM template_marker")).toEqual([{ x: 7 }]);
      expect(await migrationsCurrent(db)).toBe(true);
      expect(lines.filter((l) => l.includes("creating the embedded database"))).toHaveLength(0);
    } finally {
      await db.close();
    }
    expect(embeddedDbExists(embeddedDbDir(dataDir))).toBe(true);
    // A folder that holds a database already is opened as it is: the template is not laid over it.
    const again = await openDb({ dataDir, worker: true, template: join(root, "no-such-template.tar") });
    try {
      expect(await again.query<{ x: number }>("SELECT x FROM template_marker")).toEqual([{ x: 7 }]);
    } finally {
      await again.close();
    }
  }, 120_000);

  it("with an unusable template, creates and migrates the cluster in a worker and keeps it as the template for the next fresh folder", async () => {
    const { lines, logger } = capture();
    const template = join(root, "kept", "template.tar");
    mkdirSync(dirname(template), { recursive: true });
    writeFileSync(template, "not a tar file");
    const dir = embeddedDbDir(join(root, "data"));
    expect(embeddedDbExists(dir)).toBe(false);
    expect(await prepareEmbeddedDb(dir, logger, { template })).toBe("created");
    expect(lines.filter((l) => l.includes("could not copy the embedded-database template"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("first start: creating"))).toHaveLength(1);
    expect(embeddedDbExists(dir)).toBe(true);
    expect(readdirSync(root).filter((f) => f.includes(".partial"))).toEqual([]);
    const db = await openDb({ dataDir: join(root, "data") });
    try {
      expect(await migrationsCurrent(db)).toBe(true);
      await db.query("CREATE TABLE IF NOT EXISTS probe (x int)");
    } finally {
      await db.close();
    }
    // A second start finds it: nothing to make.
    expect(await prepareEmbeddedDb(dir, logger, { template })).toBe("existing");
    expect(lines.filter((l) => l.includes("first start"))).toHaveLength(1);
    // The kept template makes the next fresh folder, migrated.
    const next = join(root, "next");
    expect(await prepareEmbeddedDb(embeddedDbDir(next), logger, { template })).toBe("template");
    const db2 = await openDb({ dataDir: next });
    try {
      expect(await migrationsCurrent(db2)).toBe(true);
      expect(await db2.query("SELECT 1 FROM pg_tables WHERE tablename = 'probe'")).toEqual([]);
    } finally {
      await db2.close();
    }
  }, 180_000);

  it("a failed worker leaves nothing half-made behind (opening creates it then)", async () => {
    const blocker = join(root, "not-a-dir");
    writeFileSync(blocker, "a file where the data folder should be");
    const dir = join(blocker, "pg");
    expect(await prepareEmbeddedDb(dir, undefined, { template: join(root, "none.tar") })).toBe("failed");
    expect(embeddedDbExists(dir)).toBe(false);
  }, 60_000);

  it("copies only folders and files inside the data folder: an entry reaching outside is refused, nothing is left behind", () => {
    const header = (name: string, size: number, type: string) => {
      const h = Buffer.alloc(512);
      h.write(name, 0, "utf8");
      h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "utf8");
      h.write(type, 156, "utf8");
      return h;
    };
    const body = Buffer.alloc(512);
    body.write("17\n");
    const good = Buffer.concat([header("/PG_VERSION", 3, "0"), body, Buffer.alloc(1024)]);
    const target = join(root, "extract", "pg");
    extractTemplate(good, target);
    expect(readFileSync(join(target, "PG_VERSION"), "utf8")).toBe("17\n");
    const evil = Buffer.concat([header("/PG_VERSION", 3, "0"), body, header("../../escaped", 3, "0"), body, Buffer.alloc(1024)]);
    const other = join(root, "extract", "other");
    expect(() => extractTemplate(evil, other)).toThrow(/out of bounds/);
    expect(existsSync(join(root, "escaped"))).toBe(false);
    expect(existsSync(other)).toBe(false);
    expect(readdirSync(join(root, "extract"))).toEqual(["pg"]);
    const link = Buffer.concat([header("/PG_VERSION", 3, "0"), body, header("/pg_link", 0, "2"), Buffer.alloc(1024)]);
    expect(() => extractTemplate(link, other)).toThrow(/not supported/);
  });

  it("names the template by PGlite's version and the migrations, under node_modules/.cache", () => {
    expect(templateKey()).toMatch(/^[0-9a-f]{16}$/);
    expect(embeddedTemplateFile()).toContain(join("node_modules", ".cache", "aisre", `pglite-${templateKey()}.tar`));
    expect(embeddedTemplateFile("abc")).not.toBe(embeddedTemplateFile());
  });

  it("a database in memory starts from the product's template, migrated without a migration; an unreadable template leaves it to be created", { timeout: 120_000 }, async () => {
    // The test setup's migrated template stands for the product's (node_modules/.cache/aisre).
    const template = inject("pgliteTemplate");
    const broken = join(root, "memory-broken.tar");
    writeFileSync(broken, "not a tar");
    // The product's path: no test template (the test setup's is put back after).
    startFreshDatabasesFrom(undefined);
    try {
      const fromTemplate = await openPgliteDb("memory", { template });
      try {
        expect(await migrationsCurrent(fromTemplate)).toBe(true);
      } finally {
        await fromTemplate.close();
      }
      const created = await openPgliteDb("memory", { template: broken });
      try {
        // A new cluster: no migration has run in it.
        expect(await created.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t")).toEqual([{ t: null }]);
      } finally {
        await created.close();
      }
    } finally {
      startFreshDatabasesFrom(template);
    }
  });
});

describe("the migrated template's dump", () => {
  it("is taken after a checkpoint: a start from it has nothing to replay (without one, every migration's WAL was replayed at each first start)", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const pg = await PGlite.create();
    try {
      await pg.exec("CREATE TABLE t (x text); INSERT INTO t SELECT repeat('x', 200) FROM generate_series(1, 5000)");
      const sinceCheckpoint = async () => Number((await pg.query<{ bytes: string }>("SELECT (pg_current_wal_insert_lsn() - (SELECT redo_lsn FROM pg_control_checkpoint()))::text AS bytes")).rows[0]!.bytes);
      expect(await sinceCheckpoint()).toBeGreaterThan(100_000);
      const dump = await templateDump(pg);
      expect(dump.size).toBeGreaterThan(0);
      // What a start would replay: the checkpoint record itself.
      expect(await sinceCheckpoint()).toBeLessThan(1_000);
    } finally {
      await pg.close();
    }
  });
});
