import type { Db } from "../../src/store/db.ts";

/**
 * A replica's database handle that dies right after a chosen change commits: once a statement
 * `matches` has committed (on its own, or with the transaction it ran in), every later statement,
 * transaction or lock of this handle fails, as if the process had been killed at that instruction.
 * What the replica meant to write after that commit is never written. The database itself lives
 * on for the other replicas (closing this handle leaves it open).
 */
export interface DyingDb {
  db: Db;
  /** The change committed and the replica is dead. */
  dead(): boolean;
}

export function dyingAfterCommit(inner: Db, matches: (sql: string, params: readonly unknown[]) => boolean): DyingDb {
  let dead = false;
  const died = () => new Error("this replica died right after the commit (test)");
  const wrap = (db: Db, tx?: { hit: boolean }): Db => ({
    driver: db.driver,
    health: db.health,
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      if (dead) throw died();
      const rows = await db.query<T>(sql, params);
      if (matches(sql, params)) {
        if (tx) tx.hit = true;
        else dead = true;
      }
      return rows;
    },
    async exec(sql: string) {
      if (dead) throw died();
      await db.exec(sql);
    },
    async transaction<T>(fn: (t: Db) => Promise<T>): Promise<T> {
      if (dead) throw died();
      if (tx) return db.transaction((t) => fn(wrap(t, tx)));
      const mine = { hit: false };
      const out = await db.transaction((t) => fn(wrap(t, mine)));
      if (mine.hit) dead = true;
      return out;
    },
    async tryAdvisoryLock(key: number, onLost?: () => void) {
      if (dead) throw died();
      return db.tryAdvisoryLock(key, onLost);
    },
    async close() {},
  });
  return { db: wrap(inner), dead: () => dead };
}

/** The statement inserts or changes the incident's link to `system` (`external_links`). */
export const linkWrite =
  (system: string) =>
  (sql: string, params: readonly unknown[]): boolean =>
    /^\s*(INSERT INTO|UPDATE) external_links/i.test(sql) && params.includes(system);
