import type { StoreHealth } from "./health.ts";

export interface QueryOptions {
  /**
   * A statement run many times a second (the webhook door's group insert): on Postgres it is parsed
   * and planned once per connection under this name, then only bound and run. One name per SQL text.
   */
  prepareAs?: string;
}

/**
 * The one database port. Both drivers (PGlite embedded, pg over the network) speak the same
 * Postgres SQL with `$1` parameters, so repositories are written once.
 */
export interface Db {
  readonly driver: "pglite" | "postgres";
  /** Whether the database answers right now (always up for the embedded one). */
  readonly health: StoreHealth;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs fn in one transaction; the Db given to fn is bound to it. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Tries to take a session-level advisory lock (leader election). Returns a release function, or
   * null when another session holds it. The lock is lost when the holding connection dies; `onLost`
   * is then told (at most once).
   */
  tryAdvisoryLock(key: number, onLost?: () => void): Promise<(() => Promise<void>) | null>;
  close(): Promise<void>;
}

/** The single row a statement always returns (an aggregate, `INSERT … RETURNING`); a clear error if it did not. */
export function onlyRow<T>(rows: readonly T[], what: string): T {
  const [row] = rows;
  if (row === undefined) throw new Error(`${what}: the statement returned no row`);
  return row;
}

/** A statement refused for a duplicate key (SQLSTATE 23505, unique_violation), on Postgres and on PGlite. */
export function isUniqueViolation(e: unknown): boolean {
  return !!e && typeof e === "object" && (e as { code?: unknown }).code === "23505";
}
