import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

export interface OutboxItem {
  id: number;
  channel: string;
  method: string;
  payload: Record<string, unknown>;
  dedupeKey?: string;
  attempts: number;
  notBefore: string;
}

interface Row {
  id: number;
  channel: string;
  method: string;
  payload: Record<string, unknown>;
  dedupe_key: string | null;
  attempts: number;
  not_before: Date;
}

const toItem = (r: Row): OutboxItem => ({
  id: Number(r.id),
  channel: r.channel,
  method: r.method,
  payload: r.payload,
  dedupeKey: r.dedupe_key ?? undefined,
  attempts: Number(r.attempts),
  notBefore: iso(r.not_before),
});

/** Slack calls waiting to be made. Durable, so a restart or a 429 never loses a post. */
export class OutboxRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Queues a call; a repeated dedupe key is ignored (returns undefined). */
  async enqueue(item: { channel: string; method: string; payload: Record<string, unknown>; dedupeKey?: string }): Promise<number | undefined> {
    const [row] = await this.db.query<{ id: number }>(
      "INSERT INTO outbox (channel, method, payload, dedupe_key) VALUES ($1, $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
      [item.channel, item.method, json(item.payload), item.dedupeKey ?? null],
    );
    return row ? Number(row.id) : undefined;
  }

  /** Due items, oldest first; at most one per channel so order within a channel is kept. */
  async due(limit = 50): Promise<OutboxItem[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM outbox o WHERE sent_at IS NULL AND not_before <= now()
         AND id = (SELECT min(id) FROM outbox p WHERE p.channel = o.channel AND p.sent_at IS NULL)
       ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map(toItem);
  }

  async markSent(id: number, result: unknown): Promise<void> {
    await this.db.query("UPDATE outbox SET sent_at = now(), result = $2, error = NULL WHERE id = $1", [id, json(result)]);
  }

  async retryLater(id: number, delayMs: number, error: string): Promise<void> {
    await this.db.query(
      "UPDATE outbox SET attempts = attempts + 1, error = $3, not_before = now() + ($2 || ' milliseconds')::interval WHERE id = $1",
      [id, String(Math.max(0, Math.round(delayMs))), error],
    );
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL");
    return Number(row.n);
  }
}
