import type { Clock } from "../domain/clock.ts";
import type { Logger } from "../log.ts";
import type { RetainedTable } from "../store/repos/retention.ts";
import type { Store } from "../store/store.ts";

export interface RetentionOptions {
  /** Age past which finished rows are deleted (ms): also the window in which a redelivered webhook is still known. */
  maxAgeMs: number;
  /** Rows deleted per statement. */
  batch?: number;
  /** Statements per table per pass: what is left waits for the next pass. */
  maxBatches?: number;
}

const TABLES: readonly RetainedTable[] = ["deliveries", "incidentEvents", "outbox"];

/**
 * One retention pass: deletes, table by table, the finished bookkeeping rows older than `maxAgeMs`
 * by `clock` (the wall clock: the rows are stamped with the database's time, not the simulation's),
 * in bounded batches, so a storm's rows do not stay for ever and no pass holds a table for long.
 * Any replica may run it; two at once only delete fewer each. Returns what it deleted per table.
 */
export async function purgeFinished(store: Store, clock: Clock, o: RetentionOptions): Promise<Record<RetainedTable, number>> {
  const before = new Date(clock.now() - o.maxAgeMs).toISOString();
  const batch = o.batch ?? 1000;
  const out = { deliveries: 0, incidentEvents: 0, outbox: 0 };
  for (const table of TABLES) {
    for (let i = 0; i < (o.maxBatches ?? 20); i++) {
      const n = await store.retention.purge(table, before, batch);
      out[table] += n;
      if (n < batch) break;
    }
  }
  return out;
}

/** Runs `purgeFinished` every `everyMs` (wall time); returns a stop. */
export function startRetention(store: Store, clock: Clock, logger: Logger, o: RetentionOptions & { everyMs: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || !store.db.health.up()) return;
    running = true;
    purgeFinished(store, clock, o)
      .then((n) => {
        if (n.deliveries + n.incidentEvents + n.outbox > 0) logger.info({ deleted: n, olderThanHours: Math.round(o.maxAgeMs / 3_600_000) }, "finished deliveries, incident events and Slack calls past retention deleted");
      })
      .catch((e: unknown) => logger.warn({ err: e }, "retention pass failed; retrying at the next"))
      .finally(() => {
        running = false;
      });
  }, o.everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
