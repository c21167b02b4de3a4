import type { Db } from "../db.ts";
import { iso } from "../rows.ts";

/** A resolution whose postmortem draft is due at `dueAt` (system time), as claimed by a replica. */
export interface PostmortemHold {
  incidentId: string;
  /** The resolution it was written for (the incident's resolvedAt then). */
  resolvedAt?: string;
  /** Who resolved: `aisre`, or a person. */
  by: string;
  dueAt: string;
  /** The postmortem's version when the hold was first claimed (0: none yet). */
  baseVersion: number;
  /** Times it has been claimed (this claim included). */
  attempts: number;
}

interface Row {
  incident_id: string;
  resolved_at: Date | null;
  resolved_by: string;
  due_at: Date;
  base_version: number | null;
  attempts: number;
}

const toHold = (r: Row): PostmortemHold => ({
  incidentId: r.incident_id,
  ...(r.resolved_at ? { resolvedAt: iso(r.resolved_at) } : {}),
  by: r.resolved_by,
  dueAt: iso(r.due_at),
  baseVersion: Number(r.base_version ?? 0),
  attempts: Number(r.attempts),
});
const ms = (n: number) => String(Math.max(0, Math.round(n)));

/**
 * Postmortem drafts waiting for their resolution to hold (`postmortem_holds`, migration 183): one row
 * per resolved incident, written and deleted in the transactions that resolve and reopen it; any live
 * replica claims a due one under a lease, drafts it and deletes it. Due times are the system's (the
 * caller's Clock, passed in); leases are the database's time.
 */
export class PostmortemHoldRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Holds the incident's draft until `dueAt` (in the caller's transaction); a new resolution replaces an earlier hold. */
  async hold(h: { incidentId: string; resolvedAt?: string; by: string; dueAt: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO postmortem_holds (incident_id, resolved_at, resolved_by, due_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id) DO UPDATE SET resolved_at = EXCLUDED.resolved_at, resolved_by = EXCLUDED.resolved_by, due_at = EXCLUDED.due_at,
         base_version = NULL, attempts = 0, lease_owner = NULL, lease_until = NULL, error = NULL`,
      [h.incidentId, h.resolvedAt ?? null, h.by, h.dueAt],
    );
  }

  /** Drops the incident's hold (it reopened); true when there was one. */
  async cancel(incidentId: string): Promise<boolean> {
    return (await this.db.query("DELETE FROM postmortem_holds WHERE incident_id = $1 RETURNING 1", [incidentId])).length > 0;
  }

  /**
   * Claims up to `limit` holds due by `now` (system time) that nobody holds, for `owner`. Rows another
   * replica is claiming at the same moment are skipped, not waited on. The first claim records the
   * postmortem's version then (`baseVersion`).
   */
  async claimDue(owner: string, now: string, limit: number, leaseMs: number): Promise<PostmortemHold[]> {
    const rows = await this.db.query<Row>(
      `WITH c AS (
         SELECT incident_id FROM postmortem_holds
          WHERE due_at <= $2::timestamptz AND (lease_until IS NULL OR lease_until < now())
          ORDER BY due_at, incident_id LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE postmortem_holds h SET lease_owner = $1, lease_until = now() + ($4 || ' milliseconds')::interval, attempts = h.attempts + 1,
         base_version = COALESCE(h.base_version, (SELECT p.version FROM postmortems p WHERE p.incident_id = h.incident_id), 0)
         FROM c WHERE h.incident_id = c.incident_id
       RETURNING h.incident_id, h.resolved_at, h.resolved_by, h.due_at, h.base_version, h.attempts`,
      [owner, now, limit, ms(leaseMs)],
    );
    return rows.map(toHold).sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.incidentId.localeCompare(b.incidentId));
  }

  /** Extends the leases `owner` holds (its heartbeat while drafting). */
  async renew(owner: string, incidentIds: string[], leaseMs: number): Promise<number> {
    if (incidentIds.length === 0) return 0;
    const rows = await this.db.query("UPDATE postmortem_holds SET lease_until = now() + ($2 || ' milliseconds')::interval WHERE lease_owner = $1 AND incident_id = ANY($3::text[]) RETURNING 1", [owner, ms(leaseMs), incidentIds]);
    return rows.length;
  }

  /** Drafted (or dropped): the hold `owner` claimed is deleted; false when it no longer held it (a new resolution replaced it). */
  async done(owner: string, incidentId: string): Promise<boolean> {
    return (await this.db.query("DELETE FROM postmortem_holds WHERE incident_id = $1 AND lease_owner = $2 RETURNING 1", [incidentId, owner])).length > 0;
  }

  /**
   * Gives a failed claim back, claimable by any replica after `delayMs`, with its error. With no delay
   * it is claimable at once: not "lease until now()", which the very next statement may still read as
   * now (the same clock tick) and not claim.
   */
  async retryLater(owner: string, incidentId: string, delayMs: number, error: string): Promise<void> {
    if (delayMs <= 0) await this.db.query("UPDATE postmortem_holds SET lease_owner = NULL, lease_until = NULL, error = $3 WHERE incident_id = $1 AND lease_owner = $2", [incidentId, owner, error]);
    else await this.db.query("UPDATE postmortem_holds SET lease_owner = NULL, lease_until = now() + ($3 || ' milliseconds')::interval, error = $4 WHERE incident_id = $1 AND lease_owner = $2", [incidentId, owner, ms(delayMs), error]);
  }

  /** Holds due by `now` (system time) that nobody holds (what a pass would claim), or that `owner` holds (what it is drafting). */
  async dueCount(now: string, owner?: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM postmortem_holds WHERE due_at <= $1::timestamptz AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)", [now, owner ?? null]);
    return Number(row?.n ?? 0);
  }

  /** The incident's hold, if any (its due time; who holds it). */
  async get(incidentId: string): Promise<(PostmortemHold & { leaseOwner?: string; error?: string }) | undefined> {
    const [r] = await this.db.query<Row & { lease_owner: string | null; error: string | null }>("SELECT * FROM postmortem_holds WHERE incident_id = $1", [incidentId]);
    if (!r) return undefined;
    return { ...toHold(r), ...(r.lease_owner ? { leaseOwner: r.lease_owner } : {}), ...(r.error ? { error: r.error } : {}) };
  }
}
