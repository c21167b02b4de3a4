import type { PostmortemStatus } from "../../domain/postmortem.ts";
import { type Db, onlyRow } from "../db.ts";
import { iso, json } from "../rows.ts";

/**
 * A stored postmortem: the generated document, people's edits on top, its status. The document and
 * its section keys are the postmortem capability's (src/postmortem/model.ts); the store keeps them as JSON.
 */
export interface StoredPostmortem<Doc, Section extends string> {
  incidentId: string;
  status: PostmortemStatus;
  generated: Doc;
  /** Section → text people wrote; kept across regenerations. */
  edits: Partial<Record<Section, string>>;
  /** Action item text → Jira issue. */
  followUps: Record<string, { key: string; url?: string }>;
  narrative: string;
  version: number;
  updatedBy?: string;
  createdAt: string;
  updatedAt: string;
}

/** What the store needs to know of a generated document. */
interface GeneratedDoc {
  incidentId: string;
  narrative: string;
}

interface Row {
  incident_id: string;
  status: PostmortemStatus;
  generated: unknown;
  edits: Record<string, string> | null;
  follow_ups: Record<string, { key: string; url?: string }>;
  narrative: string;
  version: number;
  updated_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const toRecord = <Doc, Section extends string>(r: Row): StoredPostmortem<Doc, Section> => ({
  incidentId: r.incident_id,
  status: r.status,
  generated: r.generated as Doc,
  edits: (r.edits ?? {}) as Partial<Record<Section, string>>,
  followUps: r.follow_ups ?? {},
  narrative: r.narrative,
  version: Number(r.version),
  updatedBy: r.updated_by ?? undefined,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** The `postmortems` table (migration 010): one row per incident. */
export class PostmortemRepo<Doc extends GeneratedDoc, Section extends string> {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async get(incidentId: string): Promise<StoredPostmortem<Doc, Section> | undefined> {
    const [row] = await this.db.query<Row>("SELECT * FROM postmortems WHERE incident_id = $1", [incidentId]);
    return row ? toRecord<Doc, Section>(row) : undefined;
  }

  /** Stores a freshly generated document; a regeneration keeps status, edits and follow-ups and bumps the version. */
  async saveGenerated(doc: Doc, by: string): Promise<StoredPostmortem<Doc, Section>> {
    const row = onlyRow(
      await this.db.query<Row>(
        `INSERT INTO postmortems (incident_id, generated, narrative, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id) DO UPDATE SET generated = EXCLUDED.generated, narrative = EXCLUDED.narrative, updated_by = EXCLUDED.updated_by,
         version = postmortems.version + 1, updated_at = now()
       RETURNING *`,
        [doc.incidentId, json(doc), doc.narrative, by],
      ),
      "PostmortemRepo.saveGenerated",
    );
    return toRecord<Doc, Section>(row);
  }

  async setEdits(incidentId: string, edits: Partial<Record<Section, string>>, by: string): Promise<StoredPostmortem<Doc, Section> | undefined> {
    const [row] = await this.db.query<Row>("UPDATE postmortems SET edits = $2, updated_by = $3, version = version + 1, updated_at = now() WHERE incident_id = $1 RETURNING *", [incidentId, json(edits), by]);
    return row ? toRecord<Doc, Section>(row) : undefined;
  }

  /** Moves the status only from `from` (so two people clicking at once make one transition). */
  async setStatus(incidentId: string, from: PostmortemStatus[], to: PostmortemStatus, by: string): Promise<StoredPostmortem<Doc, Section> | undefined> {
    const [row] = await this.db.query<Row>("UPDATE postmortems SET status = $3, updated_by = $4, version = version + 1, updated_at = now() WHERE incident_id = $1 AND status = ANY($2) RETURNING *", [incidentId, from, to, by]);
    return row ? toRecord<Doc, Section>(row) : undefined;
  }

  async addFollowUps(incidentId: string, followUps: Record<string, { key: string; url?: string }>): Promise<StoredPostmortem<Doc, Section> | undefined> {
    const [row] = await this.db.query<Row>("UPDATE postmortems SET follow_ups = follow_ups || $2::jsonb, updated_at = now() WHERE incident_id = $1 RETURNING *", [incidentId, json(followUps)]);
    return row ? toRecord<Doc, Section>(row) : undefined;
  }
}
