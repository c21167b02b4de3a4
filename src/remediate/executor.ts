import { leaseOwner } from "../async/lease-loop.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";
import type { ActionRecords } from "./action-records.ts";
import { auditAction, timelineAction, type AuditEvent } from "./audit-trail.ts";
import type { ActionCards } from "./card-publisher.ts";
import type { ActionContext, ActionDefinition } from "./catalog.ts";
import type { Clock } from "../domain/clock.ts";
import type { Escalator, Verifier } from "./ports.ts";
import type { ActionState, EffectiveLimits, RemediationAction } from "./types.ts";
import { escapeText, inlineCode } from "../text/slack-markup.ts";
import { allHealthy, readingsText, verifyRecovery } from "./verification.ts";

/** This process's name on verification leases. */
const VERIFIER_ID = `verifier:${leaseOwner()}`;

export interface ExecutorDeps {
  /** Who holds verification leases (default: this process). */
  owner?: string;
  /** How long a verification lease holds without renewal (default 30 s). */
  verificationLeaseMs?: number;
  store: Store;
  records: ActionRecords;
  cards: ActionCards;
  logger: Logger;
  clock: Clock;
  context: () => ActionContext;
  verifier: () => Verifier | undefined;
  escalator: () => Escalator | undefined;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Runs a claimed action to its end: pre-checks (the target exists and is still unhealthy, the blast
 * radius is within limits), the server-side dry run, the change, then post-verification. Each step
 * is recorded on the card, in the audit log and (milestones) in the timeline. On failure or no
 * recovery it says so and escalates; it never retries by itself.
 */
export class ActionExecutor {
  private readonly d: ExecutorDeps;
  constructor(deps: ExecutorDeps) {
    this.d = deps;
  }

  /** The incident's alerts still firing on the action's target service (the detector's anomalies aside: they follow the same readings). */
  private async firingOn(a: RemediationAction): Promise<string[]> {
    const alerts = await this.d.store.alerts.quietness(a.incidentId);
    return [...new Set(alerts.filter((x) => x.firing && x.service === a.target.service && x.source !== "anomaly").map((x) => escapeText(x.name)))];
  }

  private async step(a: RemediationAction, text: string, ok?: boolean): Promise<void> {
    await this.d.records.addStep(a.id, { at: new Date(this.d.clock.now()).toISOString(), text, ok });
    void this.d.cards.refresh(a.id);
  }

  private async record(actor: string, event: AuditEvent, a: RemediationAction, text: string, extra: Record<string, unknown> = {}): Promise<void> {
    await auditAction(this.d.store, actor, event, a, { result: text, ...extra });
    await timelineAction(this.d.store, actor, event, a, text);
  }

  /** Ends the action in `to` from `from`; false if it had already moved (nothing more to do). */
  private async finish(a: RemediationAction, from: ActionState, to: ActionState, result: Record<string, unknown>): Promise<boolean> {
    const moved = await this.d.records.transition(a.id, [from], to, result);
    void this.d.cards.refresh(a.id);
    return moved;
  }

  async run(a: RemediationAction, def: ActionDefinition, limits: EffectiveLimits, actor: string): Promise<void> {
    const log = this.d.logger.child({ actionId: a.id, incident: a.incidentId, type: a.type });
    const ctx = this.d.context();
    try {
      const inspection = await def.inspect(ctx, a.target);
      if (!inspection.exists) return this.refuse(a, actor, `pre-check failed: ${inspection.detail}`);
      await this.step(a, `Pre-check: target found (${inspection.detail})`, true);

      const verifier = this.d.verifier();
      if (verifier) {
        const now = await verifier.read(a.detail.symptoms);
        // Readings back to normal do not make the target well while an alert on it still fires (a
        // pod's volume still full after its errors fell as traffic left it): the approved action runs.
        const healthy = allHealthy(now);
        const firing = healthy ? await this.firingOn(a) : [];
        if (healthy && firing.length === 0) {
          await this.step(a, `Pre-check: the symptoms have already recovered (${readingsText(now)}); nothing to do`, true);
          await this.record(actor, "skipped", a, `skipped: already healthy (${readingsText(now)})`);
          await this.finish(a, "running", "skipped", { readings: now });
          return;
        }
        await this.step(a, healthy ? `Pre-check: its readings are back to normal (${readingsText(now)}), but ${firing.join(", ")} still ${firing.length === 1 ? "fires" : "fire"} on ${inlineCode(a.target.service)}; going ahead` : `Pre-check: still unhealthy (${readingsText(now)})`, true);
      } else {
        await this.step(a, "Pre-check: health not checked (no metrics source connected)");
      }

      const over = def.exceeds?.(a.params, limits, inspection.state);
      if (over) return this.refuse(a, actor, `blast radius: ${over}`);

      let dry;
      try {
        dry = await def.run(ctx, a.target, a.params, { dryRun: true });
      } catch (e) {
        return this.refuse(a, actor, `dry run failed: ${errText(e)}`);
      }
      await this.step(a, `Dry run OK: ${dry.summary}`, true);
      await auditAction(this.d.store, actor, "dry_run", a, { result: dry.summary });

      let done;
      try {
        done = await def.run(ctx, a.target, a.params, { dryRun: false });
      } catch (e) {
        const why = `the change failed: ${errText(e)}`;
        await this.step(a, `Failed: ${why}`, false);
        await this.record(actor, "failed", a, why);
        await this.finish(a, "running", "failed", { error: errText(e) });
        await this.d.cards.note(a, `:x: *${escapeText(a.detail.title)}* on ${inlineCode(a.target.service)} failed: ${escapeText(errText(e))}`);
        await this.escalate(a, `${a.detail.title} on ${a.target.service} failed: ${errText(e)}`);
        return;
      }
      await this.step(a, `Executed: ${done.summary}`, true);
      await this.record(actor, "executed", a, done.summary, { change: done.detail ?? null });
      if (!(await this.d.records.transition(a.id, ["running"], "verifying", { executed: done.summary }))) return;
      void this.d.cards.refresh(a.id);
      await this.verify(a);
    } catch (e) {
      log.error({ err: e }, "remediation run failed unexpectedly");
      await this.step(a, `Failed: ${errText(e)}`, false).catch(() => undefined);
      await this.finish(a, "running", "failed", { error: errText(e) }).catch(() => undefined);
    }
  }

  private async refuse(a: RemediationAction, actor: string, why: string): Promise<void> {
    await this.step(a, `Stopped before any change: ${why}`, false);
    await this.record(actor, "refused", a, why);
    await this.finish(a, "running", "refused", { reason: why });
  }

  /**
   * Post-verification, owned by one live replica: it holds the action's lease while it watches
   * (renewed every third of it); when that replica dies another takes the verification over
   * (`RemediationService.recover`). Returns without doing anything when another replica holds it.
   */
  async verify(a: RemediationAction): Promise<void> {
    const owner = this.d.owner ?? VERIFIER_ID;
    const leaseMs = this.d.verificationLeaseMs ?? 30_000;
    if (!(await this.d.store.actions.claimVerification(a.id, owner, leaseMs))) return;
    const heartbeat = setInterval(() => void this.d.store.actions.renewVerification(a.id, owner, leaseMs).catch(() => undefined), Math.max(100, Math.floor(leaseMs / 3)));
    heartbeat.unref?.();
    try {
      await this.verifyOwned(a);
    } finally {
      clearInterval(heartbeat);
      await this.d.store.actions.releaseVerification(a.id, owner).catch(() => undefined);
    }
  }

  private async verifyOwned(a: RemediationAction): Promise<void> {
    const verifier = this.d.verifier();
    const s = a.detail.verification;
    if (!verifier) {
      await this.step(a, "Not verified: no metrics source is connected; check the symptoms by hand", false);
      await this.record("aisre", "unverified", a, "no verifier connected");
      await this.finish(a, "verifying", "unverified", { reason: "no verifier" });
      return;
    }
    // A watch another replica began (it died while watching) goes on in the window it opened.
    let watch = (await this.d.records.get(a.id))?.detail.watch;
    if (watch) {
      const left = Math.max(0, Math.round((watch.startedAt + s.windowSeconds * 1000 - this.d.clock.now()) / 1000));
      await this.step(a, `Verifying: taken over from a replica that stopped; ${left} s of the ${s.windowSeconds} s window left`);
    } else {
      watch = { startedAt: this.d.clock.now(), streak: 0 };
      await this.d.records.patchDetail(a.id, { watch });
      await this.step(a, `Verifying: watching ${a.detail.symptoms.map((x) => `${x.service} ${x.check}`).join(", ")} for up to ${s.windowSeconds} s`);
    }
    const outcome = await verifyRecovery(verifier, a.detail.symptoms, s, this.d.clock, { resume: watch, onReading: (_rs, progress) => this.d.records.patchDetail(a.id, { watch: progress }) });
    if (outcome.recovered) {
      await this.step(a, `Verified: recovered after ${outcome.elapsedSeconds} s (${outcome.summary})`, true);
      await this.record("aisre", "verified", a, `recovered after ${outcome.elapsedSeconds} s: ${outcome.summary}`, { readings: outcome.readings });
      await this.finish(a, "verifying", "verified", { readings: outcome.readings, elapsedSeconds: outcome.elapsedSeconds });
      return;
    }
    const why = `no recovery within ${s.windowSeconds} s: ${outcome.summary}`;
    await this.step(a, `Unverified: ${why}`, false);
    await this.record("aisre", "unverified", a, why, { readings: outcome.readings });
    await this.finish(a, "verifying", "unverified", { readings: outcome.readings, elapsedSeconds: outcome.elapsedSeconds });
    await this.d.cards.note(a, `:warning: *${escapeText(a.detail.title)}* on ${inlineCode(a.target.service)} ran, but the symptoms did not recover within ${s.windowSeconds} s (${escapeText(outcome.summary)}). aisre will not retry it on its own.`);
    await this.escalate(a, `${a.detail.title} on ${a.target.service} did not fix it: ${why}`);
  }

  private async escalate(a: RemediationAction, summary: string): Promise<void> {
    const incident = await this.d.store.incidents.get(a.incidentId);
    const escalator = this.d.escalator();
    if (!incident || !escalator) {
      await this.step(a, "Escalation unavailable: no pager is connected; page the on-call by hand", false);
      await this.record("aisre", "escalation_unavailable", a, "no escalation port connected");
      await this.d.records.patchDetail(a.id, { escalation: "unavailable" });
      return;
    }
    try {
      const r = await escalator.escalate(incident, { summary, details: `Action ${a.id} (${a.type}) on ${a.target.service}. ${a.reason}`, actionId: a.id });
      if (!r.ok) throw new Error(r.error ?? "the pager refused");
      await this.step(a, `Escalated: paged${r.ref ? ` (${r.ref})` : ""}`, true);
      await this.record("aisre", "escalated", a, summary, { ref: r.ref ?? null });
      await this.d.records.patchDetail(a.id, { escalation: r.ref ?? "paged" });
    } catch (e) {
      await this.step(a, `Escalation failed: ${errText(e)}; page the on-call by hand`, false);
      await this.record("aisre", "escalation_unavailable", a, `escalation failed: ${errText(e)}`);
      await this.d.records.patchDetail(a.id, { escalation: "failed" });
    }
  }
}
