import type { Severity } from "../../domain/alert.ts";
import type { Incident, IncidentOrigin, IncidentStatus } from "../../domain/incident.ts";
import { type Db, onlyRow } from "../db.ts";
import { iso, isoOrUndefined, json } from "../rows.ts";
import { isoNow, systemClock, type Clock } from "../../domain/clock.ts";

interface IncidentRow {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  origin: IncidentOrigin;
  services: string[];
  channel: string | null;
  acknowledged_by: string | null;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
}

/**
 * An incident's columns but its card: the card (impact, the diagnosis's summary, next steps) is read
 * by card(id) alone. `SELECT *` had every incident read also parse its card's JSON and hand it over
 * to be dropped: the open incidents are read by every batch of alerts (a storm's 10 incidents and a
 * new one every few seconds), and an incident by id thousands of times a minute.
 */
const COLUMNS = "id, title, status, severity, origin, services, channel, acknowledged_by, created_at, updated_at, resolved_at";
const COLUMNS_OF_I = COLUMNS.split(", ")
  .map((c) => `i.${c}`)
  .join(", ");

/** Root-card content that is not a column of its own: impact and the diagnosis summary. */
export interface IncidentCard {
  /** The current best understanding in a line (impact, and the leading cause once confident). */
  headline?: string;
  /** The worst impact seen so far (for the resolved card, the postmortem's title). */
  peak?: { service: string; errorRatio?: number; p99S?: number };
  /** The headline once resolved: the peak impact in the past tense and the cause as last understood. */
  resolvedHeadline?: string;
  impact?: string;
  diagnosis?: { summary?: string; cause?: string; confidence?: number; verdict?: string; nextSteps?: string[] /** The leading hypothesis' service. */; service?: string };
  /** The incident this one was merged into (one failure seen from two sides): it stays resolved and quiet. */
  mergedInto?: string;
}

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    severity: r.severity,
    origin: r.origin,
    services: r.services,
    channel: r.channel ?? undefined,
    acknowledgedBy: r.acknowledged_by ?? undefined,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    resolvedAt: isoOrUndefined(r.resolved_at),
  };
}

export type IncidentPatch = Partial<Pick<Incident, "title" | "status" | "severity" | "services" | "channel" | "acknowledgedBy">>;

export class IncidentRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  /** `clock`: the system's time (the simulation's in the sandbox), for created/updated/resolved times. */
  constructor(db: Db, clock: Clock = systemClock) {
    this.db = db;
    this.clock = clock;
  }

  async create(i: Pick<Incident, "id" | "title" | "severity" | "origin" | "services"> & { channel?: string; createdAt?: string }): Promise<Incident> {
    const row = onlyRow(
      await this.db.query<IncidentRow>(
        `INSERT INTO incidents (id, title, status, severity, origin, services, channel, created_at, updated_at)
       VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $7) RETURNING ${COLUMNS}`,
        [i.id, i.title, i.severity, i.origin, json(i.services), i.channel ?? null, i.createdAt ?? isoNow(this.clock)],
      ),
      "IncidentRepo.create",
    );
    return toIncident(row);
  }

  async get(id: string): Promise<Incident | undefined> {
    const [row] = await this.db.query<IncidentRow>(`SELECT ${COLUMNS} FROM incidents WHERE id = $1`, [id]);
    return row ? toIncident(row) : undefined;
  }

  async card(id: string): Promise<IncidentCard> {
    const [row] = await this.db.query<{ card: IncidentCard }>("SELECT card FROM incidents WHERE id = $1", [id]);
    return row?.card ?? {};
  }

  /** Merges into the card (top-level keys replace). */
  async mergeCard(id: string, patch: IncidentCard): Promise<void> {
    await this.db.query("UPDATE incidents SET card = card || $2::jsonb, updated_at = $3 WHERE id = $1", [id, json(patch), isoNow(this.clock)]);
  }

  /**
   * The open incidents as alert grouping reads them, every batch, in one statement (it was four, each
   * over the same incidents): each incident (as listOpen), the service its diagnosis leads with
   * (suspectedCauses), whether one of its alerts fires (from the counts its alerts' writes keep:
   * one row per incident, not a look-up in the alerts) and when a recovery remediation was last
   * verified or skipped in it (the timeline's latest such action entry).
   */
  async openForGrouping(): Promise<Array<{ incident: Incident; suspectedCause?: string; firing: boolean; recoveredAt?: string }>> {
    const rows = await this.db.query<IncidentRow & { suspected_cause: string | null; firing: boolean; recovered_at: Date | null }>(
      `SELECT ${COLUMNS_OF_I}, i.card->'diagnosis'->>'service' AS suspected_cause, COALESCE(c.firing, 0) > 0 AS firing,
              (SELECT max(t.at) FROM timeline t WHERE t.incident_id = i.id AND t.kind = 'action' AND t.data->>'event' IN ('verified', 'skipped')) AS recovered_at
         FROM incidents i LEFT JOIN incident_alert_counts c ON c.incident_id = i.id
        WHERE i.status <> 'resolved' ORDER BY i.created_at`,
    );
    return rows.map((r) => ({ incident: toIncident(r), firing: r.firing === true, ...(r.suspected_cause !== null ? { suspectedCause: r.suspected_cause } : {}), ...(r.recovered_at !== null ? { recoveredAt: iso(r.recovered_at) } : {}) }));
  }

  async listOpen(): Promise<Incident[]> {
    const rows = await this.db.query<IncidentRow>(`SELECT ${COLUMNS} FROM incidents WHERE status <> 'resolved' ORDER BY created_at`);
    return rows.map(toIncident);
  }

  /** The most recently resolved incident (resolved at or after `since`) in which `service` had an alert of a monitoring system (not a detector's anomaly). */
  async resolvedSinceWithAlertingService(service: string, since: string): Promise<Incident | undefined> {
    const [row] = await this.db.query<IncidentRow>(
      `SELECT ${COLUMNS_OF_I} FROM incidents i WHERE i.status = 'resolved' AND i.resolved_at >= $2
         AND EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.service = $1 AND a.source <> 'anomaly')
       ORDER BY i.resolved_at DESC LIMIT 1`,
      [service, since],
    );
    return row ? toIncident(row) : undefined;
  }

  /** The incident resolved most recently since `since` that had an alert named `name` on `service` (not a detector's). */
  async resolvedSinceWithAlert(name: string, service: string, since: string): Promise<Incident | undefined> {
    const [row] = await this.db.query<IncidentRow>(
      `SELECT ${COLUMNS_OF_I} FROM incidents i WHERE i.status = 'resolved' AND i.resolved_at >= $3
         AND EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.name = $1 AND a.service = $2 AND a.source <> 'anomaly')
       ORDER BY i.resolved_at DESC LIMIT 1`,
      [name, service, since],
    );
    return row ? toIncident(row) : undefined;
  }

  async listRecent(limit = 50): Promise<Incident[]> {
    const rows = await this.db.query<IncidentRow>(`SELECT ${COLUMNS} FROM incidents ORDER BY created_at DESC LIMIT $1`, [limit]);
    return rows.map(toIncident);
  }

  /**
   * Alerts joined these incidents: their services and severity now, touched now, in one statement (a
   * storm's batch touches many). Returns them as stored, by id.
   */
  async touchMany(rows: ReadonlyArray<{ id: string; services: readonly string[]; severity: Severity }>): Promise<Map<string, Incident>> {
    if (rows.length === 0) return new Map();
    const out = await this.db.query<IncidentRow>(
      `UPDATE incidents i SET updated_at = $1, severity = t.severity, services = t.services::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[]) AS t(id, severity, services) WHERE i.id = t.id RETURNING ${COLUMNS_OF_I}`,
      [isoNow(this.clock), rows.map((r) => r.id), rows.map((r) => r.severity), rows.map((r) => json(r.services))],
    );
    return new Map(out.map((r) => [r.id, toIncident(r)]));
  }

  async update(id: string, patch: IncidentPatch): Promise<Incident | undefined> {
    const sets: string[] = ["updated_at = $2"];
    const params: unknown[] = [id, isoNow(this.clock)];
    const add = (col: string, v: unknown) => {
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    };
    if (patch.title !== undefined) add("title", patch.title);
    if (patch.severity !== undefined) add("severity", patch.severity);
    if (patch.services !== undefined) add("services", json(patch.services));
    if (patch.channel !== undefined) add("channel", patch.channel);
    if (patch.acknowledgedBy !== undefined) add("acknowledged_by", patch.acknowledgedBy);
    if (patch.status !== undefined) {
      add("status", patch.status);
      sets.push(patch.status === "resolved" ? "resolved_at = $2" : "resolved_at = NULL");
    }
    const [row] = await this.db.query<IncidentRow>(`UPDATE incidents SET ${sets.join(", ")} WHERE id = $1 RETURNING ${COLUMNS}`, params);
    return row ? toIncident(row) : undefined;
  }
}
