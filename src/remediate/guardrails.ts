import type { Db } from "../store/db.ts";
import { SettingsRepo } from "../store/repos/settings.ts";
import { ActionRecords } from "./action-records.ts";
import { KillSwitch } from "./kill-switch.ts";
import type { EffectiveLimits, RemediationAction } from "./types.ts";
import { mentionUser } from "../text/slack-markup.ts";
import { withLock } from "../store/locks.ts";

export type GuardCode = "kill_switch" | "circuit_breaker" | "incident_limit" | "conflict" | "taken";
export type ClaimResult = { ok: true } | { ok: false; code: GuardCode; reason: string };

/** The checks that stop an action from starting, whatever the policy says. `switchTeam`: the workspace whose own kill switch applies (default: the default one). */
export async function guardrailBlock(db: Db, a: RemediationAction, limits: EffectiveLimits, switchTeam?: string): Promise<{ code: GuardCode; reason: string } | undefined> {
  const automation = await new KillSwitch(new SettingsRepo(db)).state(switchTeam);
  if (!automation.enabled) return { code: "kill_switch", reason: `automation is switched off${automation.by ? ` (by ${mentionUser(automation.by)})` : ""}; an approver can turn it back on with \`/aisre autonomy on\`` };
  const records = new ActionRecords(db);
  const lastHour = await records.countExecutedInLastHour();
  if (lastHour >= limits.maxActionsPerHour) return { code: "circuit_breaker", reason: `circuit breaker open: ${lastHour} actions ran in the last hour (limit ${limits.maxActionsPerHour})` };
  const inIncident = await records.countExecutedSince(new Date(0).toISOString(), a.incidentId);
  if (inIncident >= limits.maxActionsPerIncident) return { code: "incident_limit", reason: `this incident already had ${inIncident} actions (limit ${limits.maxActionsPerIncident})` };
  const busy = await records.activeOn(a.target.service, a.target.namespace, a.id);
  if (busy.length > 0) return { code: "conflict", reason: `another action is running on ${a.target.service} (${busy.map((b) => b.type).join(", ")}); try again when it has finished` };
  return undefined;
}

/**
 * Moves a pending action to running if no guardrail blocks it. Serialised across replicas (one
 * advisory lock) so two approvals, two actions or two replicas cannot both pass the circuit
 * breaker; the compare-and-set makes a double click or a retry a no-op.
 */
export async function claimAction(db: Db, a: RemediationAction, limits: EffectiveLimits, switchTeam?: string): Promise<ClaimResult> {
  return withLock(db, "remediate", async (tx) => {
    const block = await guardrailBlock(tx, a, limits, switchTeam);
    if (block) return { ok: false, ...block };
    const moved = await new ActionRecords(tx).transition(a.id, ["pending"], "running");
    return moved ? { ok: true } : { ok: false, code: "taken", reason: "it was already started by someone else" };
  });
}
