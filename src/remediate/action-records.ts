import type { Db } from "../store/db.ts";
import { ActionRepo, type StoredAction } from "../store/repos/actions.ts";
import type { ActionDetail, ActionState, ActionStep, ActionTarget, RemediationAction, Risk } from "./types.ts";

/** The store's row, typed as remediation knows it (the columns are written only through this class). */
const typed = (a: StoredAction): RemediationAction => ({
  id: a.id,
  incidentId: a.incidentId ?? "",
  type: a.type,
  target: a.target as unknown as ActionTarget,
  params: a.params,
  state: a.state as ActionState,
  risk: a.risk as Risk,
  requiredApprovals: a.requiredApprovals,
  approvedBy: a.approvers,
  proposedBy: a.proposedBy,
  reason: a.reason,
  result: a.result,
  detail: a.detail as unknown as ActionDetail,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});

/**
 * Remediation's view of the `actions` table: the store's ActionRepo (compare-and-set transitions,
 * approvals once per approver, the card's detail and the recommendation's dedupe key), typed.
 */
export class ActionRecords {
  readonly repo: ActionRepo;
  constructor(db: Db) {
    this.repo = new ActionRepo(db);
  }

  async create(a: Omit<RemediationAction, "approvedBy" | "createdAt" | "updatedAt" | "result"> & { dedupeKey: string }): Promise<RemediationAction> {
    const { detail, target, ...rest } = a;
    return typed(await this.repo.create({ ...rest, target: { ...target }, detail: { ...detail } }));
  }

  async get(id: string): Promise<RemediationAction | undefined> {
    const a = await this.repo.get(id);
    return a ? typed(a) : undefined;
  }

  async byIncident(incidentId: string): Promise<RemediationAction[]> {
    return (await this.repo.byIncident(incidentId)).map(typed);
  }

  async byKey(incidentId: string, dedupeKey: string): Promise<RemediationAction[]> {
    return (await this.repo.byKey(incidentId, dedupeKey)).map(typed);
  }

  async inStates(states: readonly ActionState[]): Promise<RemediationAction[]> {
    return (await this.repo.inStates(states)).map(typed);
  }

  /** Another action running on the same workload (any incident): a conflict. */
  async activeOn(service: string, namespace: string | undefined, exceptId: string): Promise<RemediationAction[]> {
    return (await this.repo.activeOn(service, namespace, exceptId)).map(typed);
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

  /** Actions executed (or executing) in the last hour by the database's clock (the rows' timestamps come from it): the circuit breaker's count. */
  countExecutedInLastHour(): Promise<number> {
    return this.repo.countExecutedInLastHour();
  }

  addStep(id: string, step: ActionStep): Promise<void> {
    return this.repo.addSteps(id, [step]);
  }

  patchDetail(id: string, patch: Partial<ActionDetail>): Promise<void> {
    return this.repo.patchDetail(id, { ...patch });
  }
}
