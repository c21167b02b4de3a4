import type { TimelineEntry, TimelineKind } from "../../domain/incident.ts";
import { type Db, onlyRow } from "../db.ts";
import { iso, json } from "../rows.ts";
import { isoNow, systemClock, type Clock } from "../../domain/clock.ts";

interface TimelineRow {
  id: number;
  incident_id: string;
  at: Date;
  kind: TimelineKind;
  actor: string;
  text: string;
  data: Record<string, unknown>;
}

/** Every kind of entry, once (the compiler checks the list is whole). */
const KINDS: Record<TimelineKind, true> = { alert: true, change: true, status: true, hypothesis: true, action: true, message: true, anomaly: true, sync: true, note: true };

/**
 * The kinds other than alerts, with or without messages: named, so that the incident's other entries
 * are read through the (incident_id, kind) index. Asked for `kind <> 'alert'`, the planner read every
 * entry of the incident and filtered (a storm's 3,081 alert entries: 2,076 pages, ~100 ms a call).
 */
const otherKinds = (messages: boolean): TimelineKind[] => (Object.keys(KINDS) as TimelineKind[]).filter((k) => k !== "alert" && (messages || k !== "message"));

export class TimelineRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  constructor(db: Db, clock: Clock = systemClock) {
    this.db = db;
    this.clock = clock;
  }

  async append(e: Omit<TimelineEntry, "id" | "at" | "data"> & { at?: string; data?: Record<string, unknown> }): Promise<TimelineEntry> {
    const row = onlyRow(await this.db.query<TimelineRow>(`INSERT INTO timeline (incident_id, at, kind, actor, text, data) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`, [e.incidentId, e.at ?? isoNow(this.clock), e.kind, e.actor, e.text, json(e.data ?? {})]), "TimelineRepo.append");
    return toEntry(row);
  }

  /** Appends many entries in one statement, in the order given. */
  async appendMany(entries: Array<Omit<TimelineEntry, "id" | "at" | "data"> & { at?: string; data?: Record<string, unknown> }>): Promise<void> {
    if (entries.length === 0) return;
    const now = isoNow(this.clock);
    const rows = entries.map((e, i) => ({ n: i, incident_id: e.incidentId, at: e.at ?? now, kind: e.kind, actor: e.actor, text: e.text, data: e.data ?? {} }));
    await this.db.query(
      `INSERT INTO timeline (incident_id, at, kind, actor, text, data)
       SELECT incident_id, at, kind, actor, text, data
       FROM jsonb_to_recordset($1::jsonb) AS x(n int, incident_id text, at timestamptz, kind text, actor text, text text, data jsonb) ORDER BY n`,
      [json(rows)],
    );
  }

  async list(incidentId: string, kinds?: TimelineKind[]): Promise<TimelineEntry[]> {
    const rows = kinds ? await this.db.query<TimelineRow>("SELECT * FROM timeline WHERE incident_id = $1 AND kind = ANY($2) ORDER BY at, id", [incidentId, kinds]) : await this.db.query<TimelineRow>("SELECT * FROM timeline WHERE incident_id = $1 ORDER BY at, id", [incidentId]);
    return rows.map(toEntry);
  }

  /**
   * The entries a key-moments summary keeps — every one but alert repeats (an alert's first firing
   * and its last resolution stay) and, with `messages: false`, people's messages — as the first
   * `head` and the last `tail` of them in timeline order, with how many are kept and how many alert
   * repeats were left out. Entries come without their data.
   *
   * Its cost does not grow with the incident's alerts (a storm's incident has tens of thousands of
   * alert entries, and this is read about once a second while they come): the kept alert entries
   * and the counts are noted as entries are inserted (timeline_alert_keys, timeline_alert_counts),
   * so the ends are read through indexes, `head` + `tail` rows of each side, and the counts from one
   * row; only the entries other than alerts are counted here.
   */
  async keyEntries(incidentId: string, o: { messages?: boolean; head: number; tail: number }): Promise<{ head: TimelineEntry[]; tail: TimelineEntry[]; kept: number; repeats: number }> {
    const rows = await this.db.query<TimelineRow & { in_head: boolean; in_tail: boolean; kept: number; repeats: number }>(
      // The kept alert entries at each end are walked one index step at a time: each step is the next
      // key of the index after the last (keyset order on all its columns, LIMIT 1), an index descent
      // whatever the planner thinks the incident holds (PGlite has no column statistics, and a plan
      // that read and sorted all of an incident's keys would cost in proportion to them again).
      `WITH RECURSIVE o AS (SELECT id, at FROM timeline WHERE incident_id = $1 AND kind = ANY($2::text[])),
       c AS (SELECT coalesce(max(entries), 0) AS entries, coalesce(max(keys), 0) AS keys FROM timeline_alert_counts WHERE incident_id = $1),
       hk(n, at, id) AS (
         (SELECT 1, entry_at, entry_id FROM timeline_alert_keys WHERE incident_id = $1 ORDER BY entry_at, entry_id LIMIT 1)
         UNION ALL
         SELECT hk.n + 1, x.entry_at, x.entry_id FROM hk CROSS JOIN LATERAL (
           SELECT incident_id, entry_at, entry_id FROM timeline_alert_keys WHERE (incident_id, entry_at, entry_id) > ($1, hk.at, hk.id) ORDER BY incident_id, entry_at, entry_id LIMIT 1) x
          WHERE hk.n < $3 AND x.incident_id = $1),
       tk(n, at, id) AS (
         (SELECT 1, entry_at, entry_id FROM timeline_alert_keys WHERE incident_id = $1 ORDER BY entry_at DESC, entry_id DESC LIMIT 1)
         UNION ALL
         SELECT tk.n + 1, x.entry_at, x.entry_id FROM tk CROSS JOIN LATERAL (
           SELECT incident_id, entry_at, entry_id FROM timeline_alert_keys WHERE (incident_id, entry_at, entry_id) < ($1, tk.at, tk.id) ORDER BY incident_id DESC, entry_at DESC, entry_id DESC LIMIT 1) x
          WHERE tk.n < $4 AND x.incident_id = $1),
       h AS (SELECT id FROM (SELECT id, at FROM o UNION ALL SELECT id, at FROM hk) u ORDER BY at, id LIMIT $3),
       t AS (SELECT id FROM (SELECT id, at FROM o UNION ALL SELECT id, at FROM tk) u ORDER BY at DESC, id DESC LIMIT $4)
       SELECT e.id, e.incident_id, e.at, e.kind, e.actor, e.text, '{}'::jsonb AS data, e.id IN (SELECT id FROM h) AS in_head, e.id IN (SELECT id FROM t) AS in_tail,
              (SELECT count(*) FROM o) + c.keys AS kept, c.entries - c.keys AS repeats
         FROM timeline e CROSS JOIN c WHERE e.id = ANY (ARRAY(SELECT id FROM h UNION SELECT id FROM t)) ORDER BY e.at, e.id`,
      [incidentId, otherKinds(o.messages !== false), o.head, o.tail],
    );
    return {
      head: rows.filter((r) => r.in_head).map(toEntry),
      tail: rows.filter((r) => r.in_tail).map(toEntry),
      kept: Number(rows[0]?.kept ?? 0),
      repeats: Number(rows[0]?.repeats ?? 0),
    };
  }

  /** Entries of these kinds after the entry `afterId`, in order (a reader's cursor). */
  async listAfter(incidentId: string, afterId: number, kinds: TimelineKind[]): Promise<TimelineEntry[]> {
    return (await this.db.query<TimelineRow>("SELECT * FROM timeline WHERE incident_id = $1 AND id > $2 AND kind = ANY($3) ORDER BY id", [incidentId, afterId, kinds])).map(toEntry);
  }

  /** The latest entry of this kind whose data.key is `key`. */
  async latestWithKey(incidentId: string, kind: TimelineKind, key: string): Promise<TimelineEntry | undefined> {
    const [row] = await this.db.query<TimelineRow>("SELECT * FROM timeline WHERE incident_id = $1 AND kind = $2 AND data->>'key' = $3 ORDER BY id DESC LIMIT 1", [incidentId, kind, key]);
    return row ? toEntry(row) : undefined;
  }

  /** The latest entry of this kind per data.key, across the incidents not resolved. */
  async latestPerKeyInOpenIncidents(kind: TimelineKind): Promise<TimelineEntry[]> {
    const rows = await this.db.query<TimelineRow>(
      `SELECT DISTINCT ON (t.data->>'key') t.*
         FROM timeline t JOIN incidents i ON i.id = t.incident_id
        WHERE t.kind = $1 AND i.status <> 'resolved' AND t.data ? 'key'
        ORDER BY t.data->>'key', t.id DESC`,
      [kind],
    );
    return rows.map(toEntry);
  }

  /**
   * Merges fields into an entry's data. The timeline is append-only; the one exception is the bot's
   * own question entry, which records the gist of its answer.
   */
  async mergeData(id: number, patch: Record<string, unknown>): Promise<void> {
    await this.db.query("UPDATE timeline SET data = data || $2::jsonb WHERE id = $1", [id, json(patch)]);
  }
}

function toEntry(r: TimelineRow): TimelineEntry {
  return { id: Number(r.id), incidentId: r.incident_id, at: iso(r.at), kind: r.kind, actor: r.actor, text: r.text, data: r.data };
}
