import type { Db } from "../store/db.ts";
import { ActionRepo } from "../store/repos/actions.ts";
import { iso, json } from "../store/rows.ts";
import type { ActionDetail, ActionState, ActionStep, ActionTarget, RemediationAction, Risk } from "./types.ts";

interface Row {
  id: string;
  incident_id: string;
  type: string;
  target: ActionTarget;
  params: Record<string, unknown>;
  state: ActionState;
  risk: Risk;
  required_approvals: number;
  proposed_by: string;
  reason: string;
  result: unknown;
  detail: ActionDetail;
  created_at: Date;
  updated_at: Date;
  approvers: string[] | null;
}

const SELECT = `SELECT a.*, (SELECT coalesce(json_agg(p.approver ORDER BY p.at), '[]'::json) FROM approvals p WHERE p.action_id = a.id) AS approvers FROM actions a`;

const toAction = (r: Row): RemediationAction => ({
  id: r.id,
  incidentId: r.incident_id,
  type: r.type,
  target: r.target,
  params: r.params,
  state: r.state,
  risk: r.risk,
  requiredApprovals: Number(r.required_approvals),
  approvedBy: r.approvers ?? [],
  proposedBy: r.proposed_by,
  reason: r.reason,
  result: r.result ?? undefined,
  detail: r.detail,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/**
 * Remediation's view of the `actions` table: the shared ActionRepo (compare-and-set transitions,
 * approvals once per approver) plus the card's detail and the recommendation's dedupe key.
 */
export class ActionRecords {
  readonly repo: ActionRepo;
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
    this.repo = new ActionRepo(db);
  }

  async create(a: Omit<RemediationAction, "approvedBy" | "createdAt" | "updatedAt" | "result"> & { dedupeKey: string }): Promise<RemediationAction> {
    await this.db.query(
      `INSERT INTO actions (id, incident_id, type, target, params, state, risk, required_approvals, proposed_by, reason, detail, dedupe_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [a.id, a.incidentId, a.type, json(a.target), json(a.params), a.state, a.risk, a.requiredApprovals, a.proposedBy, a.reason, json(a.detail), a.dedupeKey],
    );
    return (await this.get(a.id))!;
  }

  async get(id: string): Promise<RemediationAction | undefined> {
    const [row] = await this.db.query<Row>(`${SELECT} WHERE a.id = $1`, [id]);
    return row ? toAction(row) : undefined;
  }

  async byIncident(incidentId: string): Promise<RemediationAction[]> {
    return (await this.db.query<Row>(`${SELECT} WHERE a.incident_id = $1 ORDER BY a.created_at`, [incidentId])).map(toAction);
  }

  async byKey(incidentId: string, dedupeKey: string): Promise<RemediationAction[]> {
    return (await this.db.query<Row>(`${SELECT} WHERE a.incident_id = $1 AND a.dedupe_key = $2 ORDER BY a.created_at`, [incidentId, dedupeKey])).map(toAction);
  }

  async inStates(states: readonly ActionState[]): Promise<RemediationAction[]> {
    return (await this.db.query<Row>(`${SELECT} WHERE a.state = ANY($1) ORDER BY a.created_at`, [[...states]])).map(toAction);
  }

  /** Another action running on the same workload (any incident): a conflict. */
  async activeOn(service: string, namespace: string | undefined, exceptId: string): Promise<RemediationAction[]> {
    const rows = await this.db.query<Row>(
      `${SELECT} WHERE a.state IN ('running', 'verifying') AND a.id <> $1 AND a.target->>'service' = $2 AND coalesce(a.target->>'namespace', '') = $3`,
      [exceptId, service, namespace ?? ""],
    );
    return rows.map(toAction);
  }

  transition(id: string, from: readonly ActionState[], to: ActionState, result?: unknown): Promise<boolean> {
    return this.repo.transition(id, [...from], to, result);
  }

  addApproval(id: string, user: string): Promise<boolean> {
    return this.repo.addApproval(id, user);
  }

  /** Actions executed (or executing) since a time, all incidents or one: the circuit breaker's count. */
  countExecutedSince(sinceIso: string, incidentId?: string): Promise<number> {
    return this.repo.countExecutedSince(sinceIso, incidentId);
  }

  async addStep(id: string, step: ActionStep): Promise<void> {
    await this.db.query(`UPDATE actions SET detail = jsonb_set(detail, '{steps}', coalesce(detail->'steps', '[]'::jsonb) || $2::jsonb) WHERE id = $1`, [id, json([step])]);
  }

  async patchDetail(id: string, patch: Partial<ActionDetail>): Promise<void> {
    await this.db.query("UPDATE actions SET detail = detail || $2::jsonb WHERE id = $1", [id, json(patch)]);
  }
}
