import { type Db, onlyRow } from "../db.ts";
import { iso, json } from "../rows.ts";

export interface OutboxItem {
  id: number;
  channel: string;
  method: string;
  payload: Record<string, unknown>;
  dedupeKey?: string;
  attempts: number;
  notBefore: string;
  /** When it was queued (the database's clock). */
  createdAt: string;
  /** Why the last attempt failed, if one did. */
  lastError?: string;
}

interface Row {
  id: number;
  channel: string;
  method: string;
  payload: Record<string, unknown>;
  dedupe_key: string | null;
  attempts: number;
  not_before: Date;
  created_at: Date;
  error: string | null;
}

const toItem = (r: Row): OutboxItem => ({
  id: Number(r.id),
  channel: r.channel,
  method: r.method,
  payload: r.payload,
  dedupeKey: r.dedupe_key ?? undefined,
  attempts: Number(r.attempts),
  notBefore: iso(r.not_before),
  createdAt: iso(r.created_at),
  lastError: r.error ?? undefined,
});

/** Slack calls waiting to be made. Durable, so a restart or a 429 never loses a post. */
export class OutboxRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Queues a call; a repeated dedupe key is ignored (returns undefined). */
  async enqueue(item: { channel: string; method: string; payload: Record<string, unknown>; dedupeKey?: string }): Promise<number | undefined> {
    const [row] = await this.db.query<{ id: number }>("INSERT INTO outbox (channel, method, payload, dedupe_key) VALUES ($1, $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id", [item.channel, item.method, json(item.payload), item.dedupeKey ?? null]);
    return row ? Number(row.id) : undefined;
  }

  /**
   * Due items, oldest first; at most one per channel and lane, so order within each is kept. A
   * channel has four lanes: its top-level posts (an incident's root message above all), its root
   * card edits and its other edits (chat.update, paced by the workspace's edit budget, the cards
   * first), and the rest (thread replies). A new
   * incident's root message so waits only for the top-level posts before it, never behind a storm's
   * thread replies and edits in other threads, and an edit waiting for the budget holds no post; a
   * reply or edit of a thread whose root is not posted yet waits for it (the sender resolves
   * `$root:` references), and an edit names a message already posted. Top-level posts go by their
   * incident's severity, then in order (see migration 192): a SEV1 or SEV2 root message waits only
   * for those at least as severe, never behind a storm's SEV3 warnings queued before it.
   */
  async due(limit = 50): Promise<OutboxItem[]> {
    // Each channel and lane's first unsent call (the lane is stored with the call: 0 top-level posts,
    // 1 root card edits, 2 other edits, 3 the rest; and the priority, a top-level post's severity),
    // through an index: a pass costs what is unsent, never each unsent call compared with every
    // other (see migrations 189, 192).
    const rows = await this.db.query<Row>(
      `SELECT o.* FROM (SELECT DISTINCT channel, lane FROM outbox WHERE sent_at IS NULL) k
         CROSS JOIN LATERAL (SELECT * FROM outbox p WHERE p.channel = k.channel AND p.lane = k.lane AND p.sent_at IS NULL ORDER BY p.priority, p.id LIMIT 1) o
        WHERE o.not_before <= now()
        ORDER BY o.id LIMIT $1`,
      [limit],
    );
    return rows.map(toItem);
  }

  /** Done: the dedupe key is freed so a later call with the same key can be queued again. */
  async markSent(id: number, result: unknown): Promise<void> {
    await this.db.query("UPDATE outbox SET sent_at = now(), result = $2, error = NULL, dedupe_key = NULL WHERE id = $1", [id, json(result)]);
  }

  /**
   * Done, and the posted message recorded as the incident's message for `record.purpose` (unless
   * one is already): one statement, so an outbox send under a storm's long transactions waits once,
   * not twice, and the two never part (the post recorded, the call still queued).
   */
  async markSentRecording(id: number, result: unknown, record: { incidentId: string; purpose: string; channel: string; ts: string; threadTs?: string }): Promise<void> {
    await this.db.query(
      `WITH recorded AS (
         INSERT INTO slack_messages (incident_id, purpose, channel, ts, thread_ts) VALUES ($3, $4, $5, $6, $7)
         ON CONFLICT (incident_id, purpose) DO NOTHING)
       UPDATE outbox SET sent_at = now(), result = $2, error = NULL, dedupe_key = NULL WHERE id = $1`,
      [id, json(result), record.incidentId, record.purpose, record.channel, record.ts, record.threadTs ?? null],
    );
  }

  /** Given up on (a permanent Slack error): kept with its error for inspection, out of the queue. */
  async markFailed(id: number, error: string): Promise<void> {
    await this.db.query("UPDATE outbox SET sent_at = now(), error = $2, dedupe_key = NULL, attempts = attempts + 1 WHERE id = $1", [id, error]);
  }

  /**
   * Queues a call, or replaces the payload of the not-yet-sent call with the same key: how root
   * card edits coalesce into one chat.update. A post already tried (in flight, or its answer lost)
   * keeps its payload, since it may be in the channel as it is: false then (nothing was queued).
   */
  async enqueueOrReplace(item: { channel: string; method: string; payload: Record<string, unknown>; dedupeKey: string }): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO outbox (channel, method, payload, dedupe_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT (dedupe_key) DO UPDATE SET payload = EXCLUDED.payload WHERE outbox.method <> 'chat.postMessage' OR outbox.error IS NULL
       RETURNING id`,
      [item.channel, item.method, json(item.payload), item.dedupeKey],
    );
    return rows.length > 0;
  }

  /**
   * Takes a call out of coalescing as it is made: its key is freed, so a change queued meanwhile
   * becomes a call of its own, made after it. Returns the payload as it is now (replaced since it
   * was read, perhaps), or undefined when the call is no longer waiting.
   */
  async releaseKey(id: number): Promise<Record<string, unknown> | undefined> {
    const [row] = await this.db.query<{ payload: Record<string, unknown> }>("UPDATE outbox SET dedupe_key = NULL WHERE id = $1 AND sent_at IS NULL RETURNING payload", [id]);
    return row?.payload;
  }

  async pendingForChannel(channel: string): Promise<number> {
    const row = onlyRow(await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL AND channel = $1", [channel]), "OutboxRepo.pendingForChannel");
    return Number(row.n);
  }

  /** Marks a call as being made now (its answer not yet recorded); false when it is no longer waiting (cancelled meanwhile). */
  async markInFlight(id: number): Promise<boolean> {
    return (await this.db.query("UPDATE outbox SET error = 'in_flight' WHERE id = $1 AND sent_at IS NULL RETURNING 1", [id])).length > 0;
  }

  /**
   * Takes a post that was never tried out of the queue (what it says no longer holds: an action card
   * withdrawn before it went out): kept as done with `why`. False when it was tried already (in flight,
   * its answer perhaps lost: it may be in the channel) or is not queued; the caller edits it instead.
   */
  async cancelUntried(dedupeKey: string, why: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE outbox SET sent_at = now(), error = $2, dedupe_key = NULL
        WHERE dedupe_key = $1 AND sent_at IS NULL AND method = 'chat.postMessage' AND (error IS NULL OR error = 'waiting for the root message')
       RETURNING 1`,
      [dedupeKey, `cancelled: ${why}`],
    );
    return rows.length > 0;
  }

  async retryLater(id: number, delayMs: number, error: string): Promise<void> {
    await this.db.query("UPDATE outbox SET attempts = attempts + 1, error = $3, not_before = now() + ($2 || ' milliseconds')::interval WHERE id = $1", [id, String(Math.max(0, Math.round(delayMs))), error]);
  }

  /** Unsent calls and the age in seconds of the oldest of them (0 when none): the outbox lag. */
  async backlog(): Promise<{ pending: number; oldestSeconds: number }> {
    const row = onlyRow(await this.db.query<{ n: number; age: number | null }>("SELECT count(*)::int AS n, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age FROM outbox WHERE sent_at IS NULL"), "OutboxRepo.backlog");
    return { pending: Number(row.n), oldestSeconds: Math.max(0, Number(row.age ?? 0)) };
  }

  async pendingCount(): Promise<number> {
    const row = onlyRow(await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL"), "OutboxRepo.pendingCount");
    return Number(row.n);
  }
}
