import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

export interface Delivery {
  source: string;
  deliveryId: string;
  receivedAt: string;
  body: unknown;
}

/** Inbound webhook deliveries: stored before the 2xx, processed after; redeliveries are no-ops. */
export class DeliveryRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Returns true when the delivery is new; false when it was already received. */
  async record(source: string, deliveryId: string, body: unknown): Promise<boolean> {
    const rows = await this.db.query(
      "INSERT INTO webhook_deliveries (source, delivery_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING delivery_id",
      [source, deliveryId, json(body)],
    );
    return rows.length > 0;
  }

  async markProcessed(source: string, deliveryId: string, error?: string): Promise<void> {
    await this.db.query("UPDATE webhook_deliveries SET processed_at = now(), error = $3 WHERE source = $1 AND delivery_id = $2", [source, deliveryId, error ?? null]);
  }

  /** Deliveries accepted but not processed (e.g. the process died after the ack). */
  async pending(limit = 500): Promise<Delivery[]> {
    const rows = await this.db.query<{ source: string; delivery_id: string; received_at: Date; body: unknown }>(
      "SELECT source, delivery_id, received_at, body FROM webhook_deliveries WHERE processed_at IS NULL ORDER BY received_at LIMIT $1",
      [limit],
    );
    return rows.map((r) => ({ source: r.source, deliveryId: r.delivery_id, receivedAt: iso(r.received_at), body: r.body }));
  }

  async counts(): Promise<{ total: number; pending: number; failed: number }> {
    const [row] = await this.db.query<{ total: number; pending: number; failed: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE processed_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE error IS NOT NULL)::int AS failed FROM webhook_deliveries`,
    );
    return { total: Number(row.total), pending: Number(row.pending), failed: Number(row.failed) };
  }
}
