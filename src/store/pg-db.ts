import pg from "pg";
import type { Db } from "./db.ts";

// int8 (bigserial ids, counts) as numbers: the ids here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

type Client = pg.Pool | pg.PoolClient;

function bind(client: Client, pool: pg.Pool): Db {
  return {
    driver: "postgres",
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>) {
      if (client !== pool) return fn(bind(client, pool));
      const conn = await pool.connect();
      try {
        await conn.query("BEGIN");
        const result = await fn(bind(conn, pool));
        await conn.query("COMMIT");
        return result;
      } catch (e) {
        await conn.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        conn.release();
      }
    },
    async tryAdvisoryLock(key: number) {
      // The lock lives on one dedicated connection; if this process dies, Postgres frees it.
      const conn = await pool.connect();
      // A held connection that dies (server restart, network, pg_terminate_backend) emits 'error':
      // without a listener that would crash the process. The lock is gone with it; holders re-check.
      conn.on("error", () => undefined);
      const { rows } = await conn.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key]);
      if (!rows[0]?.locked) {
        conn.release();
        return null;
      }
      return async () => {
        try {
          await conn.query("SELECT pg_advisory_unlock($1)", [key]);
        } catch (e) {
          conn.release(e as Error); // a broken connection is discarded, not pooled
          throw e;
        }
        conn.release();
      };
    },
    async close() {
      await pool.end();
    },
  };
}

export async function openPostgresDb(url: string, options: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  await pool.query("SELECT 1");
  return bind(pool, pool);
}
