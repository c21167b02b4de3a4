import pg from "pg";
import { KeyedSerialQueue } from "../domain/keyed-serial.ts";
import type { Db, QueryOptions } from "./db.ts";
import { ProbedHealth } from "./health.ts";

// int8 (bigserial ids, counts) as numbers: the ids here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

type Client = pg.Pool | pg.PoolClient;

export interface PostgresOptions {
  max?: number;
  /** How long to wait for a connection before a query fails (never hang on a dead server). */
  connectionTimeoutMs?: number;
  /** Told when the database stops or starts answering. */
  onHealthChange?: (up: boolean, reason?: string) => void;
  /** Told of errors on idle or held connections (terminated backends, network). */
  onConnectionError?: (e: Error) => void;
}

/**
 * A transaction's connection runs one statement at a time: callers may start several at once
 * (Promise.all over a transaction's store), and pg only queues them itself with a deprecation
 * (removed in pg@9), so each waits its turn on the transaction's own queue (one key: the
 * connection). The pool needs none of this.
 */
type Turns = <T>(run: () => Promise<T>) => Promise<T>;

function oneAtATime(): Turns {
  const queue = new KeyedSerialQueue();
  return (run) => queue.run("connection", run);
}

function bind(client: Client, pool: pg.Pool, health: ProbedHealth, serial?: Turns): Db {
  // Every failure passes through the health tracker: a connection failure marks the store down.
  const watch = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      health.report(e);
      throw e;
    }
  };
  return {
    driver: "postgres",
    health,
    async query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}) {
      const run = () => (options.prepareAs ? client.query({ name: options.prepareAs, text: sql, values: params }) : client.query(sql, params));
      return (await watch(serial ? serial(run) : run())).rows as T[];
    },
    async exec(sql: string) {
      const run = () => client.query(sql);
      await watch(serial ? serial(run) : run());
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>) {
      if (client !== pool) return fn(bind(client, pool, health, serial));
      const conn = await watch(pool.connect());
      let broken: Error | undefined;
      // COMMIT and ROLLBACK wait their turn too: never ahead of a statement fn started.
      const turns = oneAtATime();
      try {
        await watch(turns(() => conn.query("BEGIN")));
        const result = await fn(bind(conn, pool, health, turns));
        await watch(turns(() => conn.query("COMMIT")));
        return result;
      } catch (e) {
        await turns(() => conn.query("ROLLBACK")).catch((rollbackError: Error) => {
          broken = rollbackError; // the connection is gone: discard it rather than pool it
        });
        throw e;
      } finally {
        conn.release(broken);
      }
    },
    async tryAdvisoryLock(key: number, onLost?: () => void) {
      // The lock lives on one dedicated connection; if this process dies, Postgres frees it.
      const conn = await watch(pool.connect());
      let rows: Array<{ locked: boolean }>;
      try {
        rows = (await watch(conn.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key]))).rows;
      } catch (e) {
        conn.release(e as Error);
        throw e;
      }
      if (!rows[0]?.locked) {
        conn.release();
        return null;
      }
      let gone = false;
      const lost = (e: Error) => {
        gone = true;
        conn.release(e); // discarded, not pooled
        onLost?.();
      };
      conn.once("error", lost);
      return async () => {
        if (gone) return; // the lock went with its connection
        conn.off("error", lost);
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
      health.close();
      await pool.end();
    },
  };
}

/**
 * A pool on DATABASE_URL. A terminated backend, a restarted server or a broken network never
 * crashes the process: every connection has an error listener, the failure marks the store down,
 * and a probe with backoff marks it up again once the server answers; new queries reconnect.
 */
export async function openPostgresDb(url: string, options: PostgresOptions = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000 });
  const health = new ProbedHealth({
    probe: async () => {
      await pool.query("SELECT 1");
    },
    onChange: options.onHealthChange,
  });
  const onError = (e: Error) => {
    health.report(e);
    options.onConnectionError?.(e);
  };
  // An idle pooled connection that dies emits on the pool; a checked-out one emits on itself.
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  try {
    await pool.query("SELECT 1");
  } catch (e) {
    health.close();
    await pool.end().catch(() => undefined);
    throw e;
  }
  return bind(pool, pool, health);
}
