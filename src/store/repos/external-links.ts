import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

export type ExternalSystem = "jira" | "pagerduty" | "postmortem";

/** A link from an incident to its Jira issue / PagerDuty incident, with the values last synced. */
export interface ExternalLink {
  incidentId: string;
  system: ExternalSystem;
  externalId: string;
  url?: string;
  synced: Record<string, unknown>;
  updatedAt: string;
}

interface Row {
  incident_id: string;
  system: ExternalSystem;
  external_id: string;
  url: string | null;
  synced: Record<string, unknown>;
  updated_at: Date;
}

const toLink = (r: Row): ExternalLink => ({ incidentId: r.incident_id, system: r.system, externalId: r.external_id, url: r.url ?? undefined, synced: r.synced, updatedAt: iso(r.updated_at) });

export class ExternalLinkRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Creates the link once; returns false when the incident already has one in that system. */
  async create(l: Omit<ExternalLink, "updatedAt">): Promise<boolean> {
    const rows = await this.db.query("INSERT INTO external_links (incident_id, system, external_id, url, synced) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING external_id", [l.incidentId, l.system, l.externalId, l.url ?? null, json(l.synced)]);
    return rows.length > 0;
  }

  async get(incidentId: string, system: ExternalSystem): Promise<ExternalLink | undefined> {
    const [row] = await this.db.query<Row>("SELECT * FROM external_links WHERE incident_id = $1 AND system = $2", [incidentId, system]);
    return row ? toLink(row) : undefined;
  }

  /** The incident's links, by system, in one read (its card shows all three). */
  async forIncident(incidentId: string): Promise<Map<ExternalSystem, ExternalLink>> {
    const rows = await this.db.query<Row>("SELECT * FROM external_links WHERE incident_id = $1", [incidentId]);
    return new Map(rows.map((r) => [r.system, toLink(r)]));
  }

  async byExternalId(system: ExternalSystem, externalId: string): Promise<ExternalLink | undefined> {
    const [row] = await this.db.query<Row>("SELECT * FROM external_links WHERE system = $1 AND external_id = $2", [system, externalId]);
    return row ? toLink(row) : undefined;
  }

  /** Merges values into `synced` (what aisre last wrote or saw), field by field. */
  /** Points the incident's link in that system at another record (a new page after a resolve). */
  async repoint(incidentId: string, system: ExternalSystem, externalId: string, url: string | undefined, synced: Record<string, unknown>): Promise<void> {
    await this.db.query("UPDATE external_links SET external_id = $3, url = $4, synced = $5, updated_at = now() WHERE incident_id = $1 AND system = $2", [incidentId, system, externalId, url ?? null, json(synced)]);
  }

  /**
   * Links of a system whose incident has timeline entries of these kinds after the link's
   * `synced.cursor` (an entry id), for incidents open or resolved within the last hour.
   */
  async withTimelineAfterCursor(system: ExternalSystem, kinds: string[]): Promise<ExternalLink[]> {
    const rows = await this.db.query<Row>(
      `SELECT l.*
         FROM external_links l JOIN incidents i ON i.id = l.incident_id
        WHERE l.system = $1 AND (i.status <> 'resolved' OR i.updated_at > now() - interval '1 hour')
          AND EXISTS (SELECT 1 FROM timeline t WHERE t.incident_id = l.incident_id AND t.kind = ANY($2) AND t.id > COALESCE((l.synced->>'cursor')::bigint, 0))`,
      [system, kinds],
    );
    return rows.map(toLink);
  }

  async mergeSynced(incidentId: string, system: ExternalSystem, values: Record<string, unknown>): Promise<void> {
    await this.db.query("UPDATE external_links SET synced = synced || $3::jsonb, updated_at = now() WHERE incident_id = $1 AND system = $2", [incidentId, system, json(values)]);
  }
}
