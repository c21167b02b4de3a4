import type { Incident } from "../domain/incident.ts";
import { newId } from "../domain/ids.ts";
import { AppError } from "../errors.ts";
import type { OutboxSender } from "../incident/outbox-sender.ts";
import type { SlackPort } from "../integrations/slack/slack-port.ts";
import type { Logger } from "../log.ts";
import type { AuditEntry } from "../store/repos/audit.ts";
import { createStore, type Store } from "../store/store.ts";
import { ActionRecords } from "./action-records.ts";
import { approversText, checkApprover } from "./approvers.ts";
import { auditAction, timelineAction } from "./audit-trail.ts";
import { ActionCards } from "./card-publisher.ts";
import { buildCatalog, type ActionContext, type ActionDefinition } from "./catalog.ts";
import { ActionExecutor } from "./executor.ts";
import { claimAction, guardrailBlock } from "./guardrails.ts";
import { withLock } from "../store/locks.ts";
import { KillSwitch, type AutomationState } from "./kill-switch.ts";
import { decide, type ResolvedPolicy } from "./policy.ts";
import type { PolicySource } from "./policy-file.ts";
import { DEFAULT_LIMITS } from "./policy-schema.ts";
import { systemClock, type Clock } from "../domain/clock.ts";
import type { Escalator, RemediationKubernetes, RunbookRunner, Verifier } from "./ports.ts";
import { plainRemediationPresenter, type RemediationPresenter } from "./presenter.ts";
import { defaultRunbookRunner } from "./runbook-runner.ts";
import { OPEN_STATES, type ActionDetail, type ActionState, type ActionTarget, type Autonomy, type Recommendation, type RemediationAction } from "./types.ts";
import { reopensOf } from "../correlate/lifecycle.ts";
import { escapeText, mentionUser } from "../text/slack-markup.ts";

/** The outside world remediation acts on; a part is absent when it is not configured (the card says so when it is needed). */
export interface RemediationPorts {
  kubernetes?: RemediationKubernetes;
  verifier?: Verifier;
  escalator?: Escalator;
  runbooks?: RunbookRunner;
  /** Base URL of the local sandbox, for runbook hooks declared as `{sandbox}/…`. */
  sandboxUrl?: string;
  /** Namespace of targets that do not name one. */
  namespace?: string;
}

export interface RemediationServiceOptions {
  store: Store;
  slack: SlackPort;
  logger: Logger;
  policy: PolicySource;
  defaultChannel: string;
  outbox?: OutboxSender;
  ports?: RemediationPorts;
  presenter?: RemediationPresenter;
  clock: Clock;
  /** Per-workspace settings (several OAuth installs): an incident's workspace may have its own policy and approvers. */
  workspaces?: RemediationWorkspaces;
}

/** How remediation sees the workspaces: which one an incident is in, and its policy and approvers. */
export interface RemediationWorkspaces {
  /** The workspace (team id) of an incident, when its channel names one. */
  of(incidentId: string): Promise<string | undefined>;
  /** The workspace's own policy, when it has one. */
  policy(teamId: string): PolicySource | undefined;
  /** The workspace's approvers, replacing the policy's, when it names them. */
  approvers(teamId: string): string[] | undefined;
  /** Whether the workspace has its own kill switch (it has its own settings and is not the default workspace). */
  ownSwitch?(teamId: string): boolean;
  close?(): void;
}

export interface RecommendOutcome {
  /** Posted (or already posted) in the thread. */
  offered: boolean;
  actionId?: string;
  state?: ActionState;
  autonomy?: Autonomy;
  /** True when the same action was already recommended in this incident (nothing new posted). */
  duplicate?: boolean;
  reason: string;
}

/** What the clicking user is told (ephemeral). */
export interface ClickOutcome {
  ok: boolean;
  message: string;
  state?: ActionState;
}

const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(",")}]`
    : v && typeof v === "object"
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${k}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(v ?? null);

const EXECUTED: readonly ActionState[] = ["verified", "unverified", "failed"];

/**
 * Remediation in the incident thread. `recommend` (called by the diagnosis) posts an action card
 * under the policy's autonomy level; `approve` / `reject` handle the card's buttons with the
 * authorisation checked at click time; claimed actions run through pre-checks, a dry run, the
 * change and post-verification. Every decision is audited.
 */
export class RemediationService {
  readonly records: ActionRecords;
  readonly killSwitch: KillSwitch;
  readonly policy: PolicySource;
  private readonly o: RemediationServiceOptions;
  private readonly cards: ActionCards;
  private readonly executor: ActionExecutor;
  private readonly clock: Clock;
  private readonly ports: RemediationPorts;
  private readonly presenter: RemediationPresenter;
  private readonly running = new Set<Promise<void>>();
  private readonly changeListeners = new Set<() => void>();

  constructor(o: RemediationServiceOptions) {
    this.o = o;
    this.policy = o.policy;
    this.ports = { ...o.ports };
    this.presenter = o.presenter ?? plainRemediationPresenter;
    this.clock = o.clock;
    this.records = new ActionRecords(o.store.db);
    this.killSwitch = new KillSwitch(o.store.settings);
    this.cards = new ActionCards({
      store: o.store,
      records: this.records,
      outbox: o.outbox,
      logger: o.logger,
      defaultChannel: o.defaultChannel,
      presenter: () => this.presenter,
      buttons: (a) => this.showButtons(a),
      changed: () => this.changed(),
    });
    this.executor = new ActionExecutor({
      store: o.store,
      records: this.records,
      cards: this.cards,
      logger: o.logger.child({ component: "remediation" }),
      clock: this.clock,
      context: () => this.context(),
      verifier: () => this.ports.verifier,
      escalator: () => this.ports.escalator,
    });
    this.policy.onChange((c) => {
      void o.store.audit.append({ actor: "policy-file", action: c.ok ? "policy.loaded" : "policy.rejected", detail: { file: c.file, sha256: c.sha256 ?? null, error: c.error ?? null } }).catch((e: unknown) => o.logger.error({ err: e }, "could not audit the policy change"));
    });
  }

  private context(): ActionContext {
    return { kubernetes: this.ports.kubernetes, runbooks: this.ports.runbooks ?? defaultRunbookRunner, sandboxUrl: this.ports.sandboxUrl, namespace: this.ports.namespace ?? "default" };
  }

  /** Called whenever an action's state changes or automation is switched (the Home tab republishes). */
  onChange(fn: () => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.changeListeners) fn();
  }

  /** Actions waiting for an approval. */
  pending(): Promise<RemediationAction[]> {
    return this.records.inStates(["pending"]);
  }

  /** The policy a workspace's incidents are governed by: its own file when it has one, else the default policy. */
  private policyOf(teamId?: string) {
    return (teamId && this.o.workspaces?.policy(teamId)?.policy) || this.policy.policy;
  }

  /**
   * The actions that exist under the current policy (built-ins and runbooks): the workspace's own
   * policy file when `teamId` names a workspace that has one (its runbooks, not the default's).
   */
  catalog(teamId?: string): Map<string, ActionDefinition> {
    return buildCatalog(this.policyOf(teamId));
  }

  /** The decision for an action on a target, under the incident's workspace's policy and approvers when it has its own. */
  private resolve(def: ActionDefinition, target: ActionTarget, teamId?: string): ResolvedPolicy {
    const ws = teamId ? this.o.workspaces : undefined;
    const policy = this.policyOf(teamId);
    const d = decide(policy, { type: def.type, service: target.service, environment: target.environment ?? policy.environment, risk: def.risk, reversible: def.reversible, at: this.clock.now() });
    const approvers = teamId ? ws?.approvers(teamId) : undefined;
    return approvers ? { ...d, approvers: [...approvers], because: [...d.because, `approvers: workspace ${teamId}`] } : d;
  }

  /** Whose kill switch governs a workspace: its own (its team id), or the default workspace's (undefined). */
  private switchOf(teamId?: string): string | undefined {
    return teamId && this.o.workspaces?.ownSwitch?.(teamId) ? teamId : undefined;
  }

  /** The workspace of an incident (undefined: the default one). */
  private async teamOf(incidentId: string): Promise<string | undefined> {
    return this.o.workspaces ? this.o.workspaces.of(incidentId).catch(() => undefined) : undefined;
  }

  /** The policy's verdict for an action on a target now (diagnosis can ask before recommending); `teamId`: under that workspace's policy. */
  policyFor(type: string, target: ActionTarget, teamId?: string): ResolvedPolicy | undefined {
    const def = this.catalog(teamId).get(type);
    return def ? this.resolve(def, this.normalise(target), teamId) : undefined;
  }

  /** The policy's verdict for an action proposed in an incident: under the policy of the incident's workspace. */
  async policyForIncident(incidentId: string, type: string, target: ActionTarget): Promise<ResolvedPolicy | undefined> {
    return this.policyFor(type, target, await this.teamOf(incidentId));
  }

  private normalise(t: ActionTarget): ActionTarget {
    return { ...t, environment: t.environment ?? this.policy.policy.environment, namespace: t.namespace ?? this.ports.namespace };
  }

  private async showButtons(a: RemediationAction): Promise<boolean> {
    return a.state === "pending" && a.detail.autonomy === "approve" && (await this.killSwitch.state(this.switchOf(await this.teamOf(a.incidentId)))).enabled;
  }

  /**
   * Offers an action in the incident's thread under the policy: observe → a mention; advise → the
   * card without a button; approve → the card with Approve / Dismiss; auto → runs it and reports on
   * the card. Forbidden actions are never posted. Repeating a recommendation posts nothing new.
   */
  async recommend(incidentId: string, rec: Recommendation): Promise<RecommendOutcome> {
    const incident = await this.o.store.incidents.get(incidentId);
    if (!incident) throw new AppError("incident_not_found", `No incident ${incidentId}.`, { status: 404 });
    if (incident.status === "resolved") return { offered: false, reason: "the incident is resolved" };
    const team = await this.teamOf(incidentId);
    const catalog = this.catalog(team);
    const def = catalog.get(rec.type);
    if (!def) return { offered: false, reason: `unknown action type ${rec.type}${team && this.o.workspaces?.policy(team) ? ` in the policy of workspace ${team}` : ""} (known: ${[...catalog.keys()].join(", ")})` };
    const valid = def.validate(rec.params ?? {});
    if (!valid.ok) return { offered: false, reason: `invalid parameters for ${rec.type}: ${valid.error}` };
    const target = this.normalise(rec.target);
    const params = valid.params;
    const decision = this.resolve(def, target, team);
    const proposer = rec.proposedBy ?? "aisre";
    const draft = this.draft(incidentId, def, target, params, rec, decision);

    if (decision.forbidden) {
      await auditAction(this.o.store, proposer, "suppressed", draft, { reason: "forbidden by policy", because: decision.because });
      return { offered: false, reason: `${rec.type} is forbidden by the policy; it is never offered` };
    }

    const dedupeKey = canonical({ type: rec.type, service: target.service, namespace: target.namespace ?? null, pod: target.pod ?? null, params });
    const created = await withLock(this.o.store.db, "remediate", async (tx): Promise<RecommendOutcome | RemediationAction> => {
      // Resolved since the check above: nothing is offered. Under the lock withdrawPending takes, so a
      // recommendation either sees the resolution or exists by the time its withdrawal looks.
      if ((await createStore(tx, this.o.store.clock).incidents.get(incidentId))?.status === "resolved") return { offered: false, reason: "the incident is resolved" };
      const records = new ActionRecords(tx);
      const earlier = await records.byKey(incidentId, dedupeKey);
      const open = earlier.find((e) => OPEN_STATES.includes(e.state) || e.state === "rejected");
      if (open) return { offered: true, duplicate: true, actionId: open.id, state: open.state, autonomy: open.detail.autonomy, reason: open.state === "rejected" ? "already recommended and dismissed" : "already recommended" };
      const attempts = earlier.filter((e) => EXECUTED.includes(e.state)).length;
      if (attempts >= decision.limits.maxAttempts) return { offered: false, reason: `already tried ${attempts} times in this incident (limit ${decision.limits.maxAttempts}); escalate instead` };
      // Done and its recovery seen: offering it again is noise (and a second rollback would go one
      // version further back than the one before the bad change) — unless the incident came back
      // after it was verified: that fix did not hold, and running it again buys time (memory-leak
      // walk: OOM kills back 31 min after a verified restart, and the card pointed at the spent one).
      // The status timeline is read only when a verified run of something other than a rollback is there to weigh.
      const weighed = rec.type !== "rollback" && earlier.some((e) => e.state === "verified");
      const reopened = weighed ? reopensOf(await createStore(tx, this.o.store.clock).timeline.list(incidentId, ["status"])).lastMs : undefined;
      const held = (e: RemediationAction) => e.state === "verified" && !(reopened !== undefined && Date.parse(e.updatedAt) < reopened);
      const done = earlier.find((e) => held(e) || (rec.type === "rollback" && e.state === "unverified"));
      if (done) return { offered: false, reason: done.state === "verified" ? "already done in this incident and its recovery verified" : "already rolled back once in this incident; a second rollback would go further back" };

      // How it is shown: the policy's level, lowered by the kill switch and the guardrails.
      let autonomy: Autonomy = decision.autonomy;
      let note: string | undefined;
      const block = autonomy === "approve" || autonomy === "auto" ? await guardrailBlock(tx, draft, decision.limits, this.switchOf(team)) : undefined;
      if (def.kind === "kubernetes" && target.kind === "StatefulSet" && (autonomy === "approve" || autonomy === "auto")) {
        autonomy = "advise";
        note = `Shown as advice only: aisre changes Deployments, not StatefulSets; ${target.service} is one, so do this by hand if you agree.`;
      } else if (block?.code === "kill_switch" || block?.code === "incident_limit") {
        autonomy = "advise";
        note = `Shown as advice only: ${block.reason}.`;
      } else if (block && autonomy === "auto") {
        autonomy = "approve";
        note = `Not run automatically: ${block.reason}.`;
      }
      // approve: a breaker or a conflict now may be gone by the time someone clicks; the click says.
      const state: ActionState = autonomy === "observe" || autonomy === "advise" ? "advised" : "pending";
      return records.create({ ...draft, state, dedupeKey, detail: { ...draft.detail, autonomy, ...(note ? { note } : {}) } });
    });
    if (!("detail" in created)) return created;

    let action = created;
    if (action.detail.autonomy !== "observe" && action.detail.autonomy !== "advise" && decision.autonomy !== "observe") {
      const over = await this.blastRadiusNote(def, action, decision);
      if (over) {
        await this.records.transition(action.id, ["pending"], "advised");
        await this.records.patchDetail(action.id, { autonomy: "advise", note: `Not offered as a button: ${over}.` });
        action = (await this.records.get(action.id))!;
      }
    }
    await auditAction(this.o.store, proposer, "recommended", action, { autonomy: action.detail.autonomy, policy: decision.autonomy, because: decision.because, approvers: decision.approvers, requiredApprovals: decision.requiredApprovals, note: action.detail.note ?? null });
    await timelineAction(this.o.store, proposer, "recommended", action, `Recommended: ${action.detail.title} on ${target.service} (${action.detail.autonomy}) — ${rec.reason}`);
    await this.cards.post(action);
    if (action.detail.autonomy === "auto") {
      const started = await this.start(action, "aisre", "policy: auto");
      if (!started.ok) {
        // Lost a race with a guardrail: it stays on the card for a person to approve.
        await this.records.patchDetail(action.id, { autonomy: "approve", note: `Not run automatically: ${started.message.replace(/^:no_entry: Not started: /, "")}` });
        void this.cards.refresh(action.id);
      }
    }
    return { offered: true, actionId: action.id, state: (await this.records.get(action.id))!.state, autonomy: action.detail.autonomy, reason: action.detail.note ?? `offered (${action.detail.autonomy})` };
  }

  private draft(incidentId: string, def: ActionDefinition, target: ActionTarget, params: Record<string, unknown>, rec: Recommendation, decision: ResolvedPolicy): RemediationAction & { dedupeKey?: string } {
    const plan = def.describe(target, params);
    const now = new Date(this.clock.now()).toISOString();
    const detail: ActionDetail = {
      proposedAt: now,
      title: def.title,
      reversible: def.reversible,
      blastRadius: def.blastRadius,
      change: plan.change,
      where: plan.where,
      rollback: plan.rollback,
      evidence: (rec.evidence ?? []).slice(0, 10),
      hypothesisRef: rec.hypothesisRef,
      symptoms: rec.symptoms?.length ? rec.symptoms : def.verify.map((check) => ({ service: target.service, check })),
      autonomy: decision.autonomy,
      approvers: decision.approvers,
      because: decision.because,
      steps: [],
      verification: decision.verification,
    };
    return { id: newId("act"), incidentId, type: def.type, target, params, state: "pending", risk: decision.risk, requiredApprovals: decision.requiredApprovals, approvedBy: [], proposedBy: rec.proposedBy ?? "aisre", reason: rec.reason, detail, createdAt: now, updatedAt: now };
  }

  /** Fills the plan with the workload's state (from N replicas, previous revision) and checks the blast radius. */
  private async blastRadiusNote(def: ActionDefinition, a: RemediationAction, decision: ResolvedPolicy): Promise<string | undefined> {
    try {
      const i = await def.inspect(this.context(), a.target);
      if (i.state) {
        const plan = def.describe(a.target, a.params, i.state);
        await this.records.patchDetail(a.id, { change: plan.change, rollback: plan.rollback });
      }
      return def.exceeds?.(a.params, decision.limits, i.state);
    } catch {
      return undefined; // Not reachable now: the pre-checks at execution time decide.
    }
  }

  /** Claims and runs in the background; the caller (a click, auto) returns at once. */
  private async start(a: RemediationAction, actor: string, how: string): Promise<ClickOutcome> {
    const team = await this.teamOf(a.incidentId);
    const def = this.catalog(team).get(a.type);
    if (!def) return { ok: false, message: `The action type ${a.type} no longer exists in the policy.` };
    const decision = this.resolve(def, a.target, team);
    const claim = await claimAction(this.o.store.db, a, decision.limits, this.switchOf(team));
    if (!claim.ok) {
      if (claim.code === "taken") return { ok: true, message: "It is already running: someone else's approval started it.", state: (await this.records.get(a.id))?.state };
      await this.records.addStep(a.id, { at: new Date(this.clock.now()).toISOString(), text: `Not started: ${claim.reason}`, ok: false });
      await auditAction(this.o.store, actor, "refused", a, { reason: claim.reason, guard: claim.code });
      void this.cards.refresh(a.id);
      return { ok: false, message: `:no_entry: Not started: ${claim.reason}.`, state: "pending" };
    }
    const approvers = (await this.records.get(a.id))?.approvedBy ?? [];
    const who = approvers.length ? `approved by ${approvers.map(mentionUser).join(", ")}` : how;
    await this.records.addStep(a.id, { at: new Date(this.clock.now()).toISOString(), text: `Started (${who})`, ok: true });
    await auditAction(this.o.store, actor, "started", a, { how, approvedBy: approvers });
    void this.cards.refresh(a.id);
    const run = this.executor
      .run(a, def, decision.limits, actor)
      .catch((e: unknown) => this.o.logger.error({ err: e, action: a.id }, "the action's run stopped on an error (its verification is taken over after a restart)"))
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return { ok: true, message: `:arrow_forward: Running *${a.detail.title}* on \`${a.target.service}\`; the card in the thread shows the progress.`, state: "running" };
  }

  /** An Approve click. Authorisation is checked now, against the policy and group membership of now. */
  async approve(actionId: string, user: string): Promise<ClickOutcome> {
    const a = await this.records.get(actionId);
    if (!a) return { ok: false, message: ":warning: This action no longer exists." };
    const stale = await this.staleCheck(a, user);
    if (stale) return stale;
    if (a.state !== "pending") return { ok: false, message: this.stateMessage(a), state: a.state };

    const team = await this.teamOf(a.incidentId);
    const automation = await this.killSwitch.state(this.switchOf(team));
    if (!automation.enabled) {
      await auditAction(this.o.store, user, "approval_refused", a, { reason: "kill switch", ...(automation.workspace ? { workspace: automation.workspace } : {}) });
      return { ok: false, message: `:no_entry: Automation is switched off${automation.workspace ? ` in workspace ${automation.workspace}` : ""}${automation.by ? ` (by ${mentionUser(automation.by)})` : ""}: nothing runs until an approver turns it back on with \`/aisre autonomy on\`.`, state: a.state };
    }
    const def = this.catalog(team).get(a.type);
    const decision = def ? this.resolve(def, a.target, team) : undefined;
    if (!def || !decision || decision.forbidden) {
      await this.records.transition(a.id, ["pending"], "refused", { reason: "forbidden by the current policy" });
      await auditAction(this.o.store, user, "refused", a, { reason: "forbidden by the current policy" });
      void this.cards.refresh(a.id);
      return { ok: false, message: ":no_entry: The current policy no longer allows this action; nothing was run." };
    }
    if (decision.autonomy === "observe" || decision.autonomy === "advise") {
      if (await this.records.transition(a.id, ["pending"], "advised")) {
        await this.records.patchDetail(a.id, { autonomy: "advise", note: `The policy now only ${decision.autonomy === "observe" ? "observes" : "advises"} this action (${decision.because.at(-1)}).` });
        void this.cards.refresh(a.id);
      }
      await auditAction(this.o.store, user, "approval_refused", a, { reason: `policy is now ${decision.autonomy}`, because: decision.because });
      return { ok: false, message: `:no_entry: The current policy only ${decision.autonomy === "observe" ? "observes" : "advises"} *${a.detail.title}* on \`${a.target.service}\`; nothing was run.`, state: "advised" };
    }
    const who = await checkApprover(this.o.slack, decision.approvers, user, team);
    if (!who.allowed) {
      await auditAction(this.o.store, user, "approval_refused", a, { reason: "not an approver", approvers: decision.approvers, problems: who.problems });
      const names = who.members.length ? ` (${who.members.map(mentionUser).join(", ")})` : "";
      return { ok: false, message: `:no_entry: You can't approve this. Only ${approversText(decision.approvers)}${names} may approve *${a.detail.title}* on \`${a.target.service}\`. Nothing was run; ask one of them.`, state: a.state };
    }
    const required = Math.max(a.requiredApprovals, decision.requiredApprovals);
    const fresh = await this.records.addApproval(a.id, user);
    const approvals = (await this.records.get(a.id))!.approvedBy;
    if (fresh) {
      await auditAction(this.o.store, user, "approval", a, { approvals: approvals.length, required });
      await timelineAction(this.o.store, user, "approval", a, `${mentionUser(user)} approved ${escapeText(a.detail.title)} on ${escapeText(a.target.service)} (${approvals.length}/${required})`);
    }
    if (approvals.length < required) {
      void this.cards.refresh(a.id);
      const more = required - approvals.length;
      return fresh
        ? { ok: true, message: `:white_check_mark: Your approval is recorded (${approvals.length}/${required}). ${more} more approver${more > 1 ? "s" : ""} needed before it runs.`, state: "pending" }
        : { ok: false, message: `You already approved this (${approvals.length}/${required}); it needs ${more} more, different approver${more > 1 ? "s" : ""}.`, state: "pending" };
    }
    return this.start(a, user, `approved by ${mentionUser(user)}`);
  }

  /** A Dismiss click: by an approver, while pending or advised. */
  async reject(actionId: string, user: string): Promise<ClickOutcome> {
    const a = await this.records.get(actionId);
    if (!a) return { ok: false, message: ":warning: This action no longer exists." };
    const stale = await this.staleCheck(a, user);
    if (stale) return stale;
    if (a.state !== "pending" && a.state !== "advised") return { ok: false, message: this.stateMessage(a), state: a.state };
    const team = await this.teamOf(a.incidentId);
    const def = this.catalog(team).get(a.type);
    const approvers = def ? this.resolve(def, a.target, team).approvers : a.detail.approvers;
    const who = await checkApprover(this.o.slack, approvers, user, team);
    if (!who.allowed) {
      await auditAction(this.o.store, user, "approval_refused", a, { reason: "not an approver (dismiss)" });
      return { ok: false, message: `:no_entry: Only ${approversText(approvers)} may dismiss this recommendation.`, state: a.state };
    }
    if (!(await this.records.transition(a.id, [a.state], "rejected", { by: user }))) return { ok: false, message: this.stateMessage((await this.records.get(a.id))!) };
    await this.records.addStep(a.id, { at: new Date(this.clock.now()).toISOString(), text: "Dismissed", by: user, ok: false });
    await auditAction(this.o.store, user, "rejected", a, {});
    await timelineAction(this.o.store, user, "rejected", a, `${mentionUser(user)} dismissed ${escapeText(a.detail.title)} on ${escapeText(a.target.service)}`);
    void this.cards.refresh(a.id);
    return { ok: true, message: "Dismissed; it will not be offered again in this incident.", state: "rejected" };
  }

  /** A button on a resolved incident's card: refused, and the card says so. */
  private async staleCheck(a: RemediationAction, user: string): Promise<ClickOutcome | undefined> {
    const incident = await this.o.store.incidents.get(a.incidentId);
    if (incident && incident.status !== "resolved") return undefined;
    if (a.state === "pending" || a.state === "advised") {
      if (await this.records.transition(a.id, [a.state], "stale", { reason: "incident resolved" })) {
        await this.records.addStep(a.id, { at: new Date(this.clock.now()).toISOString(), text: "Withdrawn: the incident was resolved before it ran", ok: false });
        await auditAction(this.o.store, user, "stale", a, { reason: "incident resolved" });
        void this.cards.refresh(a.id);
      }
    } else if (a.state !== "stale") {
      return undefined;
    }
    return { ok: false, message: `:hourglass: This button is stale: ${a.incidentId} is resolved, so *${a.detail.title}* was not run.`, state: "stale" };
  }

  /** An incident changed status: once resolved, its pending recommendations are withdrawn (a later click is refused as stale anyway). */
  async incidentStatusChanged(incident: Incident, by: string): Promise<void> {
    if (incident.status !== "resolved") return;
    this.withdrawing++;
    try {
      // Merged into another incident (one failure seen from two sides): its remedy is decided there.
      const mergedInto = (await this.o.store.incidents.card(incident.id)).mergedInto;
      await this.withdrawPending(incident.id, by, mergedInto);
    } finally {
      this.withdrawing--;
    }
  }

  /** Withdrawals under way (an incident just resolved). */
  private withdrawing = 0;

  /**
   * Work this process still has for the cards in threads: withdrawals under way, card edits queued,
   * actions running. The incident eval waits for 0 (with an empty outbox) before it reads a thread
   * as final (the `aisre_remediation_pending` gauge).
   */
  pendingWork(): number {
    return this.withdrawing + this.cards.pending() + this.running.size;
  }

  /**
   * The incident was resolved: its pending recommendations are withdrawn and their buttons removed.
   * The withdrawal takes the lock a recommendation is created under: one being created as the
   * incident resolves is either refused (it sees the resolution) or withdrawn here.
   */
  async withdrawPending(incidentId: string, by: string, mergedInto?: string): Promise<number> {
    const reason = mergedInto ? `incident merged into ${mergedInto}` : "incident resolved";
    const withdrawn = await withLock(this.o.store.db, "remediate", async (tx) => {
      const records = new ActionRecords(tx);
      const out: RemediationAction[] = [];
      for (const a of await records.byIncident(incidentId)) {
        if (a.state !== "pending" && a.state !== "advised") continue;
        if (await records.transition(a.id, [a.state], "stale", { reason, ...(mergedInto ? { mergedInto } : {}) })) out.push(a);
      }
      return out;
    });
    for (const a of withdrawn) {
      // A card still waiting to go out is not posted at all: a merge right after the proposal posted
      // it and withdrew it at once (cascading-failure's payments incident folded into the cache's).
      const unseen = await this.cards.cancelPost(a, reason);
      const text = mergedInto ? `Withdrawn: the incident was merged into ${mergedInto} before it ran; its remedy is decided there` : "Withdrawn: the incident was resolved before it ran";
      await this.records.addStep(a.id, { at: new Date(this.clock.now()).toISOString(), text: unseen ? `${text} (its card was never posted)` : text, ok: false });
      await auditAction(this.o.store, by, "stale", a, { reason, cardPosted: !unseen });
      // Queued now (counted in pendingWork); it waits for the card's post when that is not sent yet.
      if (!unseen) void this.cards.refresh(a.id);
    }
    return withdrawn.length;
  }

  private stateMessage(a: RemediationAction): string {
    const by = a.approvedBy.length ? ` (approved by ${a.approvedBy.map(mentionUser).join(", ")})` : "";
    switch (a.state) {
      case "running":
      case "verifying":
        return `It is already ${a.state}${by}; it runs once, whoever clicks.`;
      case "advised":
        return "This recommendation is advice only (policy); it has no approval.";
      case "rejected":
        return "This recommendation was dismissed.";
      case "stale":
        return "This button is stale: the incident was resolved.";
      default:
        return `Already done: ${a.state}${by}.`;
    }
  }

  /**
   * The kill switch. Anyone may turn automation off; only approvers may turn it back on. `teamId`:
   * the workspace it is switched from — a workspace with its own settings has its own switch (its
   * approvers turn it back on); the default workspace's is the single-workspace switch.
   */
  async setAutomation(enabled: boolean, user: string, reason?: string, teamId?: string): Promise<ClickOutcome> {
    const sw = this.switchOf(teamId);
    const before = await this.killSwitch.state(sw);
    const approvers = (sw && this.o.workspaces?.approvers(sw)) || this.policyOf(sw).defaults.approvers;
    if (enabled) {
      const who = await checkApprover(this.o.slack, approvers, user, sw);
      if (!who.allowed) {
        await this.o.store.audit.append({ actor: user, action: "automation.on_refused", detail: { reason: "not an approver", ...(sw ? { workspace: sw } : {}) } });
        return { ok: false, message: `:no_entry: Only ${approversText(approvers)} may turn automation back on${sw ? ` in workspace ${sw}` : ""}.` };
      }
    }
    await this.killSwitch.set(enabled, user, reason, sw);
    await this.o.store.audit.append({ actor: user, action: enabled ? "automation.on" : "automation.off", detail: { was: before.enabled, reason: reason ?? null, ...(sw ? { workspace: sw } : {}) } });
    // Pending cards lose (or regain) their buttons.
    for (const a of await this.records.inStates(["pending"])) void this.cards.refresh(a.id);
    this.changed();
    if (sw)
      return {
        ok: true,
        message: enabled
          ? `:large_green_circle: Automation is *on* in workspace ${sw}: approved and automatic actions of its incidents run again under its policy.`
          : `:red_circle: Automation is *off* in workspace ${sw}, at once: no action of its incidents runs (automatic or approved) until one of its approvers runs \`/aisre autonomy on\` here.`,
      };
    return {
      ok: true,
      message: enabled ? ":large_green_circle: Automation is *on*: approved and automatic actions run again under the policy." : ":red_circle: Automation is *off* for everyone, at once: no action runs (automatic or approved) until an approver runs `/aisre autonomy on`.",
    };
  }

  /** The kill switch that governs a workspace (its own, or the default one's). */
  automation(teamId?: string): Promise<AutomationState> {
    return this.killSwitch.state(this.switchOf(teamId));
  }

  /** What `/aisre autonomy status` reports (for the workspace it is asked from). */
  async status(teamId?: string): Promise<{ automation: AutomationState; policy: string; lastHour: number; maxPerHour: number; running: RemediationAction[]; pending: RemediationAction[] }> {
    const p = this.policy.policy;
    // The circuit breaker's own count (guardrails.ts): the last hour by the clock that stamps the rows.
    const lastHour = await this.records.countExecutedInLastHour();
    return {
      automation: await this.automation(teamId),
      policy: `${this.policy.path ?? "built-in defaults"} (${this.policy.version})`,
      lastHour,
      maxPerHour: p.limits.maxActionsPerHour ?? DEFAULT_LIMITS.maxActionsPerHour,
      running: await this.records.inStates(["running", "verifying"]),
      pending: await this.records.inStates(["pending"]),
    };
  }

  auditFor(incidentId: string): Promise<AuditEntry[]> {
    return this.o.store.audit.list({ incidentId });
  }

  /**
   * After a restart, and every few seconds on every replica. Another replica may be running actions,
   * so only actions left behind long ago are touched: running for over 10 min → failed
   * (interrupted). A verification nobody holds (its replica died: the lease ran out) is taken over
   * here, under a lease of this replica's.
   */
  async recover(): Promise<void> {
    const now = Date.now(); // compared with row timestamps, which come from the database's clock
    for (const a of await this.records.inStates(["running"])) {
      if (now - Date.parse(a.updatedAt) < 600_000) continue;
      if (await this.records.transition(a.id, ["running"], "failed", { error: "interrupted by a restart" })) {
        await this.records.addStep(a.id, { at: new Date(now).toISOString(), text: "Interrupted by a restart: the change may or may not have been applied; check the target", ok: false });
        await auditAction(this.o.store, "aisre", "failed", a, { result: "interrupted by a restart" });
        void this.cards.refresh(a.id);
      }
    }
    for (const id of await this.o.store.actions.unownedVerifications()) {
      if (this.verifying.has(id)) continue;
      const a = await this.records.get(id);
      if (!a) continue;
      this.verifying.add(id);
      const run = this.executor
        .verify(a)
        .catch((e: unknown) => this.o.logger.error({ err: e, action: id }, "the verification stopped on an error (another replica takes it over when its lease runs out)"))
        .finally(() => {
          this.running.delete(run);
          this.verifying.delete(id);
        });
      this.running.add(run);
    }
  }

  /** Verifications this process runs (taken over or its own). */
  private readonly verifying = new Set<string>();

  /** Resolves when no action is running in this process and every card edit is queued. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.cards.idle();
  }

  close(): void {
    this.policy.close();
    this.o.workspaces?.close?.();
  }
}
