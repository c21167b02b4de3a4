/**
 * Remediation vocabulary: what an action is, how risky it is, how much autonomy the policy grants
 * it, and the states an action moves through. Plain types, no effects.
 */

/** safe: routine and reversible; caution: needs care; forbidden: never offered, never run. */
export type Risk = "safe" | "caution" | "forbidden";

/** The built-in Kubernetes actions; runbook actions declared in the policy may not reuse these names. */
export const KUBERNETES_ACTION_TYPES = ["rollout_restart", "scale", "rollback", "pause_rollout", "delete_pod"] as const;

/** observe: mention only; advise: recommend, no button; approve: button needs approvers; auto: run and report. */
export type Autonomy = "observe" | "advise" | "approve" | "auto";
export const AUTONOMY_LEVELS: readonly Autonomy[] = ["observe", "advise", "approve", "auto"];

/**
 * advised: shown without a button (observe/advise) · pending: waiting for approvals · running:
 * claimed (pre-checks, dry run, execution) · verifying: executed, watching the symptoms ·
 * verified / unverified: the symptoms did / did not recover in the window · failed: the change
 * itself failed · refused: a pre-check or guardrail stopped it before any change · skipped: the
 * target was healthy again · rejected: a person dismissed it · stale: the incident was resolved
 * before it ran.
 */
export type ActionState = "advised" | "pending" | "running" | "verifying" | "verified" | "unverified" | "failed" | "refused" | "skipped" | "rejected" | "stale";

export const OPEN_STATES: readonly ActionState[] = ["advised", "pending", "running", "verifying"];
export const ACTIVE_STATES: readonly ActionState[] = ["running", "verifying"];
export const DONE_STATES: readonly ActionState[] = ["verified", "unverified", "failed", "refused", "skipped", "rejected", "stale"];

/** Where an action applies. `service` names the workload (Deployment/StatefulSet) for Kubernetes actions. */
export interface ActionTarget {
  service: string;
  namespace?: string;
  environment?: string;
  /** Kubernetes workload kind; default Deployment. */
  kind?: "Deployment" | "StatefulSet";
  /** One pod (delete_pod). */
  pod?: string;
}

/** A symptom to watch after the change; the verifier knows what each check means. */
export interface SymptomCheck {
  service: string;
  /** error_ratio, latency_p99, memory, restarts, up, db_query_latency, … (the verifier's vocabulary). */
  check: string;
  /** Healthy when the reading is below this (each check has a default; `ready` is healthy at or above it). */
  below?: number;
  /** A PromQL expression of your own (`$service` is replaced); healthy when below `below` (default 1). */
  query?: string;
}

/** What the diagnosis (or a person) asks remediation to offer. */
export interface Recommendation {
  type: string;
  target: ActionTarget;
  params?: Record<string, unknown>;
  /** Why: the hypothesis in a sentence. */
  reason: string;
  /** The signals behind it, one line each. */
  evidence?: string[];
  /** The hypothesis this action follows from (its id or rank), for the audit and the card. */
  hypothesisRef?: string;
  /** Symptoms that must recover; default: the target service's errors. */
  symptoms?: SymptomCheck[];
  /** Who proposes it (default "aisre"). */
  proposedBy?: string;
}

/** The policy's verdict for one action on one target at one time. */
export interface PolicyDecision {
  autonomy: Autonomy;
  forbidden: boolean;
  /** Approver entries: Slack user ids (U…/W…), user group ids (S…) or handles (@sre-approvers). */
  approvers: string[];
  requiredApprovals: number;
  limits: EffectiveLimits;
  verification: VerificationSettings;
  /** Why the autonomy is what it is (matched rules, windows), for the card and the audit. */
  because: string[];
}

export interface EffectiveLimits {
  maxReplicas: number;
  minReplicas: number;
  /** Largest share of a workload's pods one action may disrupt at once (0..1). */
  maxPodShare: number;
  maxActionsPerIncident: number;
  /** Circuit breaker: actions executed in the last hour, all incidents together. */
  maxActionsPerHour: number;
  /** Tries of the same action on the same target in one incident before it is no longer offered. */
  maxAttempts: number;
}

export interface VerificationSettings {
  windowSeconds: number;
  intervalSeconds: number;
  /** Healthy readings in a row that count as recovered. */
  consecutive: number;
}

/** What the card shows of how the action went, in order. */
export interface ActionStep {
  at: string;
  /** Plain text (the presenter escapes it). */
  text: string;
  ok?: boolean;
  /** The Slack user who took the step, when a person did. */
  by?: string;
}

/** The extra record kept with each action (the `detail` column). */
export interface ActionDetail {
  /**
   * When it was proposed, in system time (the simulation's in the sandbox): the day its evidence's
   * "18:09 UTC" times belong to. The row's createdAt is the database's clock.
   */
  proposedAt?: string;
  title: string;
  reversible: boolean;
  blastRadius: string;
  change: string;
  where: string;
  rollback: string;
  evidence: string[];
  hypothesisRef?: string;
  symptoms: SymptomCheck[];
  autonomy: Autonomy;
  approvers: string[];
  because: string[];
  steps: ActionStep[];
  /** Set when the action was shown with a note instead of a button (kill switch, breaker…). */
  note?: string;
  verification: VerificationSettings;
  /** The post-verification watch so far (window start in system time, healthy readings in a row): a replica taking it over continues it. */
  watch?: { startedAt: number; streak: number };
  escalation?: string;
}

/** An action as the service and the card see it. */
export interface RemediationAction {
  id: string;
  incidentId: string;
  type: string;
  target: ActionTarget;
  params: Record<string, unknown>;
  state: ActionState;
  risk: Risk;
  requiredApprovals: number;
  approvedBy: string[];
  proposedBy: string;
  reason: string;
  result?: unknown;
  detail: ActionDetail;
  createdAt: string;
  updatedAt: string;
}

export const targetLabel = (t: ActionTarget): string => `${t.pod ? `pod ${t.pod} of ` : ""}${t.kind === "StatefulSet" ? "statefulset" : "deployment"}/${t.service}${t.namespace ? ` in ${t.namespace}` : ""}${t.environment ? ` (${t.environment})` : ""}`;
