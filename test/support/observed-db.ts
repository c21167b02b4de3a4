import type { Db } from "../../src/store/db.ts";

/**
 * A database handle that tells `seen` about every statement it ran (inside transactions too): its
 * SQL, the rows it returned and how long it took. For tests and benches that count what a code path
 * reads; the statements themselves run unchanged.
 */
export function observedDb(db: Db, seen: (sql: string, rows: readonly unknown[], ms: number) => void, seenExec?: (sql: string, ms: number) => void): Db {
  const wrap = (d: Db): Db => ({
    get driver() {
      return d.driver;
    },
    get health() {
      return d.health;
    },
    async query(sql, params) {
      const t = performance.now();
      const out = await d.query(sql, params);
      seen(sql, out, performance.now() - t);
      return out as never;
    },
    async exec(sql) {
      const t = performance.now();
      await d.exec(sql);
      seenExec?.(sql, performance.now() - t);
    },
    transaction: (fn) => d.transaction((tx) => fn(wrap(tx))),
    tryAdvisoryLock: (key, onLost) => d.tryAdvisoryLock(key, onLost),
    close: () => d.close(),
  });
  return wrap(db);
}
