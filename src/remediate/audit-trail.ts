import type { AuditEntry } from "../store/repos/audit.ts";
import type { Store } from "../store/store.ts";
import type { RemediationAction } from "./types.ts";

/**
 * Every remediation decision as one hash-chained audit entry: who (actor), what (the event and the
 * action with its parameters), where (the target), why (reason, hypothesis), the evidence, and the
 * result. Also mirrored in the incident timeline for the postmortem.
 */
export type AuditEvent = "recommended" | "suppressed" | "approval" | "approval_refused" | "rejected" | "stale" | "started" | "refused" | "skipped" | "dry_run" | "executed" | "failed" | "verified" | "unverified" | "escalated" | "escalation_unavailable";

export function actionWhere(a: Pick<RemediationAction, "target">): string {
  const t = a.target;
  return [t.environment, t.namespace, t.service, t.pod].filter(Boolean).join("/");
}

export async function auditAction(store: Store, actor: string, event: AuditEvent, a: RemediationAction, extra: Record<string, unknown> = {}): Promise<AuditEntry> {
  return store.audit.append({
    actor,
    action: `remediation.${event}`,
    incidentId: a.incidentId,
    target: actionWhere(a),
    detail: {
      actionId: a.id,
      type: a.type,
      params: a.params,
      why: a.reason,
      hypothesisRef: a.detail.hypothesisRef ?? null,
      evidence: a.detail.evidence,
      ...extra,
    },
  });
}

const TIMELINE_EVENTS = new Set<AuditEvent>(["recommended", "approval", "rejected", "executed", "failed", "verified", "unverified", "escalated", "refused", "skipped"]);

/** The milestones the postmortem needs go to the incident timeline too. */
export async function timelineAction(store: Store, actor: string, event: AuditEvent, a: RemediationAction, text: string): Promise<void> {
  if (!TIMELINE_EVENTS.has(event)) return;
  await store.timeline.append({ incidentId: a.incidentId, kind: "action", actor, text, data: { actionId: a.id, type: a.type, event, target: a.target, params: a.params } });
}
