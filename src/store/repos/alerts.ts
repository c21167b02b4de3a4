import type { Alert, AlertStatus, Severity } from "../../domain/alert.ts";
import type { Db } from "../db.ts";
import { iso, isoOrUndefined, json } from "../rows.ts";
import { isoNow, systemClock, type Clock } from "../../domain/clock.ts";

export interface StoredAlert extends Alert {
  incidentId?: string;
  flaps: number;
  joinReason?: string;
  lastSeenAt: string;
}

interface AlertRow {
  fingerprint: string;
  incident_id: string | null;
  source: string;
  name: string;
  status: AlertStatus;
  severity: Severity;
  service: string | null;
  summary: string;
  labels: Record<string, string>;
  starts_at: Date;
  ends_at: Date | null;
  flaps: number;
  join_reason: string | null;
  last_seen_at: Date;
}

function toAlert(r: AlertRow): StoredAlert {
  return {
    fingerprint: r.fingerprint,
    incidentId: r.incident_id ?? undefined,
    source: r.source,
    name: r.name,
    status: r.status,
    severity: r.severity,
    service: r.service ?? undefined,
    summary: r.summary,
    labels: r.labels,
    startsAt: iso(r.starts_at),
    endsAt: isoOrUndefined(r.ends_at),
    flaps: Number(r.flaps),
    joinReason: r.join_reason ?? undefined,
    lastSeenAt: iso(r.last_seen_at),
  };
}

export class AlertRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  constructor(db: Db, clock: Clock = systemClock) {
    this.db = db;
    this.clock = clock;
  }

  async get(fingerprint: string): Promise<StoredAlert | undefined> {
    const [row] = await this.db.query<AlertRow>("SELECT * FROM alerts WHERE fingerprint = $1", [fingerprint]);
    return row ? toAlert(row) : undefined;
  }

  /** Inserts or replaces the alert's current state; `flaps` counts firing↔resolved flips. */
  async upsert(a: Alert, incidentId: string | undefined, joinReason: string | undefined): Promise<StoredAlert> {
    await this.upsertMany([{ alert: a, incidentId, joinReason }]);
    return (await this.get(a.fingerprint))!;
  }

  async getMany(fingerprints: string[]): Promise<Map<string, StoredAlert>> {
    if (fingerprints.length === 0) return new Map();
    const rows = await this.db.query<AlertRow>("SELECT * FROM alerts WHERE fingerprint = ANY($1)", [fingerprints]);
    return new Map(rows.map((r) => [r.fingerprint, toAlert(r)]));
  }

  /**
   * Upserts many alerts in one statement (a storm arrives in batches). Each fingerprint must occur
   * once in the batch.
   */
  async upsertMany(items: Array<{ alert: Alert; incidentId?: string; joinReason?: string }>): Promise<void> {
    if (items.length === 0) return;
    const rows = items.map(({ alert: a, incidentId, joinReason }) => ({
      fingerprint: a.fingerprint,
      incident_id: incidentId ?? null,
      source: a.source,
      name: a.name,
      status: a.status,
      severity: a.severity,
      service: a.service ?? null,
      summary: a.summary,
      labels: a.labels,
      starts_at: a.startsAt,
      ends_at: a.endsAt ?? null,
      join_reason: joinReason ?? null,
    }));
    await this.db.query(
      `INSERT INTO alerts (fingerprint, incident_id, source, name, status, severity, service, summary, labels, starts_at, ends_at, join_reason, last_seen_at)
       SELECT fingerprint, incident_id, source, name, status, severity, service, summary, labels, starts_at, ends_at, join_reason, $2::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(fingerprint text, incident_id text, source text, name text, status text, severity text,
            service text, summary text, labels jsonb, starts_at timestamptz, ends_at timestamptz, join_reason text)
       ON CONFLICT (fingerprint) DO UPDATE SET
         incident_id = COALESCE(EXCLUDED.incident_id, alerts.incident_id),
         status = EXCLUDED.status, severity = EXCLUDED.severity, summary = EXCLUDED.summary,
         labels = EXCLUDED.labels, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
         join_reason = COALESCE(EXCLUDED.join_reason, alerts.join_reason),
         flaps = alerts.flaps + CASE WHEN alerts.status <> EXCLUDED.status THEN 1 ELSE 0 END,
         last_seen_at = EXCLUDED.last_seen_at`,
      [json(rows), isoNow(this.clock)],
    );
  }

  async byIncident(incidentId: string): Promise<StoredAlert[]> {
    const rows = await this.db.query<AlertRow>("SELECT * FROM alerts WHERE incident_id = $1 ORDER BY starts_at", [incidentId]);
    return rows.map(toAlert);
  }

  /**
   * What a ranking needs of an incident's alerts, however many a storm put there: of each kind of
   * alert (service, name, status, severity), the `perKind` that started first and the `perKind` that
   * started last, the one that ended last, and those naming the first and the last pod (so two pods
   * named stay two). Ordered by start, as byIncident is. Every alert when no kind has more than
   * 2 × `perKind` of them; a storm's 12,000 alerts of one kind are about 2 × `perKind` rows, chosen in
   * the database over a narrow projection (no labels nor summaries of the others are read out).
   */
  async sampleForDiagnosis(incidentId: string, perKind: number): Promise<StoredAlert[]> {
    // Each pick an index scan of its kind (migration 194), the kinds found by skipping from one to the
    // next: the rows read grow with the kinds and perKind, not with the incident's alerts. The last
    // pod is the greatest pod named, then its first fingerprint (the window's order, DESC NULLS LAST
    // then fingerprint, which no index gives in one scan); a kind naming no pod has it in the first.
    const kind = "a.incident_id = $1 AND a.name = k.name AND coalesce(a.service, '') = k.s AND a.status = k.status AND a.severity = k.severity";
    const rows = await this.db.query<AlertRow>(
      `WITH RECURSIVE k AS (
         (SELECT name, coalesce(service, '') AS s, status, severity FROM alerts WHERE incident_id = $1
           ORDER BY name, coalesce(service, ''), status, severity LIMIT 1)
         UNION ALL
         SELECT n.name, n.s, n.status, n.severity FROM k CROSS JOIN LATERAL (
           SELECT name, coalesce(service, '') AS s, status, severity FROM alerts
            WHERE incident_id = $1 AND (name, coalesce(service, ''), status, severity) > (k.name, k.s, k.status, k.severity)
            ORDER BY name, coalesce(service, ''), status, severity LIMIT 1) n),
       picked AS (
         SELECT p.fingerprint FROM k CROSS JOIN LATERAL (SELECT a.fingerprint FROM alerts a WHERE ${kind} ORDER BY a.starts_at, a.fingerprint LIMIT $2) p
         UNION SELECT p.fingerprint FROM k CROSS JOIN LATERAL (SELECT a.fingerprint FROM alerts a WHERE ${kind} ORDER BY a.starts_at DESC, a.fingerprint DESC LIMIT $2) p
         UNION SELECT p.fingerprint FROM k CROSS JOIN LATERAL (SELECT a.fingerprint FROM alerts a WHERE ${kind} ORDER BY a.ends_at DESC NULLS LAST, a.fingerprint LIMIT 1) p
         UNION SELECT p.fingerprint FROM k CROSS JOIN LATERAL (SELECT a.fingerprint FROM alerts a WHERE ${kind} ORDER BY a.labels->>'pod', a.fingerprint LIMIT 1) p
         UNION SELECT p.fingerprint FROM k
           CROSS JOIN LATERAL (SELECT a.labels->>'pod' AS pod FROM alerts a WHERE ${kind} AND a.labels->>'pod' IS NOT NULL ORDER BY a.labels->>'pod' DESC LIMIT 1) top
           CROSS JOIN LATERAL (SELECT a.fingerprint FROM alerts a WHERE ${kind} AND a.labels->>'pod' = top.pod ORDER BY a.labels->>'pod', a.fingerprint LIMIT 1) p)
       SELECT a.* FROM alerts a WHERE a.fingerprint = ANY(ARRAY(SELECT fingerprint FROM picked)) ORDER BY a.starts_at, a.fingerprint`,
      [incidentId, perKind],
    );
    return rows.map(toAlert);
  }

  /** Moves every alert of one incident to another (an incident merged into another); returns how many. */
  async moveToIncident(from: string, to: string, services?: readonly string[]): Promise<number> {
    const rows = services
      ? await this.db.query<{ fingerprint: string }>("UPDATE alerts SET incident_id = $2 WHERE incident_id = $1 AND service = ANY($3) RETURNING fingerprint", [from, to, [...services]])
      : await this.db.query<{ fingerprint: string }>("UPDATE alerts SET incident_id = $2 WHERE incident_id = $1 RETURNING fingerprint", [from, to]);
    return rows.length;
  }

  /** Up to `perIncident` label sets of each incident's alerts: enough for similarity, not a storm's thousands. */
  async labelSamples(incidentIds: string[], perIncident: number): Promise<Array<{ incidentId: string; labels: Record<string, string> }>> {
    const rows = await this.db.query<{ id: string; labels: Record<string, string> }>("SELECT i.id, a.labels FROM unnest($1::text[]) AS i(id) CROSS JOIN LATERAL (SELECT labels FROM alerts WHERE incident_id = i.id LIMIT $2) a", [incidentIds, perIncident]);
    return rows.map((r) => ({ incidentId: r.id, labels: r.labels }));
  }

  /**
   * When each of these services first showed a problem in its incident: the earliest start of its
   * alerts there, or of the first alert the incident's timeline recorded for it (an alert firing again
   * starts anew in this table; a flapping one would otherwise seem to have just begun). Asked per
   * service (grouping reads an incident's services and its suspected cause), each answer is two index
   * lookups however many alerts a storm put in the incident. A service that never alerted there has no row.
   */
  async serviceOnsets(of: ReadonlyArray<{ incidentId: string; services: readonly string[] }>): Promise<Array<{ incidentId: string; service: string; since: string }>> {
    const pairs = of.flatMap((o) => [...new Set(o.services)].map((service) => ({ incidentId: o.incidentId, service })));
    if (pairs.length === 0) return [];
    const rows = await this.db.query<{ incident_id: string; service: string; since: Date }>(
      `SELECT p.incident_id, p.service, s.since FROM unnest($1::text[], $2::text[]) AS p(incident_id, service)
         CROSS JOIN LATERAL (SELECT least(
           (SELECT min(a.starts_at) FROM alerts a WHERE a.incident_id = p.incident_id AND a.service = p.service),
           (SELECT min(t.at) FROM timeline t WHERE t.incident_id = p.incident_id AND t.kind = 'alert' AND t.data->>'status' = 'firing' AND t.data->>'service' = p.service)) AS since) s
        WHERE s.since IS NOT NULL`,
      [pairs.map((p) => p.incidentId), pairs.map((p) => p.service)],
    );
    return rows.map((r) => ({ incidentId: r.incident_id, service: r.service, since: new Date(r.since).toISOString() }));
  }

  /**
   * The incident's distinct alert names, sorted, at most `limit`: read by skipping through the
   * index on (incident_id, name), one step per name (each the next index key after the last name),
   * so a storm's thousands of alerts of a few names cost a few steps, not a sort of them all.
   */
  async namesByIncident(incidentId: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const rows = await this.db.query<{ name: string }>(
      `WITH RECURSIVE n(name, i) AS (
         (SELECT name, 1 FROM alerts WHERE incident_id = $1 ORDER BY incident_id, name LIMIT 1)
         UNION ALL
         SELECT x.name, n.i + 1 FROM n CROSS JOIN LATERAL (
           SELECT incident_id, name FROM alerts WHERE (incident_id, name) > ($1, n.name) ORDER BY incident_id, name LIMIT 1) x
          WHERE n.i < $2 AND x.incident_id = $1)
       SELECT name FROM n ORDER BY i`,
      [incidentId, limit],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Alerts firing now that no open incident holds, newest first: not grouped into one, or seen
   * firing again after their incident was resolved (an alert last seen before the resolve is stale,
   * not a new fire).
   */
  async firingOutsideOpenIncidents(limit: number): Promise<StoredAlert[]> {
    const rows = await this.db.query<AlertRow>(
      `SELECT a.* FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id
       WHERE a.status = 'firing' AND (a.incident_id IS NULL OR (i.status = 'resolved' AND a.last_seen_at > i.resolved_at))
       ORDER BY a.starts_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toAlert);
  }

  /**
   * Whether the incident has alerts other than a detector's anomalies, and whether one of them fires:
   * two look-ups that stop at the first such alert (the diagnosis asks before each ranking; a storm's
   * incident has thousands of alerts, which `quietness` would read).
   */
  async realAlerts(incidentId: string): Promise<{ any: boolean; firing: boolean }> {
    const [row] = await this.db.query<{ any: boolean; firing: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM alerts WHERE incident_id = $1 AND source <> 'anomaly') AS any,
              EXISTS (SELECT 1 FROM alerts WHERE incident_id = $1 AND source <> 'anomaly' AND status = 'firing') AS firing`,
      [incidentId],
    );
    return { any: row?.any === true, firing: row?.firing === true };
  }

  /**
   * Whether a real alert (not a detector's anomaly) of the incident is firing that began at or after
   * `since` and has flipped between firing and resolved at most `maxFlips` times: trouble that is new
   * since then, not a flapping alert riding through it.
   */
  async firingAnewSince(incidentId: string, since: string, maxFlips: number): Promise<boolean> {
    const [row] = await this.db.query<{ anew: boolean }>("SELECT EXISTS (SELECT 1 FROM alerts WHERE incident_id = $1 AND source <> 'anomaly' AND status = 'firing' AND starts_at >= $2 AND flaps <= $3) AS anew", [incidentId, since, maxFlips]);
    return row?.anew === true;
  }

  /** Per alert of an incident: firing now, and when it last ended (the sender's endsAt, else when last seen). */
  /** Each alert of an incident: firing or when it ended, its severity and where it came from (auto-resolve, severity falls). */
  async quietness(incidentId: string): Promise<Array<{ fingerprint: string; name: string; service?: string; source: string; severity: Severity; firing: boolean; endedAt?: string }>> {
    const rows = await this.db.query<{ fingerprint: string; name: string; service: string | null; source: string; severity: string; status: string; ended: Date | null }>("SELECT fingerprint, name, service, source, severity, status, COALESCE(ends_at, last_seen_at) AS ended FROM alerts WHERE incident_id = $1", [
      incidentId,
    ]);
    return rows.map((r) => ({ fingerprint: r.fingerprint, name: r.name, ...(r.service ? { service: r.service } : {}), source: r.source, severity: r.severity as Severity, firing: r.status === "firing", ...(r.ended ? { endedAt: new Date(r.ended).toISOString() } : {}) }));
  }

  /**
   * The incidents (of these, with their severity) that nothing lets resolve or fall in severity now:
   * an alert still fires in each that is neither a detector's anomaly nor flapping (`flapping`:
   * fingerprints), and a firing alert is as severe as the incident. Two existence checks that stop
   * at the first such alert, so an incident of thousands of firing alerts costs a few rows to check.
   */
  async heldAsTheyAre(incidents: ReadonlyArray<{ id: string; severity: Severity }>, flapping: readonly string[]): Promise<Set<string>> {
    if (incidents.length === 0) return new Set();
    // Severities are sev1…sev4: the text order is the rank order.
    // Look-ups per incident (LATERAL … LIMIT 1), never a hash join over every alert ever stored.
    const rows = await this.db.query<{ id: string }>(
      `SELECT i.id FROM unnest($1::text[], $2::text[]) AS i(id, severity)
         CROSS JOIN LATERAL (SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.status = 'firing' AND a.source <> 'anomaly' AND a.fingerprint <> ALL($3::text[]) LIMIT 1) real
         CROSS JOIN LATERAL (SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.status = 'firing' AND a.severity <= i.severity LIMIT 1) severe`,
      [incidents.map((i) => i.id), incidents.map((i) => i.severity), [...flapping]],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** How many alerts the incident has and how many fire: one row, kept up to date as alerts are written (incident_alert_counts). */
  async countByIncident(incidentId: string): Promise<{ total: number; firing: number }> {
    const [row] = await this.db.query<{ total: string | number; firing: string | number }>("SELECT total, firing FROM incident_alert_counts WHERE incident_id = $1", [incidentId]);
    return { total: Number(row?.total ?? 0), firing: Number(row?.firing ?? 0) };
  }
}
