import type { Db } from "../db.ts";
import { json } from "../rows.ts";

/** One issue's row of the Jira write outbox, as the write queue sees it (slot and batch are its JSON). */
export interface JiraWriteRow {
  slot: unknown;
  /** The batch being written, while one is. */
  batch: unknown;
  leaseOwner?: string;
  /** The holder's lease ran out (it died while writing). */
  leaseExpired: boolean;
}

/** What to store after a change: the row's new content, or null to delete it, or "keep". */
export type JiraWriteNext = { slot: unknown; batch: unknown; dueAtMs: number; lease?: { owner: string; ms: number }; keepLease?: boolean } | null | "keep";

const ms = (n: number) => String(Math.max(0, Math.round(n)));

/**
 * The Jira write outbox (`jira_writes`): per issue, the writes waiting and the batch in flight. The
 * scheduling is the write queue's (pure functions over the JSON); this repository only runs each
 * change under the row's lock, so replicas never lose each other's changes.
 */
export class JiraWriteRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Runs `fn` on the issue's row under its lock and stores what it returns. */
  async mutate<R>(key: string, fn: (row: JiraWriteRow | undefined) => { next: JiraWriteNext; result: R }): Promise<R> {
    return this.db.transaction(async (tx) => {
      await tx.query("INSERT INTO jira_writes (issue_key, slot) VALUES ($1, 'null'::jsonb) ON CONFLICT DO NOTHING", [key]);
      const [row] = await tx.query<{ slot: unknown; batch: unknown; lease_owner: string | null; expired: boolean | null }>("SELECT slot, batch, lease_owner, (lease_until IS NOT NULL AND lease_until < now()) AS expired FROM jira_writes WHERE issue_key = $1 FOR UPDATE", [key]);
      const current: JiraWriteRow | undefined = row && row.slot !== null ? { slot: row.slot, batch: row.batch ?? undefined, leaseOwner: row.lease_owner ?? undefined, leaseExpired: row.expired === true } : undefined;
      const { next, result } = fn(current);
      if (next === null || (next === "keep" && !current)) {
        await tx.query("DELETE FROM jira_writes WHERE issue_key = $1", [key]);
      } else if (next !== "keep") {
        await tx.query(
          `UPDATE jira_writes SET slot = $2, batch = $3, due_at = to_timestamp($4::float8 / 1000),
                  lease_owner = CASE WHEN $7::boolean THEN lease_owner ELSE $5 END,
                  lease_until = CASE WHEN $7::boolean THEN lease_until WHEN $5::text IS NULL THEN NULL ELSE now() + ($6 || ' milliseconds')::interval END
            WHERE issue_key = $1`,
          [key, json(next.slot), next.batch === undefined ? null : json(next.batch), next.dueAtMs, next.lease?.owner ?? null, ms(next.lease?.ms ?? 0), next.keepLease === true],
        );
      }
      return result;
    });
  }

  /** Issues with writes due by `nowMs`, or whose writer's lease ran out. */
  async dueKeys(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ issue_key: string }>(
      `SELECT issue_key FROM jira_writes
        WHERE slot <> 'null'::jsonb AND ((batch IS NULL AND due_at <= to_timestamp($1::float8 / 1000)) OR (batch IS NOT NULL AND lease_until < now()))
        ORDER BY due_at LIMIT $2`,
      [nowMs, limit],
    );
    return rows.map((r) => r.issue_key);
  }

  /** When the next write is due (ms since the epoch), if any waits. */
  async nextDueAtMs(): Promise<number | undefined> {
    const [row] = await this.db.query<{ at: number | null }>("SELECT (EXTRACT(EPOCH FROM min(CASE WHEN batch IS NULL THEN due_at ELSE lease_until END)) * 1000)::float8 AS at FROM jira_writes WHERE slot <> 'null'::jsonb");
    return row?.at == null ? undefined : Number(row.at);
  }

  /** Issues with writes waiting or in flight. */
  async keys(): Promise<string[]> {
    const rows = await this.db.query<{ issue_key: string }>("SELECT issue_key FROM jira_writes WHERE slot <> 'null'::jsonb ORDER BY issue_key");
    return rows.map((r) => r.issue_key);
  }

  /** Extends the leases `owner` holds on batches being written. */
  async renew(owner: string, keys: string[], leaseMs: number): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query("UPDATE jira_writes SET lease_until = now() + ($2 || ' milliseconds')::interval WHERE lease_owner = $1 AND issue_key = ANY($3::text[])", [owner, ms(leaseMs), keys]);
  }
}
