import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

/** One durable incident event for one consumer (the Jira sync, the PagerDuty sync). */
export interface IncidentEventRow {
  id: number;
  incidentId: string;
  consumer: string;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: string;
  /** Times it has been taken for handling (this one included). */
  attempts: number;
}

interface Row {
  id: number;
  incident_id: string;
  consumer: string;
  kind: string;
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
}

const toEvent = (r: Row): IncidentEventRow => ({ id: Number(r.id), incidentId: r.incident_id, consumer: r.consumer, kind: r.kind, payload: r.payload, createdAt: iso(r.created_at), attempts: Number(r.attempts) });
const ms = (n: number) => String(Math.max(0, Math.round(n)));

/**
 * Incident events as durable rows (`incident_events`), the outbound sync's queue: appended in the
 * transaction that changed the incident, claimed with a lease by any live replica, in order per
 * incident and consumer (the next event waits until the one before it is done or parked).
 */
export class IncidentEventRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Appends events (in the caller's transaction when the Db is one). With `coalesce`, an event of
   * those kinds (one a later one of the same kinds makes redundant) waits `delayMs`, and one that
   * comes while an earlier one still waits untouched as the latest of its incident and consumer is
   * folded into it (its payload becomes the newer one): a storm's batches refresh what follows the
   * incident once per delay, not once per batch. An event of another kind brings forward the waiting
   * ones of its incident and consumer, so it is not held up behind them.
   */
  async append(rows: Array<{ incidentId: string; consumer: string; kind: string; payload: Record<string, unknown> }>, coalesce?: { kinds: readonly string[]; delayMs: number }): Promise<void> {
    const folded = coalesce ? rows.filter((r) => coalesce.kinds.includes(r.kind)) : [];
    const plain = coalesce ? rows.filter((r) => !coalesce.kinds.includes(r.kind)) : rows;
    const cols = (rs: typeof rows) => [rs.map((r) => r.incidentId), rs.map((r) => r.consumer), rs.map((r) => r.kind), rs.map((r) => json(r.payload))];
    if (plain.length > 0) {
      if (coalesce)
        await this.db.query(
          `UPDATE incident_events SET not_before = now()
            WHERE done_at IS NULL AND attempts = 0 AND not_before > now() AND kind = ANY($3::text[])
              AND (incident_id, consumer) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
          [plain.map((r) => r.incidentId), plain.map((r) => r.consumer), [...coalesce.kinds]],
        );
      await this.db.query(
        `INSERT INTO incident_events (incident_id, consumer, kind, payload)
         SELECT t.incident_id, t.consumer, t.kind, t.payload::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(incident_id, consumer, kind, payload)`,
        cols(plain),
      );
    }
    if (coalesce && folded.length > 0) {
      // The waiting event is locked: a replica claiming meanwhile skips it until this commits, then
      // handles it with what this transaction wrote.
      await this.db.query(
        `WITH t AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(incident_id, consumer, kind, payload)),
         waiting AS (
           SELECT e.id, e.incident_id, e.consumer FROM incident_events e JOIN t ON t.incident_id = e.incident_id AND t.consumer = e.consumer
            WHERE e.done_at IS NULL AND e.attempts = 0 AND e.lease_owner IS NULL AND e.kind = ANY($5::text[])
              AND NOT EXISTS (SELECT 1 FROM incident_events l WHERE l.done_at IS NULL AND l.incident_id = e.incident_id AND l.consumer = e.consumer AND l.id > e.id)
            FOR UPDATE OF e),
         refreshed AS (
           UPDATE incident_events e SET payload = t.payload::jsonb FROM waiting w JOIN t ON t.incident_id = w.incident_id AND t.consumer = w.consumer WHERE e.id = w.id RETURNING e.id)
         INSERT INTO incident_events (incident_id, consumer, kind, payload, not_before)
         SELECT t.incident_id, t.consumer, t.kind, t.payload::jsonb, now() + ($6 || ' milliseconds')::interval FROM t
          WHERE NOT EXISTS (SELECT 1 FROM waiting w WHERE w.incident_id = t.incident_id AND w.consumer = t.consumer)`,
        [...cols(folded), [...coalesce.kinds], String(Math.max(0, Math.round(coalesce.delayMs)))],
      );
    }
  }

  /**
   * Claims up to `limit` events of these consumers for `owner`: per incident and consumer only the
   * oldest unfinished one, when it is due and nobody holds it. Rows being claimed by another replica
   * at the same moment are skipped, not waited on.
   */
  async claim(owner: string, consumers: string[], limit: number, leaseMs: number): Promise<IncidentEventRow[]> {
    if (consumers.length === 0) return [];
    const rows = await this.db.query<Row>(
      `WITH c AS (
         SELECT e.id FROM incident_events e
          WHERE e.done_at IS NULL AND e.consumer = ANY($2::text[]) AND e.not_before <= now()
            AND (e.lease_until IS NULL OR e.lease_until < now())
            AND NOT EXISTS (SELECT 1 FROM incident_events p WHERE p.done_at IS NULL AND p.incident_id = e.incident_id AND p.consumer = e.consumer AND p.id < e.id)
          ORDER BY e.id LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE incident_events e SET lease_owner = $1, lease_until = now() + ($4 || ' milliseconds')::interval, attempts = e.attempts + 1
         FROM c WHERE e.id = c.id
       RETURNING e.id, e.incident_id, e.consumer, e.kind, e.payload, e.created_at, e.attempts`,
      [owner, consumers, limit, ms(leaseMs)],
    );
    return rows.map(toEvent).sort((a, b) => a.id - b.id);
  }

  /** Extends the leases `owner` holds on these unfinished events (its heartbeat). */
  async renew(owner: string, ids: number[], leaseMs: number): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.db.query("UPDATE incident_events SET lease_until = now() + ($2 || ' milliseconds')::interval WHERE lease_owner = $1 AND done_at IS NULL AND id = ANY($3::bigint[]) RETURNING 1", [owner, ms(leaseMs), ids]);
    return rows.length;
  }

  /** True when a later unfinished event of one of these kinds waits for the same incident and consumer. */
  async hasLater(row: Pick<IncidentEventRow, "id" | "incidentId" | "consumer">, kinds: string[]): Promise<boolean> {
    const rows = await this.db.query("SELECT 1 FROM incident_events WHERE done_at IS NULL AND incident_id = $1 AND consumer = $2 AND id > $3 AND kind = ANY($4::text[]) LIMIT 1", [row.incidentId, row.consumer, row.id, kinds]);
    return rows.length > 0;
  }

  /**
   * For each of these events (a claimed page), whether later unfinished events wait for the same
   * incident and consumer: of these kinds, and of any kind. One statement for the page, not one per event.
   */
  async laterMany(rows: ReadonlyArray<Pick<IncidentEventRow, "id" | "incidentId" | "consumer">>, kinds: string[]): Promise<Map<number, { ofKinds: boolean; any: boolean }>> {
    if (rows.length === 0) return new Map();
    const found = await this.db.query<{ id: string | number; of_kinds: boolean | null; n: number }>(
      `SELECT r.id, bool_or(e.kind = ANY($4::text[])) AS of_kinds, count(e.id)::int AS n
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS r(id, incident_id, consumer)
         LEFT JOIN incident_events e ON e.done_at IS NULL AND e.incident_id = r.incident_id AND e.consumer = r.consumer AND e.id > r.id
        GROUP BY r.id`,
      [rows.map((r) => r.id), rows.map((r) => r.incidentId), rows.map((r) => r.consumer), kinds],
    );
    return new Map(found.map((r) => [Number(r.id), { ofKinds: r.of_kinds === true, any: Number(r.n) > 0 }]));
  }

  /**
   * Puts a claimed event off by `delayMs` as if it had not been taken yet (attempts 0, no lease, no
   * error), so events of the coalesced kinds appended meanwhile fold into it; not when a later event of
   * its incident and consumer already waits (false: the caller handles it now).
   */
  async defer(id: number, delayMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE incident_events e SET lease_owner = NULL, lease_until = NULL, attempts = 0, error = NULL, not_before = now() + ($2 || ' milliseconds')::interval
        WHERE e.id = $1 AND e.done_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM incident_events l WHERE l.done_at IS NULL AND l.incident_id = e.incident_id AND l.consumer = e.consumer AND l.id > e.id)
        RETURNING 1`,
      [id, ms(delayMs)],
    );
    return rows.length > 0;
  }

  /** Appends one event and returns its id (a write whose outcome the caller waits for). */
  async appendOne(row: { incidentId: string; consumer: string; kind: string; payload: Record<string, unknown> }): Promise<number> {
    const [r] = await this.db.query<{ id: number }>("INSERT INTO incident_events (incident_id, consumer, kind, payload) VALUES ($1, $2, $3, $4::jsonb) RETURNING id", [row.incidentId, row.consumer, row.kind, json(row.payload)]);
    return Number(r?.id);
  }

  /** Marks the event handled, keeping its outcome when it has one. */
  async done(id: number, result?: Record<string, unknown>): Promise<void> {
    await this.db.query("UPDATE incident_events SET done_at = now(), lease_owner = NULL, lease_until = NULL, error = NULL, result = $2::jsonb WHERE id = $1", [id, result === undefined ? null : json(result)]);
  }

  /** Marks these events handled, without an outcome (in one statement). */
  async doneMany(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query("UPDATE incident_events SET done_at = now(), lease_owner = NULL, lease_until = NULL, error = NULL, result = NULL WHERE id = ANY($1::bigint[])", [[...ids]]);
  }

  /** Where one event stands: still to do, done (with its outcome), or parked (with its error). */
  async outcome(id: number): Promise<{ state: "pending" | "done" | "parked"; result?: Record<string, unknown>; error?: string } | undefined> {
    const [r] = await this.db.query<{ done: boolean; parked: boolean; result: Record<string, unknown> | null; error: string | null }>("SELECT done_at IS NOT NULL AS done, parked_at IS NOT NULL AS parked, result, error FROM incident_events WHERE id = $1", [id]);
    if (!r) return undefined;
    const state = r.parked ? "parked" : r.done ? "done" : "pending";
    return { state, ...(r.result ? { result: r.result } : {}), ...(r.error ? { error: r.error } : {}) };
  }

  /** Gives a failed event back, claimable by any replica after `delayMs`. */
  async retryLater(id: number, delayMs: number, error: string): Promise<void> {
    await this.db.query("UPDATE incident_events SET lease_owner = NULL, lease_until = NULL, not_before = now() + ($2 || ' milliseconds')::interval, error = $3 WHERE id = $1 AND done_at IS NULL", [id, ms(delayMs), error]);
  }

  /** Takes an event out of handling after too many failures, keeping its error (the next one may go). */
  async park(id: number, error: string): Promise<void> {
    await this.db.query("UPDATE incident_events SET done_at = now(), parked_at = now(), lease_owner = NULL, lease_until = NULL, error = $2 WHERE id = $1", [id, error]);
  }

  /** Unfinished events (of a consumer, or all). */
  async pendingCount(consumer?: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM incident_events WHERE done_at IS NULL AND ($1::text IS NULL OR consumer = $1)", [consumer ?? null]);
    return Number(row?.n ?? 0);
  }

  async parkedCount(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM incident_events WHERE parked_at IS NOT NULL");
    return Number(row?.n ?? 0);
  }
}
