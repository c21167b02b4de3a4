import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

export interface StoredAction {
  id: string;
  incidentId?: string;
  type: string;
  target: Record<string, unknown>;
  params: Record<string, unknown>;
  state: string;
  risk: string;
  requiredApprovals: number;
  proposedBy: string;
  reason: string;
  result?: unknown;
  approvers: string[];
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  incident_id: string | null;
  type: string;
  target: Record<string, unknown>;
  params: Record<string, unknown>;
  state: string;
  risk: string;
  required_approvals: number;
  proposed_by: string;
  reason: string;
  result: unknown;
  created_at: Date;
  updated_at: Date;
  approvers: string[] | null;
}

const toAction = (r: Row): StoredAction => ({
  id: r.id,
  incidentId: r.incident_id ?? undefined,
  type: r.type,
  target: r.target,
  params: r.params,
  state: r.state,
  risk: r.risk,
  requiredApprovals: Number(r.required_approvals),
  proposedBy: r.proposed_by,
  reason: r.reason,
  result: r.result ?? undefined,
  approvers: r.approvers ?? [],
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const SELECT = `SELECT a.*, (SELECT coalesce(json_agg(p.approver ORDER BY p.at), '[]'::json) FROM approvals p WHERE p.action_id = a.id) AS approvers FROM actions a`;

export class ActionRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async create(a: Omit<StoredAction, "approvers" | "createdAt" | "updatedAt" | "result">): Promise<StoredAction> {
    await this.db.query(
      `INSERT INTO actions (id, incident_id, type, target, params, state, risk, required_approvals, proposed_by, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [a.id, a.incidentId ?? null, a.type, json(a.target), json(a.params), a.state, a.risk, a.requiredApprovals, a.proposedBy, a.reason],
    );
    return (await this.get(a.id))!;
  }

  async get(id: string): Promise<StoredAction | undefined> {
    const [row] = await this.db.query<Row>(`${SELECT} WHERE a.id = $1`, [id]);
    return row ? toAction(row) : undefined;
  }

  async byIncident(incidentId: string): Promise<StoredAction[]> {
    return (await this.db.query<Row>(`${SELECT} WHERE a.incident_id = $1 ORDER BY a.created_at`, [incidentId])).map(toAction);
  }

  /** Compare-and-set: moves the action only if it is still in `from`; false if someone else moved it. */
  async transition(id: string, from: string[], to: string, result?: unknown): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE actions SET state = $3, result = COALESCE($4, result), updated_at = now() WHERE id = $1 AND state = ANY($2) RETURNING id`,
      [id, from, to, result === undefined ? null : json(result)],
    );
    return rows.length > 0;
  }

  /** Records an approval once per approver; returns false for a repeat. */
  async addApproval(actionId: string, approver: string): Promise<boolean> {
    const rows = await this.db.query("INSERT INTO approvals (action_id, approver) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING approver", [actionId, approver]);
    return rows.length > 0;
  }

  /** Actions that ran (or are running) since a time: the circuit breaker's input. */
  async countExecutedSince(sinceIso: string, incidentId?: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM actions WHERE state IN ('running', 'verifying', 'verified', 'failed', 'unverified')
         AND updated_at >= $1 AND ($2::text IS NULL OR incident_id = $2)`,
      [sinceIso, incidentId ?? null],
    );
    return Number(row.n);
  }
}
