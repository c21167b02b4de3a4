import type { Db } from "../db.ts";

/** What of an incident's Slack thread is rendered from the store: the root card, the thread digest. */
export type RenderPart = "card" | "digest";

/** A wanted render, claimed: rendering what the store holds now covers every change up to `seq`. */
export interface RenderClaim {
  incidentId: string;
  part: RenderPart;
  seq: number;
}

const ms = (n: number) => String(Math.max(0, Math.round(n)));

/**
 * Renders wanted per incident and part (`incident_renders`): a change bumps the row's `wanted`
 * count in its own transaction (many changes, one row: coalesced); any live replica claims a row
 * whose count is ahead of what was rendered, under a lease, renders it and records the count it
 * covered. A change during the render keeps the row wanted; a holder that dies lets its lease run
 * out. Times are the database's (leases and pacing are wall-clock durations, as Slack counts them).
 */
export class IncidentRenderRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Asks for these renders (in the caller's transaction when the Db is one); repeats coalesce. A row
   * wanted already and not claimed is left as it is (the render to come reads the store after this
   * commits: the row stays locked until then, and a claim skips it meanwhile), so a storm's batches
   * do not rewrite each incident's two rows every time; a claimed one is bumped, so that it stays
   * wanted after the render under way.
   */
  async want(items: ReadonlyArray<{ incidentId: string; part: RenderPart }>): Promise<void> {
    // One row per key, in a fixed order: one statement may not touch a row twice, and concurrent
    // writers lock rows in the same order.
    const keys = [...new Set(items.map((i) => `${i.part}\u0000${i.incidentId}`))].sort();
    if (keys.length === 0) return;
    const parts = keys.map((k) => k.slice(0, k.indexOf("\u0000")));
    const ids = keys.map((k) => k.slice(k.indexOf("\u0000") + 1));
    await this.db.query(
      `INSERT INTO incident_renders (incident_id, part)
       SELECT t.incident_id, t.part FROM unnest($1::text[], $2::text[]) AS t(incident_id, part)
       ON CONFLICT (incident_id, part) DO UPDATE SET wanted = incident_renders.wanted + 1
         WHERE NOT (incident_renders.wanted > incident_renders.rendered AND incident_renders.lease_owner IS NULL)`,
      [ids, parts],
    );
  }

  /**
   * Claims up to `limit` wanted renders of `part` for `owner`: those nobody holds, due, and last
   * rendered at least `gapMs` ago (pacing per incident). Rows another transaction is writing are
   * skipped, not waited on (a change not yet committed is rendered once it is).
   */
  async claim(owner: string, part: RenderPart, limit: number, leaseMs: number, gapMs = 0): Promise<RenderClaim[]> {
    const rows = await this.db.query<{ incident_id: string; part: RenderPart; wanted: number }>(
      `WITH c AS (
         SELECT incident_id, part FROM incident_renders
          WHERE part = $2 AND wanted > rendered AND not_before <= now()
            AND (lease_until IS NULL OR lease_until < now())
            AND (rendered_at IS NULL OR rendered_at + ($5 || ' milliseconds')::interval <= now())
          ORDER BY not_before, incident_id LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE incident_renders r SET lease_owner = $1, lease_until = now() + ($4 || ' milliseconds')::interval
         FROM c WHERE r.incident_id = c.incident_id AND r.part = c.part
       RETURNING r.incident_id, r.part, r.wanted`,
      [owner, part, limit, ms(leaseMs), ms(gapMs)],
    );
    return rows.map((r) => ({ incidentId: r.incident_id, part: r.part, seq: Number(r.wanted) })).sort((a, b) => a.incidentId.localeCompare(b.incidentId));
  }

  /**
   * Rendered up to the claim's count (in the transaction that queued the Slack call, so both or
   * neither happen): the lease is released. Returns false when `owner` no longer held it.
   */
  async done(owner: string, claim: RenderClaim): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE incident_renders SET rendered = GREATEST(rendered, $4::bigint), rendered_at = now(), lease_owner = NULL, lease_until = NULL
        WHERE incident_id = $1 AND part = $2 AND lease_owner = $3 RETURNING 1`,
      [claim.incidentId, claim.part, owner, claim.seq],
    );
    return rows.length > 0;
  }

  /** Gives a claim back unrendered (its render failed): claimable by any replica after `delayMs`. */
  async release(owner: string, claim: RenderClaim, delayMs: number): Promise<void> {
    await this.db.query("UPDATE incident_renders SET lease_owner = NULL, lease_until = NULL, not_before = now() + ($4 || ' milliseconds')::interval WHERE incident_id = $1 AND part = $2 AND lease_owner = $3", [claim.incidentId, claim.part, owner, ms(delayMs)]);
  }

  /** Renders still wanted (of a part, or all). */
  async pendingCount(part?: RenderPart): Promise<number> {
    const [row] = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM incident_renders WHERE wanted > rendered AND ($1::text IS NULL OR part = $1)", [part ?? null]);
    return Number(row?.n ?? 0);
  }
}
