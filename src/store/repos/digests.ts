import type { DigestAlert, DigestAnomaly, DigestChange } from "../../domain/digest.ts";
import type { Db } from "../db.ts";
import { json } from "../rows.ts";

/** An alert's digest line, with the timeline id of its first entry (its place among equals). */
export type StoredDigestAlert = DigestAlert & { seq: number };

/** An incident's folded digest, without its alerts' lines. */
export interface DigestState {
  /** The last timeline entry folded in. */
  foldedTo: number;
  firing: number;
  resolved: number;
  rest: { anomalies: DigestAnomaly[]; changes: DigestChange[]; services: string[]; updatedAt?: string };
}

interface AlertRow {
  alert: DigestAlert;
  seq: number;
}

/**
 * Incident digests folded as the timeline grows (`incident_digests`, `incident_digest_alerts`):
 * written by the replica rendering the digest, in the render's transaction.
 */
export class DigestRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async state(incidentId: string): Promise<DigestState | undefined> {
    const [r] = await this.db.query<{ folded_to: number; firing: number; resolved: number; rest: DigestState["rest"] }>("SELECT folded_to, firing, resolved, rest FROM incident_digests WHERE incident_id = $1", [incidentId]);
    return r ? { foldedTo: Number(r.folded_to), firing: Number(r.firing), resolved: Number(r.resolved), rest: r.rest } : undefined;
  }

  /** The lines of these alerts of the incident (those it has). */
  async alerts(incidentId: string, fingerprints: string[]): Promise<Map<string, StoredDigestAlert>> {
    if (fingerprints.length === 0) return new Map();
    const rows = await this.db.query<AlertRow>("SELECT alert, seq FROM incident_digest_alerts WHERE incident_id = $1 AND fingerprint = ANY($2::text[])", [incidentId, fingerprints]);
    return new Map(rows.map((r) => [r.alert.fingerprint, { ...r.alert, seq: Number(r.seq) }]));
  }

  /** The first `limit` lines as the digest lists them: firing first, then the newest, then first seen. */
  async shown(incidentId: string, limit: number): Promise<DigestAlert[]> {
    const rows = await this.db.query<AlertRow>("SELECT alert, seq FROM incident_digest_alerts WHERE incident_id = $1 ORDER BY firing DESC, since DESC, seq LIMIT $2", [incidentId, limit]);
    return rows.map((r) => r.alert);
  }

  /** The services the incident's alerts name, first seen first (at most `limit`). */
  async services(incidentId: string, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ service: string }>("SELECT service FROM (SELECT alert->>'service' AS service, min(seq) AS first FROM incident_digest_alerts WHERE incident_id = $1 AND alert ? 'service' GROUP BY 1) s ORDER BY first LIMIT $2", [incidentId, limit]);
    return rows.map((r) => r.service);
  }

  /**
   * Saves a fold: the state, the alerts' lines that changed, those that left. The state is written
   * only over the one it was folded from (`from`, undefined for the first): false when another
   * replica saved meanwhile (nothing is written; the caller's transaction should roll back).
   */
  async save(incidentId: string, from: number | undefined, state: DigestState, upserts: StoredDigestAlert[], removed: string[]): Promise<boolean> {
    const saved =
      from === undefined
        ? await this.db.query("INSERT INTO incident_digests (incident_id, folded_to, firing, resolved, rest) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1", [incidentId, state.foldedTo, state.firing, state.resolved, json(state.rest)])
        : await this.db.query("UPDATE incident_digests SET folded_to = $2, firing = $3, resolved = $4, rest = $5 WHERE incident_id = $1 AND folded_to = $6 RETURNING 1", [incidentId, state.foldedTo, state.firing, state.resolved, json(state.rest), from]);
    if (saved.length === 0) return false;
    if (upserts.length > 0)
      await this.db.query(
        `INSERT INTO incident_digest_alerts (incident_id, fingerprint, firing, since, seq, alert)
         SELECT $1, x.alert->>'fingerprint', x.alert->>'status' = 'firing', x.alert->>'since', x.seq, x.alert
           FROM jsonb_to_recordset($2::jsonb) AS x(alert jsonb, seq bigint)
         ON CONFLICT (incident_id, fingerprint) DO UPDATE SET firing = EXCLUDED.firing, since = EXCLUDED.since, seq = EXCLUDED.seq, alert = EXCLUDED.alert`,
        [incidentId, json(upserts.map(({ seq, ...alert }) => ({ alert, seq })))],
      );
    if (removed.length > 0) await this.db.query("DELETE FROM incident_digest_alerts WHERE incident_id = $1 AND fingerprint = ANY($2::text[])", [incidentId, removed]);
    return true;
  }
}
