import type { Severity } from "../domain/alert.ts";
import { returnsToEarlierPeak } from "../domain/severity.ts";
import { escapeText, mentionUser, personRef } from "../text/slack-markup.ts";
import type { Incident, IncidentStatus } from "../domain/incident.ts";
import { errorMessage } from "../errors.ts";
import type { IncidentService } from "../incident/incident-service.ts";
import type { ExternalEvent } from "../ingest/types.ts";
import { PagerDutyApiError } from "../integrations/pagerduty/errors.ts";
import { dedupKeyFor, type PagerDutyIncidentView, type PagerDutyPerson, type PagerDutyPort } from "../integrations/pagerduty/port.ts";
import type { Logger } from "../log.ts";
import { inTransaction, type Store } from "../store/store.ts";
import type { EchoMemory } from "./echo-memory.ts";
import type { KeptMessages } from "../incident/kept-message.ts";
import { pagingDecision, type PagingDecision } from "./paging-policy.ts";
import type { People } from "./people.ts";
import type { OncallPerson, PagingView, SyncPresenter } from "./presenter.ts";
import { isRetryable, withRetry, type RetryOptions } from "./retry.ts";
import type { DurableIncidentEvent } from "../incident/incident-events.ts";
import type { DurableEvents } from "./jira-sync.ts";
import type { PagerDutySyncSettings } from "./sync-config.ts";
import { KeyedSerialQueue } from "../domain/keyed-serial.ts";
import { randomUUID } from "node:crypto";
import { currentTitle } from "../incident/lookup.ts";

/**
 * The PagerDuty side of the sync. Outbound: pages on incident open per the routing settings
 * (Events API v2, dedup_key `aisre:<incident id>`, so a retry or a second replica never pages
 * twice), acknowledges and resolves with the Slack incident, escalates on request ("Escalate"
 * button, remediation giving up). Inbound: acknowledgements, resolutions, reassignments,
 * escalations and notes people make in PagerDuty appear in the thread, and acks/resolves move the
 * Slack incident. Echoes of aisre's own changes are dropped three ways: the event's agent is
 * aisre's PagerDuty user; aisre just did exactly this (EchoMemory); or the incident's dedup_key is
 * aisre's and the agent is not a person (the Events API integration aisre sends through).
 */

export type PagerDutyLinkState = {
  dedupKey: string;
  routingKey?: string;
  number?: number;
  status: "triggered" | "acknowledged" | "resolved";
  assignees: Array<{ name: string; slackUserId?: string }>;
  level?: number;
  service?: string;
  /** The PagerDuty incident's title as aisre last set it. */
  title?: string;
};

/** A title with its percentages blanked ("Checkout failing 41 %" and "… 76 %" read the same): what a new title says beyond figures. */
export const withoutFigures = (title: string): string => title.replace(/\d+(?:[.,]\d+)?\s?%/g, "#");

/** The PagerDuty incident's title: severity, what the incident is understood to be, its id. */
export function pageTitle(incident: Pick<Incident, "id" | "severity">, title: string): string {
  return `[${incident.severity.toUpperCase()}] ${title} (${incident.id})`;
}

export interface EscalationResult {
  ok: boolean;
  /** "PagerDuty #12 (level 2)". */
  ref?: string;
  error?: string;
}

export interface PagerDutySyncOptions {
  port: PagerDutyPort;
  store: Store;
  incidents: IncidentService;
  settings: PagerDutySyncSettings;
  logger: Logger;
  echo: EchoMemory;
  people: People;
  kept: KeptMessages;
  presenter: () => SyncPresenter;
  retry?: RetryOptions;
  /** How long to look for the PagerDuty incident an event opened (the Events API is asynchronous). */
  findTimeoutMs?: number;
  /** Durable incident events (the product's): handled by any replica under a lease, not in-process. */
  relay?: DurableEvents;
  /** How long `escalate` waits for its durable write's outcome before answering that it is queued. */
  escalateWaitMs?: number;
}

const PAGING = "paging";
const severityRank = (s: Severity) => Number(s.slice(3));

export class PagerDutySync {
  private readonly o: PagerDutySyncOptions;
  private readonly logger: Logger;
  private readonly serial = new KeyedSerialQueue();
  private readonly listeners: Array<() => void> = [];
  private readonly oncallCache = new Map<string, { at: number; people: Promise<OncallPerson[]> }>();
  private readonly personCache = new Map<string, Promise<PagerDutyPerson | undefined>>();
  private readonly problems = new Map<string, string>();
  private me: PagerDutyPerson | undefined;
  /** Subscribed to the durable incident events (started with a relay). */
  private durable = false;

  constructor(o: PagerDutySyncOptions) {
    this.o = o;
    this.logger = o.logger.child({ component: "pagerduty-sync" });
  }

  start(): void {
    if (this.o.relay) {
      this.listeners.push(this.o.relay.subscribe("pagerduty", (event) => this.serial.run(event.incident.id, () => this.onDurable(event))));
      this.durable = true;
      return;
    }
    const ev = this.o.incidents.events;
    const opened = (incident: Incident) => void this.run(incident.id, () => this.onOpened(incident));
    const status = (incident: Incident, from: IncidentStatus, by: string) => void this.run(incident.id, () => this.onStatus(incident, from, by));
    const severity = (incident: Incident, by: string, from: Severity) => void this.run(incident.id, () => this.onSeverity(incident, by, from));
    const headline = (incident: Incident) => void this.run(incident.id, () => this.retitle(incident.id));
    ev.on("opened", opened);
    ev.on("status", status);
    ev.on("severity", severity);
    ev.on("headline", headline);
    this.listeners.push(
      () => ev.off("opened", opened),
      () => ev.off("status", status),
      () => ev.off("severity", severity),
      () => ev.off("headline", headline),
    );
  }

  async idle(): Promise<void> {
    await this.serial.idle();
  }

  /** Stops listening; work in flight gets a bounded chance to finish. */
  async stop(): Promise<void> {
    for (const off of this.listeners.splice(0)) off();
    this.durable = false;
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5_000).unref?.())]);
  }

  private run<T>(incidentId: string, fn: () => Promise<T>): Promise<T | undefined> {
    return this.serial.run(incidentId, fn).catch((e: unknown) => {
      this.logger.error({ err: e, incident: incidentId }, "pagerduty sync failed");
      return undefined;
    });
  }

  // ---- outbound -------------------------------------------------------------------------------

  /**
   * One durable incident event (any replica, in order per incident). Paging is idempotent by the
   * Events API's dedup_key, so an event handled again after a crash never pages twice; a transient
   * failure is thrown for the relay to retry with backoff.
   */
  private async onDurable(event: DurableIncidentEvent): Promise<unknown> {
    if (event.kind === "escalate") return this.onEscalate(event);
    const id = event.incident.id;
    this.durableFailures.delete(id);
    if (event.kind === "opened") await this.onOpened(event.incident);
    else if (event.kind === "status") await this.onStatus(event.incident, event.from, event.by);
    else if (event.kind === "severity") await this.onSeverity(event.incident, event.by, event.from);
    else if (event.kind === "headline") await this.retitle(id, true);
    const failed = this.durableFailures.get(id);
    this.durableFailures.delete(id);
    if (failed) throw failed;
  }

  /** Per incident, a transient failure of the durable event being handled (a trigger or status call that gave up). */
  private readonly durableFailures = new Map<string, unknown>();

  private async onOpened(incident: Incident): Promise<void> {
    if (!this.o.settings.enabled) return;
    // Resolved before its opening was handled (merged into another incident at once, the sync behind):
    // nobody is paged for it and its closed thread gets no paging card (cascading-failure's payments
    // incident said "Not paged: SEV2 pages" five minutes after it was merged into the cache's).
    if ((await this.o.store.incidents.get(incident.id))?.status === "resolved") return;
    const decision = pagingDecision(incident, this.o.settings);
    if (decision.page) await this.trigger(incident, "aisre", decision.reason);
    await this.renderCard(incident.id, decision.page ? undefined : decision.reason);
  }

  /**
   * Paging follows severity: an incident that rises into a paging severity pages now (the first
   * page of an incident that started quietly); one that falls below says so, and an open page stays
   * with the people who have it. A rise aisre made (an alert at a higher severity) is told in the
   * thread in one note with its paging outcome; a person's change is already told, so only a change
   * of paging is.
   */
  private async onSeverity(incident: Incident, by: string, from: Severity): Promise<void> {
    if (!this.o.settings.enabled || incident.status === "resolved") return;
    const stored = (await this.o.store.incidents.get(incident.id)) ?? incident;
    // Resolved since (merged into another incident, or over at once): a rise handled late pages nobody.
    if (stored.status === "resolved") return;
    // A rise is told and paged as it was, even when the severity fell again before it was handled (the
    // fall's own event tells that): it did reach the paging severity ("rose from SEV3 to SEV3" and no page, under load).
    const current = severityRank(incident.severity) < severityRank(from) && severityRank(stored.severity) > severityRank(incident.severity) ? { ...stored, severity: incident.severity } : stored;
    const decision = pagingDecision(current, this.o.settings);
    const before = pagingDecision({ ...current, severity: from }, this.o.settings);
    const state = await this.state(current.id);
    const active = state !== undefined && state.status !== "resolved";
    const fell = severityRank(current.severity) > severityRank(from);
    // aisre lowers a severity when the alerts above it have resolved: say which.
    const why = fell && by === "aisre" ? (await this.o.store.timeline.list(current.id, ["status"])).reverse().find((e) => e.data.to === current.severity && e.data.from === from)?.data.why : undefined;
    const change = `Severity ${fell ? "fell" : "rose"} from ${from.toUpperCase()} to ${current.severity.toUpperCase()}${by === "aisre" ? (typeof why === "string" ? ` (${escapeText(why)})` : "") : ` (${mentionUser(by)})`}`;
    let outcome: string | undefined;
    if (decision.page && !active) {
      const r = await this.trigger(current, by, `${change.toLowerCase()}: ${decision.reason}`);
      const paged = await this.state(current.id);
      const who = paged?.assignees.length ? paged.assignees.map(personRef).join(", ") : "the on-call";
      // "Severity rose from SEV3 to SEV2: paged @alice through PagerDuty #1 (level 1), as SEV2 pages." (not "SEV2 pages: paged").
      outcome = r.ok ? `paged ${who} through ${r.ref}, as ${decision.reason}.` : `${decision.reason}, but paging failed: ${r.error}.`;
    } else if (!decision.page && before.page) {
      outcome = active ? `${decision.reason}; the open page, ${this.refText(state)}, stays with whoever has it until it is resolved.` : `${decision.reason}.`;
    } else if (by === "aisre") {
      // Back at a severity it already had, with its page still open (a fault whose alerts come and go):
      // nothing new for the on-call — the card shows the severity; the thread is not told each time.
      const again = decision.page && active && returnsToEarlierPeak(await this.o.store.timeline.list(current.id, ["status"]), current.severity);
      if (!again) outcome = decision.page ? `already paged through ${state ? this.refText(state) : "PagerDuty"}.` : `${decision.reason}.`;
    }
    if (outcome) await this.o.incidents.postInThread(current.id, this.o.presenter().note(`:pager: ${change}: ${outcome}`));
    await this.retitle(current.id);
    await this.renderCard(current.id, decision.page ? undefined : decision.reason);
  }

  /**
   * Keeps the open page's title on what the incident is understood to be now (the card's headline
   * and severity) rather than its first signal: the on-call reads it on the phone. REST `PUT
   * /incidents/{id}` with the title; nothing when there is no open page or the title is already so.
   */
  private async retitle(incidentId: string, durable = false): Promise<void> {
    if (!this.o.settings.enabled) return;
    const incident = await this.o.store.incidents.get(incidentId);
    const link = await this.o.store.links.get(incidentId, "pagerduty");
    const state = link?.synced as PagerDutyLinkState | undefined;
    // Only a page whose PagerDuty id is known (not just its dedup key), and still open.
    if (!incident || !link || !state || state.status === "resolved" || link.externalId === state.dedupKey) return;
    const title = pageTitle(incident, await currentTitle(this.o.store, incident));
    if (state.title === title) return;
    try {
      await withRetry(() => this.o.port.retitle(link.externalId, title), this.o.retry);
      await this.patch(incidentId, { title });
      // The timeline (and the postmortem's) hears of a new title, not of its figures moving: the
      // cascading-failure walk's postmortem listed "Checkout failing 41 %", 45 %, 54 %, … 76 % in ten minutes.
      if (!state.title || withoutFigures(state.title) !== withoutFigures(title)) await this.o.store.timeline.append({ incidentId, kind: "sync", actor: "aisre", text: `PagerDuty #${state.number ?? link.externalId} retitled: ${title}`, data: { system: "pagerduty", id: link.externalId, title } });
    } catch (e) {
      // A durable headline event is retried by the relay; a retitle along another change is best effort.
      if (durable && isRetryable(e)) this.durableFailures.set(incidentId, e);
      this.logger.warn({ err: e, incident: incidentId }, "retitling the PagerDuty incident failed");
    }
  }

  /** Pages the on-call for the incident now (the "Page on-call" button), whatever its severity. */
  page(incidentId: string, by: string, reason: string): Promise<EscalationResult> {
    return this.run(incidentId, async (): Promise<EscalationResult> => {
      const incident = await this.o.store.incidents.get(incidentId);
      if (!incident) return { ok: false, error: `no incident ${incidentId}` };
      const state = await this.state(incidentId);
      if (state && state.status !== "resolved") return { ok: true, ref: this.refText(state), error: "already paged" };
      const r = await this.trigger(incident, by, reason);
      await this.renderCard(incidentId);
      return r;
    }).then((r) => r ?? { ok: false, error: "paging failed" });
  }

  private async trigger(incident: Incident, by: string, reason: string): Promise<EscalationResult> {
    const decision = pagingDecision(incident, this.o.settings);
    const dedupKey = dedupKeyFor(incident.id);
    const jira = await this.o.store.links.get(incident.id, "jira");
    const title = pageTitle(incident, await currentTitle(this.o.store, incident));
    await this.o.echo.remember("pagerduty", dedupKey, "incident.triggered");
    try {
      await withRetry(
        () =>
          this.o.port.trigger({
            dedupKey,
            routingKey: decision.routingKey,
            summary: title,
            source: decision.service ?? "aisre",
            severity: decision.severity,
            ...(decision.service ? { component: decision.service } : {}),
            group: incident.services.join(",") || undefined,
            class: "incident",
            customDetails: { incident: incident.id, severity: incident.severity, services: incident.services, reason, pagedBy: by },
            links: jira?.url ? [{ href: jira.url, text: `Jira ${jira.externalId}` }] : undefined,
          }),
        this.o.retry,
      );
    } catch (e) {
      if (isRetryable(e)) this.durableFailures.set(incident.id, e);
      const text = `aisre could not page through PagerDuty: ${errorMessage(e)}`;
      this.problems.set(incident.id, text);
      await this.o.store.timeline.append({ incidentId: incident.id, kind: "sync", actor: "aisre", text, data: { system: "pagerduty", problem: true } });
      this.logger.warn({ err: e, incident: incident.id }, "paging failed");
      return { ok: false, error: errorMessage(e) };
    }
    this.problems.delete(incident.id);
    const pd = await this.findIncident(dedupKey);
    const state: PagerDutyLinkState = { dedupKey, routingKey: decision.routingKey, status: pd?.status ?? "triggered", number: pd?.number, assignees: pd ? await this.assignees(pd) : [], level: pd?.escalationLevel, service: decision.service, title: pd?.title ?? title };
    const who = state.assignees.length ? ` ${state.assignees.map((a) => a.name).join(", ")}` : " the on-call";
    await this.cardChange(incident.id, async (tx) => {
      await this.saveLink(tx, incident.id, pd?.id ?? dedupKey, pd?.url, state);
      await tx.timeline.append({
        incidentId: incident.id,
        kind: "sync",
        actor: by,
        text: `Paged${who} through PagerDuty${pd ? ` #${pd.number}` : ""} (${reason})`,
        data: { system: "pagerduty", id: pd?.id, number: pd?.number, dedupKey, url: pd?.url },
      });
    });
    return { ok: true, ref: this.refText(state) };
  }

  /** The PagerDuty incident a dedup key opened: the Events API creates it asynchronously, so look a few times. */
  private async findIncident(dedupKey: string): Promise<PagerDutyIncidentView | undefined> {
    const deadline = Date.now() + (this.o.findTimeoutMs ?? 10_000);
    for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
      try {
        const found = await this.o.port.findByDedupKey(dedupKey);
        if (found && found.status !== "resolved") return found;
      } catch (e) {
        this.logger.debug({ err: e, dedupKey }, "looking up the PagerDuty incident failed");
      }
      if (Date.now() + wait > deadline) return undefined;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async onStatus(incident: Incident, from: IncidentStatus, by: string): Promise<void> {
    if (!this.o.settings.enabled) return;
    // The change came from PagerDuty itself: do not send it back.
    if (await this.o.echo.consume("slack-status", incident.id, incident.status)) return void (await this.renderCard(incident.id));
    const link = await this.o.store.links.get(incident.id, "pagerduty");
    const state = link?.synced as PagerDutyLinkState | undefined;
    if (incident.status === "open" && from === "resolved") {
      const decision = pagingDecision(incident, this.o.settings);
      if (decision.page || (state && state.status === "resolved")) await this.trigger(incident, by, `reopened: ${decision.reason}`);
      await this.renderCard(incident.id, decision.page ? undefined : decision.reason);
      return;
    }
    if (!link || !state || state.status === "resolved") {
      // A resolved incident never paged whose paging card was never posted gets none now.
      if (!link && incident.status === "resolved" && !(await this.o.kept.posted(incident.id, PAGING))) return;
      return void (await this.renderCard(incident.id));
    }
    try {
      if (incident.status === "acknowledged" && state.status === "triggered") {
        await this.o.echo.remember("pagerduty", link.externalId, "incident.acknowledged");
        await withRetry(() => this.o.port.acknowledge(state.dedupKey, state.routingKey), this.o.retry);
        await this.patch(incident.id, { status: "acknowledged" });
      } else if (incident.status === "resolved") {
        await this.o.echo.remember("pagerduty", link.externalId, "incident.resolved");
        await withRetry(() => this.o.port.resolve(state.dedupKey, state.routingKey), this.o.retry);
        await this.patch(incident.id, { status: "resolved" });
      }
      this.problems.delete(incident.id);
    } catch (e) {
      if (isRetryable(e)) this.durableFailures.set(incident.id, e);
      this.problems.set(incident.id, `PagerDuty did not take the ${incident.status} status: ${errorMessage(e)}`);
      this.logger.warn({ err: e, incident: incident.id }, "pagerduty status sync failed");
    }
    await this.renderCard(incident.id);
  }

  /**
   * Escalates the incident's page to the next level (paging first when nobody was paged), with the
   * reason as a PagerDuty note. What remediation calls when it could not fix something, and the
   * Escalate button. With the durable relay (the product) the escalation is a durable PagerDuty
   * write (an `escalate` incident event): leased, retried, parked like the rest of the outbound
   * sync, and idempotent — the target level is fixed when it is asked for, and the note carries the
   * write's id, looked for before it is posted again. The caller waits for its outcome.
   */
  async escalate(incidentId: string, reason: string, by = "aisre"): Promise<EscalationResult> {
    const planned = await this.run(incidentId, async (): Promise<EscalationResult | { eventId: number; state: PagerDutyLinkState }> => {
      const incident = await this.o.store.incidents.get(incidentId);
      if (!incident) return { ok: false, error: `no incident ${incidentId}` };
      const link = await this.o.store.links.get(incidentId, "pagerduty");
      const state = link?.synced as PagerDutyLinkState | undefined;
      // No page yet, a resolved one, or one whose PagerDuty id was never learnt (only its dedup key): page.
      if (!link || !state || state.status === "resolved" || link.externalId === state.dedupKey) {
        const r = await this.trigger(incident, by, reason);
        await this.renderCard(incidentId);
        return r;
      }
      const event = { incident, reason, by, writeId: randomUUID(), toLevel: (state.level ?? 1) + 1, pageId: link.externalId };
      // Not following the durable events (a sync that was not started): made here and now.
      if (!this.o.relay || !this.durable) return this.onEscalate({ kind: "escalate", ...event }, false);
      const eventId = await this.o.store.incidentEvents.appendOne({ incidentId, consumer: "pagerduty", kind: "escalate", payload: event });
      this.o.relay.runSoon?.();
      return { eventId, state };
    });
    if (!planned) return { ok: false, error: "escalation failed" };
    if (!("eventId" in planned)) return planned;
    // Outside the incident's serial work: the relay handles the write under it.
    const deadline = Date.now() + (this.o.escalateWaitMs ?? 20_000);
    while (Date.now() < deadline) {
      const o = await this.o.store.incidentEvents.outcome(planned.eventId).catch(() => undefined);
      if (o?.state === "done" && typeof o.result?.ok === "boolean") return o.result as unknown as EscalationResult;
      if (o?.state === "done") return { ok: true, ref: this.refText(planned.state) };
      if (o?.state === "parked") return { ok: false, error: o.error ?? "PagerDuty did not take the escalation" };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ok: true, ref: `${this.refText(planned.state)}; the escalation is queued (PagerDuty has not confirmed it yet)` };
  }

  /**
   * Makes one escalation (any replica, possibly again after a crash): the level is raised only while
   * the page is below the target, the note is posted only when no note carries the write's id, and
   * the thread and timeline hear of it once. A transient failure is thrown (the relay retries it).
   */
  private async onEscalate(e: Extract<DurableIncidentEvent, { kind: "escalate" }>, durable = true): Promise<EscalationResult> {
    const { incident, reason, by, writeId, toLevel, pageId } = e;
    const incidentId = incident.id;
    const marker = `[aisre ${writeId.slice(0, 8)}]`;
    let view: PagerDutyIncidentView;
    try {
      view = await withRetry(() => this.o.port.getIncident(pageId), this.o.retry);
      if ((view.escalationLevel ?? 1) < toLevel) {
        await this.o.echo.remember("pagerduty", pageId, "incident.escalated");
        try {
          view = await withRetry(() => this.o.port.escalate(pageId, toLevel), this.o.retry);
        } catch (err) {
          await this.o.echo.consume("pagerduty", pageId, "incident.escalated");
          throw err;
        }
      }
    } catch (err) {
      if (durable && isRetryable(err)) throw err;
      const error = err instanceof PagerDutyApiError && err.code === 1006 ? "there is no further escalation level" : errorMessage(err);
      return { ok: false, error };
    }
    try {
      // PagerDuty notes have no idempotency key: the write's id is in the note, looked for first.
      const notes = await withRetry(() => this.o.port.listNotes(pageId), this.o.retry);
      if (!notes.some((n) => n.content.includes(marker))) {
        const who = by === "aisre" ? "aisre" : await this.o.people.actor(by);
        await this.o.echo.remember("pagerduty", pageId, "incident.annotated");
        await withRetry(() => this.o.port.addNote(pageId, `Escalated by ${who}: ${reason} ${marker}`), this.o.retry);
      }
    } catch (err) {
      if (durable && isRetryable(err)) throw err;
      this.logger.warn({ err, incident: incidentId }, "adding the escalation note failed");
    }
    const assignees = await this.assignees(view);
    await this.cardChange(incidentId, async (tx) => {
      await tx.links.mergeSynced(incidentId, "pagerduty", { assignees, level: view.escalationLevel, status: view.status });
      const told = (await tx.timeline.list(incidentId, ["sync"])).some((t) => t.data.writeId === writeId);
      if (told) return;
      await tx.timeline.append({
        incidentId,
        kind: "sync",
        actor: by,
        text: `Escalated PagerDuty #${view.number}${view.escalationLevel ? ` to level ${view.escalationLevel}` : ""} (${assignees.map((a) => a.name).join(", ") || "nobody assigned"}): ${reason}`,
        data: { system: "pagerduty", id: view.id, level: view.escalationLevel, writeId },
      });
    });
    const state = await this.state(incidentId);
    await this.renderCard(incidentId);
    return { ok: true, ref: this.refText({ ...(state ?? { dedupKey: dedupKeyFor(incidentId), status: view.status, assignees }), assignees, level: view.escalationLevel }) };
  }

  /** Who is on call for a service (lowest escalation level first), with their Slack users; cached briefly. */
  oncallFor(service: string): Promise<OncallPerson[]> {
    const pdService = this.o.settings.services[service]?.pdService ?? service;
    const hit = this.oncallCache.get(pdService);
    if (hit && Date.now() - hit.at < this.o.settings.oncallCacheMs) return hit.people;
    const people = (async () => {
      const oncalls = await this.o.port.listOncalls(pdService);
      const seen = new Set<string>();
      const out: OncallPerson[] = [];
      for (const o of oncalls) {
        const key = `${o.user.id}:${o.level}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ name: o.user.name, email: o.user.email, level: o.level, schedule: o.schedule?.name, slackUserId: await this.o.people.slackIdByEmail(o.user.email) });
      }
      return out;
    })();
    this.oncallCache.set(pdService, { at: Date.now(), people });
    people.catch(() => this.oncallCache.delete(pdService));
    return people;
  }

  // ---- inbound --------------------------------------------------------------------------------

  private async self(): Promise<PagerDutyPerson | undefined> {
    if (this.me) return this.me;
    try {
      this.me = await this.o.port.whoAmI();
    } catch (e) {
      this.logger.warn({ err: e }, "pagerduty: could not tell which user aisre is");
    }
    return this.me;
  }

  private person(id: string | undefined): Promise<PagerDutyPerson | undefined> {
    if (!id) return Promise.resolve(undefined);
    let p = this.personCache.get(id);
    if (!p) {
      p = this.o.port.getUser(id).catch((e: unknown) => {
        // An integration (the Events API) is not a user: 404. Anything else is worth another try later.
        if (!(e instanceof PagerDutyApiError && e.status === 404)) this.personCache.delete(id);
        return undefined;
      });
      this.personCache.set(id, p);
    }
    return p;
  }

  /** True when the event is an echo of something aisre did. */
  async isOwn(ev: ExternalEvent): Promise<boolean> {
    const key = typeof ev.data.incidentKey === "string" ? ev.data.incidentKey : undefined;
    // Consume the memory first, so a remembered change never outlives its echo.
    const remembered = (await this.o.echo.consume("pagerduty", ev.externalId, ev.type)) || (key !== undefined && (await this.o.echo.consume("pagerduty", key, ev.type)));
    const me = await this.self();
    if (me && ev.actorId === me.id) return true;
    if (remembered) return true;
    if (key?.startsWith("aisre:") && ["incident.triggered", "incident.acknowledged", "incident.resolved"].includes(ev.type)) {
      // Only aisre sends Events API events with its dedup keys: an integration agent here is aisre.
      return (await this.person(ev.actorId)) === undefined;
    }
    return false;
  }

  async handleEvent(ev: ExternalEvent): Promise<void> {
    const key = typeof ev.data.incidentKey === "string" ? ev.data.incidentKey : undefined;
    let link = await this.o.store.links.byExternalId("pagerduty", ev.externalId);
    if (!link && key?.startsWith("aisre:")) link = await this.o.store.links.get(key.slice("aisre:".length), "pagerduty");
    const own = await this.isOwn(ev);
    if (!link) return;
    const incidentId = link.incidentId;
    // Learn the PagerDuty id and link of an incident we paged but could not look up yet.
    if (link.externalId !== ev.externalId && key === (link.synced as PagerDutyLinkState).dedupKey && ev.type === "incident.triggered") {
      const found = link;
      await this.cardChange(incidentId, (tx) => this.saveLink(tx, incidentId, ev.externalId, typeof ev.data.htmlUrl === "string" ? ev.data.htmlUrl : found.url, { ...(found.synced as PagerDutyLinkState), number: typeof ev.data.number === "number" ? ev.data.number : undefined }));
    }
    if (own) return;
    await this.run(incidentId, () => this.applyHuman(incidentId, link!.externalId, link!.url, ev));
  }

  private async applyHuman(incidentId: string, pdId: string, url: string | undefined, ev: ExternalEvent): Promise<void> {
    const agent = await this.person(ev.actorId);
    const name = agent?.name ?? ev.actor ?? "someone";
    const slackId = await this.o.people.slackIdByEmail(agent?.email);
    const by = slackId ?? name;
    const number = typeof ev.data.number === "number" ? ev.data.number : (await this.state(incidentId))?.number;
    const ref = `#${number ?? pdId}`;
    const incident = await this.o.store.incidents.get(incidentId);
    if (!incident) return;
    const md = escapeText(name);
    const note = async (text: string, quote?: string, data: Record<string, unknown> = {}) => {
      await this.o.store.timeline.append({ incidentId, kind: "sync", actor: `pagerduty:${name}`, text: `PagerDuty ${ref}: ${text}${quote ? `: "${quote.slice(0, 300)}"` : ""}`, data: { system: "pagerduty", id: pdId, event: ev.type, ...data } });
      await this.o.incidents.postInThread(incidentId, this.o.presenter().externalUpdate({ system: "pagerduty", ref: `PagerDuty ${ref}`, url, actor: name, text, quote }));
    };
    switch (ev.type) {
      case "incident.acknowledged":
        await this.patchCard(incidentId, { status: "acknowledged" });
        if (incident.status === "open") {
          await this.o.echo.remember("slack-status", incidentId, "acknowledged");
          await this.o.incidents.changeStatus(incidentId, "acknowledged", by, `acknowledged in PagerDuty by ${name}`);
        } else await note(`${md} acknowledged the page.`);
        break;
      case "incident.resolved":
        await this.patchCard(incidentId, { status: "resolved" });
        if (incident.status !== "resolved") {
          await this.o.echo.remember("slack-status", incidentId, "resolved");
          await this.o.incidents.changeStatus(incidentId, "resolved", by, `resolved in PagerDuty by ${name}`);
        } else await note(`${md} resolved the page.`);
        break;
      case "incident.reassigned":
      case "incident.escalated": {
        const view = await this.o.port.getIncident(pdId).catch(() => undefined);
        const assignees: PagerDutyLinkState["assignees"] = view ? await this.assignees(view) : ((ev.data.assignees as string[] | undefined) ?? []).map((n) => ({ name: n }));
        await this.patchCard(incidentId, { assignees, ...(view?.escalationLevel ? { level: view.escalationLevel } : {}) });
        const to = assignees.map(personRef).join(", ") || "nobody";
        await note(ev.type === "incident.reassigned" ? `${md} reassigned the page to ${to}.` : `${md} escalated the page${view?.escalationLevel ? ` to level ${view.escalationLevel}` : ""}: now ${to}.`, undefined, { assignees: assignees.map((a) => a.name) });
        break;
      }
      case "incident.annotated":
        await note(`${md} added a note in PagerDuty.`, typeof ev.data.content === "string" ? ev.data.content : undefined);
        break;
      case "incident.triggered":
      case "incident.reopened":
        await this.patchCard(incidentId, { status: "triggered" });
        await note(ev.type === "incident.reopened" ? `${md} reopened the page.` : `${md} triggered the page again.`);
        break;
      default:
        if (ev.type.startsWith("incident.")) await note(`${md}: ${escapeText(ev.type.slice("incident.".length).replace(/_/g, " "))}.`);
        return;
    }
    await this.renderCard(incidentId);
  }

  // ---- state and the paging card --------------------------------------------------------------

  private async state(incidentId: string): Promise<PagerDutyLinkState | undefined> {
    return (await this.o.store.links.get(incidentId, "pagerduty"))?.synced as PagerDutyLinkState | undefined;
  }

  private async patch(incidentId: string, values: Partial<PagerDutyLinkState>): Promise<void> {
    await this.o.store.links.mergeSynced(incidentId, "pagerduty", values);
  }

  /** Creates the link, or points it at a new PagerDuty incident (a page after a resolve), in `tx`. */
  private async saveLink(tx: Store, incidentId: string, externalId: string, url: string | undefined, state: PagerDutyLinkState): Promise<void> {
    const created = await tx.links.create({ incidentId, system: "pagerduty", externalId, url, synced: state });
    if (created) return;
    await tx.links.repoint(incidentId, "pagerduty", externalId, url, { ...state });
  }

  /**
   * Writes what the root card shows of the page (`fn`, in one transaction) and wants the card's
   * edit in that same transaction: a replica that dies after the commit leaves the edit to another.
   */
  private cardChange<T>(incidentId: string, fn: (tx: Store) => Promise<T>): Promise<T> {
    return inTransaction(this.o.store, async (tx) => {
      const out = await fn(tx);
      await this.o.incidents.markCardDirty(tx, incidentId);
      return out;
    });
  }

  /** The page's state as PagerDuty changed it (a person's ack, resolve, reassignment): the card follows. */
  private patchCard(incidentId: string, values: Partial<PagerDutyLinkState>): Promise<void> {
    return this.cardChange(incidentId, (tx) => tx.links.mergeSynced(incidentId, "pagerduty", values));
  }

  private async assignees(view: PagerDutyIncidentView): Promise<PagerDutyLinkState["assignees"]> {
    const out: PagerDutyLinkState["assignees"] = [];
    for (const a of view.assignees) {
      const p = a.email ? a : await this.person(a.id);
      out.push({ name: a.name, slackUserId: await this.o.people.slackIdByEmail(p?.email) });
    }
    return out;
  }

  private refText(s: PagerDutyLinkState): string {
    return `PagerDuty #${s.number ?? s.dedupKey}${s.level ? ` (level ${s.level})` : ""}`;
  }

  /** The paging card's content now. */
  async view(incidentId: string, notPaged?: string): Promise<PagingView | undefined> {
    const incident = await this.o.store.incidents.get(incidentId);
    if (!incident) return undefined;
    const link = await this.o.store.links.get(incidentId, "pagerduty");
    const state = link?.synced as PagerDutyLinkState | undefined;
    const decision = pagingDecision(incident, this.o.settings);
    let oncall: OncallPerson[] = [];
    if (decision.service) {
      try {
        oncall = await this.oncallFor(decision.service);
      } catch (e) {
        this.logger.debug({ err: e }, "on-call lookup failed");
      }
    }
    return {
      incidentId,
      incidentStatus: incident.status,
      severity: incident.severity,
      service: decision.service,
      page: link && state ? { id: link.externalId, number: state.number, url: link.url, status: state.status, assignees: state.assignees ?? [], level: state.level } : undefined,
      notPaged: link ? undefined : (notPaged ?? (await this.notPagedWhy(incident, decision))),
      oncall,
      problem: this.problems.get(incidentId),
    };
  }

  /** Why an incident has no page: below the paging severity, or over before a page went out (never "Not paged: SEV2 pages"). */
  private async notPagedWhy(incident: Incident, decision: PagingDecision): Promise<string> {
    if (!decision.page || incident.status !== "resolved") return decision.reason;
    const into = (await this.o.store.incidents.card(incident.id)).mergedInto;
    return into ? `merged into ${into} before a page went out; that incident pages for both` : "resolved before a page went out";
  }

  private async renderCard(incidentId: string, notPaged?: string): Promise<void> {
    const v = await this.view(incidentId, notPaged);
    if (!v) return;
    await this.o.kept.upsert(incidentId, PAGING, this.o.presenter().pagingCard(v));
  }
}

/** The remediation Escalator port over the PagerDuty sync. */
export function pagerDutyEscalator(sync: PagerDutySync): { escalate(incident: { id: string }, e: { summary: string; details: string; actionId: string }): Promise<EscalationResult> } {
  return { escalate: (incident, e) => sync.escalate(incident.id, `${e.summary}. ${e.details}`.trim(), "aisre") };
}
