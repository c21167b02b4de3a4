import type { Db } from "./db.ts";

/**
 * Every Postgres advisory-lock key the product takes, in one place so no two uses collide. The
 * values are part of the on-disk contract between replicas of different versions: never renumber.
 */
export const LOCKS = {
  /** Schema migrations, one replica at a time. */
  migration: 7_301_001,
  /** The hash-chained audit log's appends. */
  audit: 7_301_002,
  /** The outbox sender's leader (session lock). */
  outboxLeader: 7_301_003,
  /** Alert correlation decisions (open/join/resolve). */
  correlate: 7_301_004,
  /** Publishing one incident's diagnosis (with the incident id as the second key). */
  diagnosis: 7_301_006,
  /** Remediation claims and recommendations (guardrails, circuit breaker). */
  remediate: 7_301_009,
  /** The SLI poller's leader (session lock). */
  pollLeader: 7_301_020,
  /** The topology discoverer's leader (session lock). */
  topologyLeader: 7_301_207,
} as const;

export type LockName = keyof typeof LOCKS;

/**
 * Runs `fn` in one transaction holding the named transaction-scoped advisory lock: one at a time
 * across replicas. `sub` narrows the lock to one object (e.g. an incident id).
 */
export async function withLock<T>(db: Db, name: LockName, fn: (tx: Db) => Promise<T>, sub?: string): Promise<T> {
  return db.transaction(async (tx) => {
    if (sub === undefined) await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCKS[name]]);
    else await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCKS[name], sub]);
    return fn(tx);
  });
}

/**
 * The backend holding a session-level advisory lock (undefined when nobody does or pg_locks is not
 * readable): how a leader notices it lost its lock when its connection was replaced.
 */
export async function lockHolder(db: Db, key: number): Promise<number | undefined> {
  try {
    const [row] = await db.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted LIMIT 1", [Math.floor(key / 2 ** 32), key % 2 ** 32]);
    return row ? Number(row.pid) : undefined;
  } catch {
    return undefined;
  }
}
