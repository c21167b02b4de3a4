import type { ChangeEvent } from "../../domain/alert.ts";
import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

interface Row {
  id: string;
  source: string;
  kind: ChangeEvent["kind"];
  service: string;
  version: string | null;
  data: Partial<ChangeEvent>;
  at: Date | string;
}

const toChange = (r: Row): ChangeEvent => ({ ...r.data, id: r.id, source: r.source, kind: r.kind, service: r.service, ...(r.version ? { version: r.version } : {}), at: iso(r.at) });

/** Deploys and config changes from the webhooks (GitHub, Argo CD, …), one row per change id. */
export class ChangeEventRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Keeps the latest state of a change (a deploy pending → success keeps its id). Returns true the
   * first time the change is seen.
   */
  async record(change: ChangeEvent): Promise<boolean> {
    const [row] = await this.db.query<{ fresh: boolean }>(
      `INSERT INTO change_events (id, source, kind, service, version, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, version = EXCLUDED.version RETURNING (xmax = 0) AS fresh`,
      [change.id, change.source, change.kind, change.service, change.version ?? null, json(change), change.at],
    );
    return row?.fresh === true;
  }

  /** Changes of these services at or after `since`, oldest first. */
  async since(services: string[], since: string): Promise<ChangeEvent[]> {
    const rows = await this.db.query<Row>("SELECT id, source, kind, service, version, data, at FROM change_events WHERE service = ANY($1) AND at >= $2 ORDER BY at", [services, since]);
    return rows.map(toChange);
  }

  /** Changes of these services (all when omitted) between `from` and `to`, oldest first, at most `limit`. */
  async between(services: string[] | undefined, from: string, to: string, limit = 500): Promise<ChangeEvent[]> {
    const rows = await this.db.query<Row>("SELECT id, source, kind, service, version, data, at FROM change_events WHERE ($1::jsonb IS NULL OR service IN (SELECT jsonb_array_elements_text($1::jsonb))) AND at >= $2 AND at <= $3 ORDER BY at LIMIT $4", [services ? json(services) : null, from, to, limit]);
    return rows.map(toChange);
  }
}
