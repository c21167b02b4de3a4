import { mkdirSync } from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Db } from "./db.ts";
import { alwaysUp } from "./health.ts";

type Queryable = Pick<PGlite, "query" | "exec"> | Transaction;

function bind(q: Queryable, root: PGlite): Db {
  return {
    driver: "pglite",
    health: alwaysUp,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    transaction<T>(fn: (tx: Db) => Promise<T>) {
      // PGlite has one connection: a nested transaction runs inside the outer one.
      if (q !== root) return fn(bind(q, root));
      return root.transaction((tx) => fn(bind(tx, root)));
    },
    async tryAdvisoryLock(key: number) {
      // One process owns a PGlite data folder, so the lock only guards against this process.
      const [row] = (await root.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key])).rows;
      if (!row?.locked) return null;
      return async () => {
        await root.query("SELECT pg_advisory_unlock($1)", [key]);
      };
    },
    async close() {
      if (!root.closed) await root.close();
    },
  };
}

/**
 * Postgres's buffer cache inside the WebAssembly heap. PGlite's 128 MB default is never given back
 * once touched and is most of the process's memory; the embedded database is small and its files are
 * in the operating system's cache anyway.
 */
export const EMBEDDED_SHARED_BUFFERS = "16MB";

/** The embedded default: Postgres compiled to WebAssembly, persisted in a data folder (or memory). */
export async function openPgliteDb(dataDir: string | "memory"): Promise<Db> {
  if (dataDir !== "memory") mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir === "memory" ? undefined : dataDir, { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`] });
  return bind(pg, pg);
}
