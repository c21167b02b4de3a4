import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { isConnectionError } from "../../src/store/health.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";

describe("the embedded database in a worker thread (the service's)", () => {
  const dir = mkdtempSync(join(tmpdir(), "aisre-pglite-worker-"));
  let db: Db;
  beforeAll(async () => {
    db = await openDb({ dataDir: dir, worker: true });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers statements with parameters; dates, json and numbers come back as the in-process driver gives them", async () => {
    expect(db.driver).toBe("pglite");
    const [row] = await db.query<{ at: Date; doc: { a: number[] }; n: number; t: string | null }>("SELECT $1::timestamptz AS at, $2::jsonb AS doc, $3::int AS n, $4::text AS t", ["2026-12-05T21:00:00Z", JSON.stringify({ a: [1, 2] }), 7, null]);
    expect(row?.at).toBeInstanceOf(Date);
    expect(row?.at.toISOString()).toBe("2026-12-05T21:00:00.000Z");
    expect(row?.doc).toEqual({ a: [1, 2] });
    expect(row?.n).toBe(7);
    expect(row?.t).toBeNull();
  });

  it("commits a transaction's statements together, rolls them all back when its function throws, and runs a nested one inside", async () => {
    await db.exec("CREATE TABLE IF NOT EXISTS w_t (k text PRIMARY KEY)");
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO w_t VALUES ($1)", ["kept-1"]);
      await tx.transaction((inner) => inner.query("INSERT INTO w_t VALUES ($1)", ["kept-2"]));
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO w_t VALUES ($1)", ["gone"]);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect((await db.query<{ k: string }>("SELECT k FROM w_t ORDER BY k")).map((r) => r.k)).toEqual(["kept-1", "kept-2"]);
  });

  it("gives the database's error with its code (a unique violation is not a lost connection)", async () => {
    await db.exec("CREATE TABLE IF NOT EXISTS w_u (k text PRIMARY KEY)");
    await db.query("INSERT INTO w_u VALUES ('x')");
    const e = await db.query("INSERT INTO w_u VALUES ('x')").then(
      () => undefined,
      (err: unknown) => err as { code?: string; message: string },
    );
    expect(e?.code).toBe("23505");
    expect(e?.message).toContain("duplicate key");
    expect(isConnectionError(e)).toBe(false);
  });

  it("serves the store (migrated schema, repositories) and holds advisory locks for this process", async () => {
    const store = createStore(db);
    const fresh = await store.deliveries.recordMany([{ source: "generic", deliveryId: "w-1", body: { body: "{}" } }], { owner: "me", ms: 15_000 });
    expect([...fresh]).toEqual(["generic\nw-1"]);
    // A redelivery in a group: the plain insert's unique violation comes back through the worker, and the group is stored with ON CONFLICT.
    const again = await store.deliveries.recordMany([
      { source: "generic", deliveryId: "w-1", body: { body: "{}" } },
      { source: "generic", deliveryId: "w-2", body: { body: "{}" } },
    ]);
    expect([...again]).toEqual(["generic\nw-2"]);
    const release = await db.tryAdvisoryLock(4242);
    expect(release).not.toBeNull();
    expect(await db.tryAdvisoryLock(4242)).not.toBeNull(); // the same session: re-entrant, as in-process
    await release?.();
  });

  it("keeps what was committed across a reopen of the same folder", async () => {
    await db.query("INSERT INTO w_t VALUES ('durable')");
    await db.close();
    db = await openDb({ dataDir: dir, worker: true });
    expect((await db.query<{ k: string }>("SELECT k FROM w_t WHERE k = 'durable'")).length).toBe(1);
  }, 120_000);
});
