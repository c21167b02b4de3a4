import type { Db } from "../db.ts";

/** What retention may delete: rows whose work is finished and that nothing reads any more. */
export type RetainedTable = "deliveries" | "incidentEvents" | "outbox";

/**
 * Deletes finished bookkeeping rows older than a cutoff, a bounded batch per statement (a short
 * transaction, never a long lock on a busy table):
 * - webhook deliveries processed before the cutoff (parked ones and those still pending stay: they
 *   are replayed or worked on; a processed one's row is what makes a redelivery a no-op, so the
 *   cutoff is that dedupe window);
 * - incident events done before it (parked ones stay, for `aisre` to show; one still pending stays);
 * - outbox calls sent before it (one given up on, with its error, stays for inspection).
 * The audit trail, incidents, alerts and their timelines are never deleted here.
 */
export class RetentionRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Deletes up to `limit` rows of `table` finished before `before` (ISO); returns how many. */
  async purge(table: RetainedTable, before: string, limit: number): Promise<number> {
    const rows = await this.db.query(PURGE[table], [before, Math.max(1, Math.floor(limit))]);
    return rows.length;
  }
}

const PURGE: Record<RetainedTable, string> = {
  deliveries: `DELETE FROM webhook_deliveries d USING (
       SELECT source, delivery_id FROM webhook_deliveries
        WHERE processed_at IS NOT NULL AND processed_at < $1::timestamptz AND parked_at IS NULL
        ORDER BY processed_at LIMIT $2) x
     WHERE d.source = x.source AND d.delivery_id = x.delivery_id RETURNING 1`,
  incidentEvents: `DELETE FROM incident_events WHERE id IN (
       SELECT id FROM incident_events WHERE done_at IS NOT NULL AND done_at < $1::timestamptz AND parked_at IS NULL ORDER BY id LIMIT $2) RETURNING 1`,
  outbox: `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1::timestamptz AND error IS NULL ORDER BY id LIMIT $2) RETURNING 1`,
};
