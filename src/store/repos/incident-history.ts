import type { Db } from "../db.ts";
import { iso, isoOrUndefined } from "../rows.ts";

/** A resolved incident as history: what fired, what the diagnosis said, what was done, its postmortem. */
export interface IncidentHistoryRow {
  id: string;
  title: string;
  severity: string;
  services: string[];
  createdAt: string;
  resolvedAt?: string;
  /** The diagnosis' leading cause, as the root card last showed it. */
  cause?: string;
  alerts: Array<{ name: string; summary: string }>;
  /** Remediations that ran and whether the symptoms recovered. */
  actions: Array<{ type: string; service?: string; state: string }>;
  /** The postmortem the product wrote into the knowledge base, if any. */
  postmortem?: { id: string; title: string; body: string; meta: Record<string, unknown> };
}

interface Row {
  id: string;
  title: string;
  severity: string;
  services: string[];
  created_at: Date;
  resolved_at: Date | null;
  cause: string | null;
  alerts: Array<{ name: string; summary: string }> | null;
  actions: Array<{ type: string; service?: string; state: string }> | null;
  pm_id: string | null;
  pm_title: string | null;
  pm_body: string | null;
  pm_meta: Record<string, unknown> | null;
}

/** Resolved incidents with their alerts, remediations and postmortems, newest first. */
export class IncidentHistoryRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async resolved(options: { limit?: number; excludeId?: string } = {}): Promise<IncidentHistoryRow[]> {
    const rows = await this.db.query<Row>(
      `SELECT i.id, i.title, i.severity, i.services, i.created_at, i.resolved_at,
              i.card -> 'diagnosis' ->> 'cause' AS cause,
              (SELECT json_agg(json_build_object('name', a.name, 'summary', a.summary))
                 FROM (SELECT DISTINCT ON (name) name, summary FROM alerts WHERE incident_id = i.id ORDER BY name, starts_at LIMIT 20) a) AS alerts,
              (SELECT json_agg(json_build_object('type', x.type, 'service', x.target ->> 'service', 'state', x.state) ORDER BY x.created_at)
                 FROM actions x WHERE x.incident_id = i.id AND x.state IN ('verified', 'unverified', 'failed')) AS actions,
              k.id AS pm_id, k.title AS pm_title, k.body AS pm_body, k.meta AS pm_meta
         FROM incidents i
         LEFT JOIN kb_entries k ON k.id = 'postmortem:' || i.id
        WHERE i.status = 'resolved' AND ($2::text IS NULL OR i.id <> $2)
        ORDER BY i.resolved_at DESC NULLS LAST, i.id
        LIMIT $1`,
      [options.limit ?? 500, options.excludeId ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      services: r.services,
      createdAt: iso(r.created_at),
      resolvedAt: isoOrUndefined(r.resolved_at),
      cause: r.cause ?? undefined,
      alerts: r.alerts ?? [],
      actions: r.actions ?? [],
      postmortem: r.pm_id ? { id: r.pm_id, title: r.pm_title ?? "", body: r.pm_body ?? "", meta: r.pm_meta ?? {} } : undefined,
    }));
  }
}
