import { type Db, onlyRow } from "../db.ts";
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
  /** What the action card shows and the steps taken (remediation's ActionDetail). */
  detail: Record<string, unknown>;
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
  detail: Record<string, unknown> | null;
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
  detail: r.detail ?? {},
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const SELECT = `SELECT a.*, (SELECT coalesce(json_agg(p.approver ORDER BY p.at), '[]'::json) FROM approvals p WHERE p.action_id = a.id) AS approvers FROM actions a`;

export class ActionRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** `dedupeKey`: the same recommendation in one incident is found again by it (byKey). */
  async create(a: Omit<StoredAction, "approvers" | "createdAt" | "updatedAt" | "result" | "detail"> & { detail?: Record<string, unknown>; dedupeKey?: string }): Promise<StoredAction> {
    await this.db.query(
      `INSERT INTO actions (id, incident_id, type, target, params, state, risk, required_approvals, proposed_by, reason, detail, dedupe_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [a.id, a.incidentId ?? null, a.type, json(a.target), json(a.params), a.state, a.risk, a.requiredApprovals, a.proposedBy, a.reason, json(a.detail ?? {}), a.dedupeKey ?? null],
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

  async byKey(incidentId: string, dedupeKey: string): Promise<StoredAction[]> {
    return (await this.db.query<Row>(`${SELECT} WHERE a.incident_id = $1 AND a.dedupe_key = $2 ORDER BY a.created_at`, [incidentId, dedupeKey])).map(toAction);
  }

  async inStates(states: readonly string[]): Promise<StoredAction[]> {
    return (await this.db.query<Row>(`${SELECT} WHERE a.state = ANY($1) ORDER BY a.created_at`, [[...states]])).map(toAction);
  }

  /** Another action running on the same workload (any incident): a conflict. */
  async activeOn(service: string, namespace: string | undefined, exceptId: string): Promise<StoredAction[]> {
    const rows = await this.db.query<Row>(`${SELECT} WHERE a.state IN ('running', 'verifying') AND a.id <> $1 AND a.target->>'service' = $2 AND coalesce(a.target->>'namespace', '') = $3`, [exceptId, service, namespace ?? ""]);
    return rows.map(toAction);
  }

  /** Appends steps to detail.steps. */
  async addSteps(id: string, steps: unknown[]): Promise<void> {
    await this.db.query(`UPDATE actions SET detail = jsonb_set(detail, '{steps}', coalesce(detail->'steps', '[]'::jsonb) || $2::jsonb) WHERE id = $1`, [id, json(steps)]);
  }

  /** Merges fields into detail. */
  async patchDetail(id: string, patch: Record<string, unknown>): Promise<void> {
    await this.db.query("UPDATE actions SET detail = detail || $2::jsonb WHERE id = $1", [id, json(patch)]);
  }

  /** Compare-and-set: moves the action only if it is still in `from`; false if someone else moved it. */
  async transition(id: string, from: string[], to: string, result?: unknown): Promise<boolean> {
    const rows = await this.db.query(`UPDATE actions SET state = $3, result = COALESCE($4, result), updated_at = now() WHERE id = $1 AND state = ANY($2) RETURNING id`, [id, from, to, result === undefined ? null : json(result)]);
    return rows.length > 0;
  }

  /**
   * Takes (or keeps) the verification of an action in `verifying` for `owner`: only when nobody
   * holds it or the holder's lease ran out. False when another live replica verifies it.
   */
  async claimVerification(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE actions SET lease_owner = $2, lease_until = now() + ($3 || ' milliseconds')::interval
        WHERE id = $1 AND state = 'verifying' AND (lease_owner IS NULL OR lease_until < now()) RETURNING id`,
      [id, owner, String(Math.max(0, Math.round(leaseMs)))],
    );
    return rows.length > 0;
  }

  /** Extends the verification lease `owner` holds (its heartbeat); false when it lost it. */
  async renewVerification(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.db.query("UPDATE actions SET lease_until = now() + ($3 || ' milliseconds')::interval WHERE id = $1 AND lease_owner = $2 AND state = 'verifying' RETURNING id", [id, owner, String(Math.max(0, Math.round(leaseMs)))]);
    return rows.length > 0;
  }

  async releaseVerification(id: string, owner: string): Promise<void> {
    await this.db.query("UPDATE actions SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2", [id, owner]);
  }

  /** Ids of actions in `verifying` that no live replica verifies (never leased, or the lease ran out). */
  async unownedVerifications(): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>("SELECT id FROM actions WHERE state = 'verifying' AND (lease_owner IS NULL OR lease_until < now()) ORDER BY updated_at");
    return rows.map((r) => r.id);
  }

  /** Records an approval once per approver; returns false for a repeat. */
  async addApproval(actionId: string, approver: string): Promise<boolean> {
    const rows = await this.db.query("INSERT INTO approvals (action_id, approver) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING approver", [actionId, approver]);
    return rows.length > 0;
  }

  /** Actions that ran (or are running) in the last hour by the database's clock (which stamps updated_at). */
  async countExecutedInLastHour(): Promise<number> {
    const [row] = await this.db.query<{ since: Date }>("SELECT now() - interval '1 hour' AS since");
    return this.countExecutedSince(iso(row!.since));
  }

  /** Actions that ran (or are running) since a time: the circuit breaker's input. */
  async countExecutedSince(sinceIso: string, incidentId?: string): Promise<number> {
    const row = onlyRow(
      await this.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM actions WHERE state IN ('running', 'verifying', 'verified', 'failed', 'unverified')
         AND updated_at >= $1 AND ($2::text IS NULL OR incident_id = $2)`,
        [sinceIso, incidentId ?? null],
      ),
      "ActionRepo.countExecutedSince",
    );
    return Number(row.n);
  }
}
