import { escapeText as e } from "../text/slack-markup.ts";
import type { Incident, IncidentStatus } from "../domain/incident.ts";
import { errorMessage, isAppError } from "../errors.ts";
import type { IncidentService } from "../incident/incident-service.ts";
import type { ExternalEvent } from "../ingest/types.ts";
import type { FollowUpItem, JiraIssueRef, JiraPort, JiraSyncValues, JiraUserRef } from "../integrations/jira/port.ts";
import { JiraWriteQueue, type KeptCommentStore, type SyncedValuesStore } from "../integrations/jira/write-queue.ts";
import type { ScheduleOptions } from "../integrations/jira/write-schedule.ts";
import type { Logger } from "../log.ts";
import { keptEnds, keyTimelineOfKept, timelineLines } from "../postmortem/timeline.ts";
import { inTransaction, type Store } from "../store/store.ts";
import type { EchoMemory } from "./echo-memory.ts";
import type { People } from "./people.ts";
import type { SyncPresenter } from "./presenter.ts";
import { isRetryable, withRetry, type RetryOptions } from "./retry.ts";
import type { DurableIncidentEvent } from "../incident/incident-events.ts";
import { JIRA_TIMELINE_EVERY_MS, type JiraSyncSettings } from "./sync-config.ts";
import { HandleLater, type DurableEventContext } from "../incident/incident-events.ts";
import { systemClock, type Clock } from "../domain/clock.ts";
import { KeyedSerialQueue } from "../domain/keyed-serial.ts";
import type { IncidentEventMap } from "../incident/incident-events.ts";
import { currentTitle } from "../incident/lookup.ts";

/**
 * The Jira side of the sync. Outbound: a ticket per incident (per the settings), aisre-owned fields
 * (status, severity/priority, the timeline summary) kept up to date through the debounced write
 * queue, comments only for significant events (a new leading hypothesis, remediation outcomes, the
 * resolution), a postmortem comment edited in place, follow-up issues. Inbound: status, assignee,
 * field and comment changes people make in Jira appear in the thread and on the timeline; aisre's
 * own changes (the webhook's user is aisre's account) are dropped as echoes.
 *
 * What aisre last wrote per issue lives in `external_links.synced` (`fields`, `comments`,
 * `cursor`, `lastCause`), so a person's later edit of a field aisre does not own is never undone.
 */

export type JiraLinkState = {
  fields?: Partial<JiraSyncValues>;
  /** Comment id per kept slot (e.g. "postmortem"). */
  comments?: Record<string, string>;
  /** The last timeline entry id considered for comments. */
  cursor?: number;
  /** The leading hypothesis last commented. */
  lastCause?: string;
  /** When alerts or changes last refreshed the timeline field (Clock ms): paces the next refresh. */
  timelineAt?: number;
};

/** Remediation outcomes worth a Jira comment (recommendations and approvals are not). */
const ACTION_EVENTS = new Set(["executed", "verified", "unverified", "failed", "escalated"]);

export interface JiraSyncOptions {
  port: JiraPort;
  store: Store;
  incidents: IncidentService;
  settings: JiraSyncSettings;
  logger: Logger;
  echo: EchoMemory;
  people: People;
  presenter: () => SyncPresenter;
  /** Overrides of the write queue's schedule (tests use short delays). */
  schedule?: Partial<ScheduleOptions>;
  retry?: RetryOptions;
  /** How often significant timeline events are looked for (default 2 s). */
  pollMs?: number;
  /** Quiet time before the timeline summary field is refreshed (default 1 s). */
  timelineDebounceMs?: number;
  /** Durable incident events (the product's): handled by any replica under a lease, not in-process. */
  relay?: DurableEvents;
  /** The time that paces the timeline field's refreshes (default the wall clock). */
  clock?: Clock;
  /** At most one timeline refresh per this long while alerts keep coming (default JIRA_TIMELINE_EVERY_MS). */
  timelineEveryMs?: number;
}

/** Where durable incident events come from (the incident event relay). */
export interface DurableEvents {
  subscribe(consumer: string, handler: (event: DurableIncidentEvent, context: DurableEventContext) => Promise<unknown>): () => void;
  /** Handles what is due soon (after an event was appended outside an incident change, its caller waiting for it). */
  runSoon?(): void;
}

export class JiraSync {
  readonly queue: JiraWriteQueue;
  private readonly o: JiraSyncOptions;
  private readonly logger: Logger;
  /** Per-incident serial work: creation finishes before anything else is written for it. */
  private readonly serial = new KeyedSerialQueue();
  private readonly timelineTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners: Array<() => void> = [];
  private poller: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private readonly reportedProblems = new Set<string>();

  constructor(o: JiraSyncOptions) {
    this.o = o;
    this.logger = o.logger.child({ component: "jira-sync" });
    this.queue = new JiraWriteQueue({
      port: o.port,
      synced: this.syncedStore(),
      keptComments: this.keptCommentStore(),
      ownership: o.settings.ownership,
      rows: o.store.jiraWrites,
      schedule: { debounceMs: o.settings.debounceMs, maxDelayMs: o.settings.maxDelayMs, ...o.schedule },
      logger: this.logger,
      onGiveUp: (key, writes, error) => void this.o.store.links.byExternalId("jira", key).then((l) => this.problem(l?.incidentId, `Jira did not take aisre's update of ${key}: ${errorMessage(error)}`, writes)),
      onKeptHumanEdits: (key, kept) => this.logger.info({ issue: key, fields: kept.map((k) => k.field) }, "jira: kept fields people changed"),
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  start(): void {
    this.queue.start();
    if (this.o.relay) {
      this.listeners.push(this.o.relay.subscribe("jira", (event, context) => this.serial.run(event.incident.id, () => this.onDurable(event, context))));
    } else this.listenInProcess();
    const every = this.o.pollMs ?? 2_000;
    this.poller = setInterval(() => {
      if (this.polling) return;
      this.polling = this.pollSignificant()
        .catch((e: unknown) => this.logger.warn({ err: e }, "jira: looking for significant events failed"))
        .finally(() => (this.polling = undefined));
    }, every);
    this.poller.unref?.();
  }

  /**
   * One durable incident event (any replica, in order per incident; a failure is retried by the
   * relay). Alerts and changes refresh the timeline field at most once per `timelineEveryMs` (the
   * relay skips an event when a later one of the kind is already waiting, and keeps one put off in
   * the store, where later ones fold into it); the write queue debounces the writes.
   */
  private async onDurable(event: DurableIncidentEvent, context?: DurableEventContext): Promise<HandleLater | void> {
    switch (event.kind) {
      case "opened":
        return this.onOpened(event.incident, true);
      case "status":
        return this.onStatus(event.incident, event.from, event.by);
      case "severity":
        return this.onSeverity(event.incident);
      case "headline":
        return this.onHeadline(event.incident.id);
      case "alerts":
      case "changes":
        return this.pacedTimeline(event.incident.id, context?.waiting === true);
    }
  }

  /**
   * Refreshes the timeline field unless alerts or changes refreshed it less than `timelineEveryMs`
   * ago: then the event is put off until that much has passed (latest state wins: the refresh reads
   * the incident as it is then). The last refresh's time lives in the link, so a replica that takes
   * over paces the same. Not put off when another event of the incident waits behind it.
   */
  private async pacedTimeline(incidentId: string, waiting: boolean): Promise<HandleLater | void> {
    const link = await this.o.store.links.get(incidentId, "jira");
    if (!link) return;
    const every = this.o.timelineEveryMs ?? JIRA_TIMELINE_EVERY_MS;
    const now = (this.o.clock ?? systemClock).now();
    const at = Number((link.synced as JiraLinkState).timelineAt ?? Number.NaN);
    if (!waiting && now >= at && now - at < every) return new HandleLater(at + every - now);
    await this.refreshTimeline(incidentId);
    await this.o.store.links.mergeSynced(incidentId, "jira", { timelineAt: now } satisfies JiraLinkState);
  }

  /** Without a relay (unit tests of the sync alone): the incident service's in-process events. */
  private listenInProcess(): void {
    const ev = this.o.incidents.events;
    const on = <K extends "opened" | "status" | "severity" | "alerts" | "changes" | "headline">(name: K, fn: (...args: IncidentEventMap[K]) => void) => this.listeners.push(ev.subscribe(name, fn));
    on("opened", (incident: Incident) => void this.run(incident.id, () => this.onOpened(incident)));
    on("status", (incident: Incident, from: IncidentStatus, by: string) => void this.run(incident.id, () => this.onStatus(incident, from, by)));
    on("severity", (incident: Incident) => void this.run(incident.id, () => this.onSeverity(incident)));
    on("headline", (incident: Incident) => void this.run(incident.id, () => this.onHeadline(incident.id)));
    on("alerts", (incident: Incident) => this.refreshTimelineSoon(incident.id));
    on("changes", (incident: Incident) => this.refreshTimelineSoon(incident.id));
  }

  /** Waits for queued work: creations, significant-event comments, debounced writes (flushed now). */
  async idle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      for (const t of this.timelineTimers.values()) t.refresh();
      await this.serial.drain();
      await this.polling;
      await this.pollSignificant().catch(() => undefined);
      await this.queue.flushNow();
      await this.queue.idle();
      if (this.serial.size === 0 && (await this.queue.pendingKeys()).length === 0) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.listeners.splice(0)) off();
    clearInterval(this.poller);
    for (const t of this.timelineTimers.values()) clearTimeout(t);
    this.timelineTimers.clear();
    await this.serial.drain();
    // Give debounced writes a bounded chance to land before the process goes (what is left stays
    // in jira_writes for the next writer).
    await this.queue.flushNow().catch(() => undefined);
    await Promise.race([this.queue.idle(), new Promise((r) => setTimeout(r, 3_000).unref?.())]);
    this.queue.close();
  }

  private run<T>(incidentId: string, fn: () => Promise<T>): Promise<T | undefined> {
    return this.serial.run(incidentId, fn).catch((e: unknown) => {
      this.logger.error({ err: e, incident: incidentId }, "jira sync failed");
      return undefined;
    });
  }

  // ---- outbound -------------------------------------------------------------------------------

  private wants(incident: Incident): boolean {
    return this.o.settings.enabled && this.o.settings.ticketFor.includes(incident.severity);
  }

  private async onOpened(incident: Incident, durable = false): Promise<void> {
    if (this.wants(incident)) await this.createTicket(incident.id, durable);
  }

  /** Resolves once the work queued for the incident so far (its ticket's creation first) is done. */
  async settled(incidentId: string): Promise<void> {
    await this.serial.settled(incidentId);
  }

  /** The incident's ticket, if it has one. */
  async ticketFor(incidentId: string): Promise<{ key: string; url?: string } | undefined> {
    const link = await this.o.store.links.get(incidentId, "jira");
    return link ? { key: link.externalId, url: link.url } : undefined;
  }

  /** Creates the ticket once; later calls return the existing one. */
  ensureTicket(incidentId: string): Promise<JiraIssueRef | { key: string; url?: string } | undefined> {
    return this.run(incidentId, () => this.createTicket(incidentId)) as Promise<JiraIssueRef | undefined>;
  }

  /**
   * Creates the incident's ticket once: an earlier attempt's ticket (its answer lost, or the replica
   * died before linking it) is found by the incident's label and linked instead of a second one.
   * With `rethrow`, a transient failure is thrown for the durable event to be retried.
   */
  private async createTicket(incidentId: string, rethrow = false): Promise<{ key: string; url?: string } | undefined> {
    const existing = await this.ticketFor(incidentId);
    if (existing) return existing;
    const incident = await this.o.store.incidents.get(incidentId);
    if (!incident) return undefined;
    const timeline = await this.timelineText(incidentId);
    const summary = await this.summary(incident);
    const statusName = this.o.settings.statusFor[incident.status];
    let ref: JiraIssueRef;
    try {
      ref = await withRetry<JiraIssueRef>(
        async () =>
          (await this.o.port.findIncidentIssue(incidentId)) ??
          this.o.port.createIssue({
            incidentId,
            title: summary,
            description: this.description(incident),
            severity: incident.severity,
            services: incident.services,
            timeline,
          }),
        { ...this.o.retry, onRetry: (attempt, waitMs, e) => this.logger.info({ incident: incidentId, attempt, waitMs, err: e }, "jira: creating the ticket failed; retrying") },
      );
    } catch (e) {
      if (rethrow && isRetryable(e)) throw e;
      await this.problem(incidentId, `aisre could not create the Jira ticket: ${isAppError(e) ? e.userMessage : errorMessage(e)}`, e);
      return undefined;
    }
    const fields: Partial<JiraSyncValues> = { summary, severity: incident.severity, priority: this.o.settings.mapping.priorityBySeverity[incident.severity], timeline };
    // The link, its timeline entry and the card's edit (it shows the ticket) commit together: a
    // replica that dies after the commit leaves the edit to whichever replica renders next.
    const created = await inTransaction(this.o.store, async (tx) => {
      if (!(await tx.links.create({ incidentId, system: "jira", externalId: ref.key, url: ref.url, synced: { fields } satisfies JiraLinkState }))) return false;
      await tx.timeline.append({ incidentId, kind: "sync", actor: "aisre", text: `Jira ticket ${ref.key} created`, data: { system: "jira", key: ref.key, url: ref.url } });
      await this.o.incidents.markCardDirty(tx, incidentId);
      return true;
    });
    if (!created) return this.ticketFor(incidentId);
    // A new ticket starts in the workflow's first status: bring it to the incident's.
    if (statusName && incident.status !== "open") await this.queue.sync(ref.key, { status: statusName });
    this.logger.info({ incident: incidentId, issue: ref.key }, "jira ticket created");
    return ref;
  }

  /**
   * The ticket's summary: the severity and what the incident is understood to be now (the card's
   * headline, else the first signal). People own it, so aisre only updates it while nobody has edited it.
   */
  private async summary(incident: Incident): Promise<string> {
    return `[${incident.severity.toUpperCase()}] ${await currentTitle(this.o.store, incident)}`;
  }

  /** What aisre wants of the fields that follow the incident's severity. */
  private async severityFields(incident: Incident): Promise<Partial<JiraSyncValues>> {
    return { severity: incident.severity, priority: this.o.settings.mapping.priorityBySeverity[incident.severity], summary: await this.summary(incident) };
  }

  /** The headline changed: the summary follows (through the write queue, which keeps a person's edit). */
  private async onHeadline(incidentId: string): Promise<void> {
    if (!this.o.settings.enabled) return;
    const ticket = await this.ticketFor(incidentId);
    const incident = await this.o.store.incidents.get(incidentId);
    if (ticket && incident && incident.status !== "resolved") this.queue.sync(ticket.key, { summary: await this.summary(incident) });
  }

  private description(incident: Incident): string {
    return [
      `Incident ${incident.id}, opened by aisre from ${incident.origin === "declared" ? "a declaration in Slack" : "alerts"}.`,
      `Severity: ${incident.severity.toUpperCase()}. Services: ${incident.services.join(", ") || "unknown"}.`,
      "",
      "aisre keeps the status, severity, priority and the incident timeline field of this ticket in step with the Slack incident. Everything else (assignee, description, labels, other fields) is yours: aisre will not overwrite your changes.",
    ].join("\n");
  }

  private async onStatus(incident: Incident, from: IncidentStatus, by: string): Promise<void> {
    if (!this.o.settings.enabled) return;
    let ticket = await this.ticketFor(incident.id);
    if (!ticket && this.wants(incident) && incident.status !== "resolved") ticket = await this.createTicket(incident.id);
    if (!ticket) return;
    const desired: Partial<JiraSyncValues> = { status: this.o.settings.statusFor[incident.status], timeline: await this.timelineText(incident.id) };
    // The assignee is people's field: aisre proposes whoever acknowledged, and the ownership rules
    // write it only while the field is empty or still holds what aisre put there.
    if (incident.status === "acknowledged" && incident.acknowledgedBy) {
      const assignee = await this.jiraAccountFor(incident.acknowledgedBy);
      if (assignee) desired.assignee = assignee;
    }
    await this.queue.sync(ticket.key, desired);
    if (incident.status === "resolved") {
      const mins = incident.resolvedAt ? Math.max(0, Math.round((Date.parse(incident.resolvedAt) - Date.parse(incident.createdAt)) / 60_000)) : undefined;
      await this.queue.comment(ticket.key, `Resolved${by && by !== "aisre" ? ` by ${await this.name(by)}` : " by aisre"}${mins !== undefined ? ` after ${mins} min` : ""}. ${await this.lastStatusWhy(incident.id)}`.trim());
    } else if (from === "resolved") {
      await this.queue.comment(ticket.key, `Reopened${by && by !== "aisre" ? ` by ${await this.name(by)}` : ""}. ${await this.lastStatusWhy(incident.id)}`.trim());
    }
  }

  private async onSeverity(incident: Incident): Promise<void> {
    if (!this.o.settings.enabled) return;
    const ticket = (await this.ticketFor(incident.id)) ?? (this.wants(incident) && incident.status !== "resolved" ? await this.createTicket(incident.id) : undefined);
    if (!ticket) return;
    await this.queue.sync(ticket.key, { ...(await this.severityFields(incident)), timeline: await this.timelineText(incident.id) });
  }

  private refreshTimelineSoon(incidentId: string): void {
    if (this.stopped) return;
    const existing = this.timelineTimers.get(incidentId);
    if (existing) return void existing.refresh();
    const t = setTimeout(() => {
      this.timelineTimers.delete(incidentId);
      void this.run(incidentId, () => this.refreshTimeline(incidentId));
    }, this.o.timelineDebounceMs ?? 1_000);
    t.unref?.();
    this.timelineTimers.set(incidentId, t);
  }

  /** Brings the ticket's severity fields and timeline field to the incident's. */
  private async refreshTimeline(incidentId: string): Promise<void> {
    const ticket = await this.ticketFor(incidentId);
    const incident = await this.o.store.incidents.get(incidentId);
    // Alerts can raise the incident's severity without a severity event: follow it here too.
    if (ticket && incident) await this.queue.sync(ticket.key, { ...(await this.severityFields(incident)), timeline: await this.timelineText(incidentId) });
  }

  /** The "Incident timeline" field: key moments, newest last, within Jira's text field limit. */
  async timelineText(incidentId: string): Promise<string> {
    // The key moments are picked by the store: a storm's incident has tens of thousands of alert entries.
    const entries = await this.o.store.timeline.keyEntries(incidentId, { messages: false, ...keptEnds(120) });
    const lines = timelineLines(keyTimelineOfKept(entries, { maxLines: 120, messages: false }));
    let text = lines.join("\n");
    while (text.length > 30_000 && lines.length > 2) {
      lines.splice(1, 1);
      text = lines.join("\n");
    }
    return text;
  }

  private async lastStatusWhy(incidentId: string): Promise<string> {
    const [last] = (await this.o.store.timeline.list(incidentId, ["status"])).slice(-1);
    const why = last?.data.why;
    return typeof why === "string" && why ? `Reason: ${why}.` : "";
  }

  private readonly accounts = new Map<string, Promise<string | undefined>>();

  /** The Jira account of a Slack user (same email), if any. */
  private jiraAccountFor(slackUserId: string): Promise<string | undefined> {
    let p = this.accounts.get(slackUserId);
    if (!p) {
      p = (async () => {
        const email = await this.o.people.slackEmail(slackUserId);
        if (!email) return undefined;
        return (await this.o.port.findUserByEmail(email))?.accountId;
      })().catch((e: unknown) => {
        this.accounts.delete(slackUserId);
        this.logger.debug({ err: e, user: slackUserId }, "jira: no account for the Slack user");
        return undefined;
      });
      this.accounts.set(slackUserId, p);
    }
    return p;
  }

  private async name(user: string): Promise<string> {
    return this.o.people.actor(user);
  }

  /**
   * Significant events since the last look: hypotheses the diagnosis published (it writes a
   * `hypothesis` timeline entry only when its ranking changes significantly) and remediation
   * outcomes. The root card's diagnosis is not read: it is re-rendered on every re-rank.
   */
  async pollSignificant(): Promise<void> {
    const links = await this.o.store.links.withTimelineAfterCursor("jira", ["hypothesis", "action"]);
    for (const link of links) {
      const state = (link.synced ?? {}) as JiraLinkState;
      const entries = await this.o.store.timeline.listAfter(link.incidentId, Number(state.cursor ?? 0), ["hypothesis", "action"]);
      let lastCause = state.lastCause;
      for (const e of entries) {
        if (e.kind === "hypothesis") {
          if (norm(e.text) !== norm(lastCause)) {
            await this.queue.comment(link.externalId, e.text.startsWith("Diagnosis") ? e.text : `Hypothesis: ${e.text}`);
            lastCause = e.text;
          }
        } else if (ACTION_EVENTS.has(String(e.data.event))) {
          await this.queue.comment(link.externalId, `Remediation: ${e.text}`);
        }
      }
      const patch: JiraLinkState = { cursor: Number(entries.at(-1)?.id ?? state.cursor ?? 0) };
      if (lastCause !== state.lastCause) patch.lastCause = lastCause;
      await this.o.store.links.mergeSynced(link.incidentId, "jira", patch);
    }
  }

  /** Keeps one comment per slot on the incident's ticket (the postmortem copy), edited in place. */
  async keepComment(incidentId: string, slot: string, text: string): Promise<boolean> {
    const ticket = await this.ticketFor(incidentId);
    if (!ticket) return false;
    await this.queue.keepComment(ticket.key, slot, text);
    return true;
  }

  /** Creates follow-up issues linked to the incident's ticket; returns the keys (item index → key). */
  async createFollowUps(incidentId: string, items: FollowUpItem[]): Promise<Array<{ key?: string; url?: string; error?: string }>> {
    const ticket = await this.ticketFor(incidentId);
    if (!ticket) return items.map(() => ({ error: "the incident has no Jira ticket" }));
    const out: Array<{ key?: string; url?: string; error?: string }> = [];
    for (const item of items) {
      try {
        const ref = await withRetry(() => this.o.port.createLinkedIssue(ticket.key, item), this.o.retry);
        out.push({ key: ref.key, url: ref.url });
      } catch (e) {
        out.push({ error: isAppError(e) ? e.userMessage : errorMessage(e) });
      }
    }
    return out;
  }

  // ---- inbound --------------------------------------------------------------------------------

  private me: JiraUserRef | undefined;

  private async self(): Promise<JiraUserRef | undefined> {
    if (this.me) return this.me;
    try {
      this.me = await this.o.port.whoAmI();
    } catch (e) {
      this.logger.warn({ err: e }, "jira: could not tell which account aisre is");
    }
    return this.me;
  }

  /** True when the event is an echo of aisre's own change. */
  async isOwn(ev: ExternalEvent): Promise<boolean> {
    const me = await this.self();
    if (me && ev.actorId && (ev.actorId === me.accountId || ev.actor === me.accountId)) return true;
    return this.o.echo.consume("jira", ev.externalId, ev.type);
  }

  async handleEvent(ev: ExternalEvent): Promise<void> {
    const link = await this.o.store.links.byExternalId("jira", ev.externalId);
    if (!link) return;
    if (await this.isOwn(ev)) return;
    const incidentId = link.incidentId;
    const actor = ev.actor ?? "someone";
    const data = ev.data as { changes?: Array<{ field: string; fromString?: string; toString?: string }>; comment?: { body?: string }; status?: string; assignee?: string };
    // `text` is for the thread (mrkdwn), `plain` for the timeline.
    const updates: Array<{ text: string; plain: string; quote?: string; data: Record<string, unknown> }> = [];
    if (ev.type === "comment_created") {
      updates.push({ text: `${e(actor)} commented in Jira`, plain: `${actor} commented in Jira`, quote: clip(data.comment?.body ?? "", 1500), data: { comment: data.comment } });
    } else if (ev.type === "comment_updated") {
      updates.push({ text: `${e(actor)} edited a comment in Jira`, plain: `${actor} edited a comment in Jira`, quote: clip(data.comment?.body ?? "", 600), data: { comment: data.comment } });
    } else if (ev.type === "jira:issue_updated") {
      for (const c of data.changes ?? []) {
        const field = c.field.toLowerCase();
        const to = c.toString ?? "";
        const from = c.fromString ?? "";
        if (field === "status") {
          updates.push({
            text: `${e(actor)} moved the ticket from ${e(from) || "—"} to *${e(to)}*. _aisre owns the ticket's status: it follows the Slack incident (${await this.slackStatus(incidentId)}), set on the card._`,
            plain: `${actor} moved the ticket from ${from || "—"} to ${to}.`,
            data: { field, from, to },
          });
        } else if (field === "assignee") {
          const plain = to ? `${actor} assigned the ticket to ${to}.` : `${actor} unassigned the ticket${from ? ` (was ${from})` : ""}.`;
          updates.push({ text: to ? `${e(actor)} assigned the ticket to *${e(to)}*.` : e(plain), plain, data: { field, from, to } });
        } else if (field === "comment" || field === "resolution" || field === "timeestimate") {
        } else {
          const owned = this.ownedByAisre(field);
          const plain = `${actor} changed ${c.field}${from ? ` from ${from}` : ""} to ${to || "(empty)"}.`;
          updates.push({ text: `${e(actor)} changed *${e(c.field)}*${from ? ` from ${e(from)}` : ""} to ${e(to) || "(empty)"}.${owned ? " _aisre owns this field and will set it again when the incident changes._" : ""}`, plain, data: { field, from, to } });
        }
      }
    }
    if (updates.length === 0) return;
    const presenter = this.o.presenter();
    for (const u of updates) {
      await this.o.store.timeline.append({ incidentId, kind: "sync", actor: `jira:${actor}`, text: `Jira ${link.externalId}: ${u.plain}${u.quote ? `: "${clip(u.quote, 300)}"` : ""}`, data: { system: "jira", key: link.externalId, event: ev.type, ...u.data } });
      await this.o.incidents.postInThread(incidentId, presenter.externalUpdate({ system: "jira", ref: link.externalId, url: link.url, actor, text: u.text, quote: u.quote }));
    }
  }

  private ownedByAisre(field: string): boolean {
    const m = this.o.settings.mapping;
    const f = field.toLowerCase();
    const owned = this.o.settings.ownership;
    if (f === "priority") return owned.priority === "aisre";
    if (m.severityField && f === m.severityField.field.toLowerCase()) return owned.severity === "aisre";
    if (m.timelineField && f === m.timelineField.toLowerCase()) return owned.timeline === "aisre";
    if (f === "summary" || f === "description" || f === "labels") return owned[f] === "aisre";
    return false;
  }

  private async slackStatus(incidentId: string): Promise<string> {
    return (await this.o.store.incidents.get(incidentId))?.status ?? "unknown";
  }

  // ---- problems -------------------------------------------------------------------------------

  /** Tells the thread once per problem (a mapping error, a write given up) and logs it. */
  private async problem(incidentId: string | undefined, text: string, detail?: unknown): Promise<void> {
    this.logger.warn({ incident: incidentId, detail }, text);
    if (!incidentId) return;
    const key = `${incidentId}\u0000${text.slice(0, 80)}`;
    if (this.reportedProblems.has(key)) return;
    this.reportedProblems.add(key);
    await this.o.store.timeline.append({ incidentId, kind: "sync", actor: "aisre", text, data: { system: "jira", problem: true } });
    await this.o.incidents.postInThread(incidentId, this.o.presenter().note(`:warning: ${e(text)}`));
  }

  // ---- the write queue's stores, over external_links.synced -----------------------------------

  private syncedStore(): SyncedValuesStore {
    return {
      get: async (key) => {
        const link = await this.o.store.links.byExternalId("jira", key);
        return { ...((link?.synced as JiraLinkState | undefined)?.fields ?? {}) };
      },
      set: async (key, values) => {
        const link = await this.o.store.links.byExternalId("jira", key);
        if (link) await this.o.store.links.mergeSynced(link.incidentId, "jira", { fields: values } satisfies JiraLinkState);
      },
    };
  }

  private keptCommentStore(): KeptCommentStore {
    return {
      get: async (key, slot) => {
        const link = await this.o.store.links.byExternalId("jira", key);
        return (link?.synced as JiraLinkState | undefined)?.comments?.[slot];
      },
      set: async (key, slot, id) => {
        const link = await this.o.store.links.byExternalId("jira", key);
        if (!link) return;
        const comments = { ...(link.synced as JiraLinkState).comments, [slot]: id };
        await this.o.store.links.mergeSynced(link.incidentId, "jira", { comments } satisfies JiraLinkState);
      },
    };
  }
}

function norm(s: string | undefined | null): string {
  return (s ?? "").toLowerCase().replace(/\s+/g, " ").trim();
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
