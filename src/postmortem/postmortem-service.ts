import { AppError } from "../errors.ts";
import type { IncidentService } from "../incident/incident-service.ts";
import type { FollowUpItem } from "../integrations/jira/port.ts";
import type { Logger } from "../log.ts";
import type { KbEntry } from "../store/repos/knowledge.ts";
import { inTransaction, type Store } from "../store/store.ts";
import type { SlackMessage } from "../incident/presenter.ts";
import type { PostmortemSettings } from "./settings.ts";
import { effective, followUpKey, generateDoc, toJiraText, toMarkdown } from "./document.ts";
import { computeFacts, impactWindow } from "./facts.ts";
import type { RequestCounts, RequestCountsPort } from "./request-counts.ts";
import type { Alert } from "../domain/alert.ts";
import type { Incident, TimelineEntry } from "../domain/incident.ts";
import { SECTIONS, STATUS_LABEL, type EffectivePostmortem, type PostmortemDoc, type PostmortemRecord, type PostmortemStatus, type SectionKey } from "./model.ts";
import { narrativeInput, type PostmortemNarrator } from "./narrator.ts";
import { plainPostmortemPresenter, type PostmortemPresenter } from "./presenter.ts";
import { PostmortemRepo } from "../store/repos/postmortems.ts";
import { mentionUser } from "../text/slack-markup.ts";
import { keyTimeline } from "./timeline.ts";
import { isoNow, type Clock } from "../domain/clock.ts";
import { plural } from "../text/words.ts";
import { KeyedSerialQueue } from "../domain/keyed-serial.ts";
import { LeaseLoop } from "../async/lease-loop.ts";
import { backoffMs } from "../domain/backoff.ts";
import type { PostmortemHold } from "../store/repos/postmortem-holds.ts";
import { itemAt } from "../domain/indexed.ts";

/**
 * Postmortem drafts built from the incident's timeline: drafted when the incident resolves (and on
 * `/aisre postmortem`), posted in the thread and kept as one comment on the Jira ticket, both edited
 * in place. "Regenerate" rebuilds it from the timeline and keeps people's edits; "Edit" stores
 * section texts that win over generated ones. Status: draft → in review → final; a final
 * postmortem enters the knowledge base and its action items become linked Jira issues.
 */

/** What the postmortem needs from the Jira sync (kept comment, follow-up issues). */
export interface PostmortemJira {
  /** Resolves once the Jira work queued for the incident so far (creating its ticket) is done. */
  settled(incidentId: string): Promise<void>;
  ticketFor(incidentId: string): Promise<{ key: string; url?: string } | undefined>;
  keepComment(incidentId: string, slot: string, text: string): Promise<boolean>;
  createFollowUps(incidentId: string, items: FollowUpItem[]): Promise<Array<{ key?: string; url?: string; error?: string }>>;
}

export interface PostmortemServiceOptions {
  store: Store;
  incidents: IncidentService;
  settings: PostmortemSettings;
  /** Slack display names (the sync's People directory). */
  people: { slackName(userId: string): Promise<string> };
  /** The one kept-up-to-date postmortem message in the thread (the sync's KeptMessages). */
  kept: { upsert(incidentId: string, purpose: string, message: SlackMessage): Promise<void> };
  /** The one redactor (src/redact), for what leaves for the narrator's model. */
  redact: (text: string) => string;
  logger: Logger;
  knowledge?: { put(entry: KbEntry): Promise<void> };
  jira?: PostmortemJira;
  narrator?: PostmortemNarrator;
  /** How long the narrator may take before the templates are used instead. */
  narratorTimeoutMs?: number;
  presenter?: PostmortemPresenter;
  /** The system's time (the simulation's in the sandbox); default the store's. */
  clock: Clock;
  /** Measures requests and failures over the incident (Prometheus): the error budget from them, else from the impact line. */
  requests?: RequestCountsPort;
  /**
   * How long (system time) a resolution aisre made itself (its alerts went quiet) must hold before
   * the draft is written: a flapping alert's first lull resolves the incident and its next flip
   * reopens it minutes later. Default RESOLVE_HOLD_MS; 0 drafts at once. A person's resolution is
   * drafted at once.
   */
  resolveHoldMs?: number;
  /** How often (wall clock) an idle replica looks for drafts due (system time). */
  holdPollMs?: number;
  /** How long a replica's claim on a due draft holds before another may take it (renewed while it drafts). */
  holdLeaseMs?: number;
}

/** The quiet period after which aisre resolves an incident: a resolution that held as long again is drafted. */
export const RESOLVE_HOLD_MS = 5 * 60_000;

/** How long a claim on a due draft holds (renewed every third of it while drafting; the narrator may take 45 s). */
const HOLD_LEASE_MS = 30_000;
/** Attempts at a due draft before it is given up (logged; Regenerate drafts it by hand). */
const HOLD_MAX_ATTEMPTS = 8;

const PURPOSE = "postmortem";

const NEXT: Record<PostmortemStatus, PostmortemStatus[]> = { draft: ["in_review"], in_review: ["final", "draft"], final: ["in_review"] };

export class PostmortemService {
  readonly repo: PostmortemRepo<PostmortemDoc, SectionKey>;
  private readonly o: PostmortemServiceOptions;
  private readonly logger: Logger;
  private readonly presenter: PostmortemPresenter;
  private readonly serial = new KeyedSerialQueue();
  private readonly listeners: Array<() => void> = [];
  /** Drafts due on resolution (`postmortem_holds`), claimed under a lease by whichever replica looks. */
  private readonly holds: LeaseLoop<string>;

  constructor(o: PostmortemServiceOptions) {
    this.o = o;
    this.repo = new PostmortemRepo<PostmortemDoc, SectionKey>(o.store.db);
    this.logger = o.logger.child({ component: "postmortem" });
    this.presenter = o.presenter ?? plainPostmortemPresenter;
    const leaseMs = o.holdLeaseMs ?? HOLD_LEASE_MS;
    this.holds = new LeaseLoop({
      leaseMs,
      pollMs: o.holdPollMs ?? 1000,
      up: () => o.store.db.health.up(),
      pass: () => this.draftHeld(),
      renew: (ids) => o.store.postmortemHolds.renew(this.holds.owner, ids, leaseMs),
      logger: this.logger,
      failed: { pass: "looking for postmortem drafts due failed; retrying", renew: "renewing postmortem draft leases failed" },
    });
  }

  /**
   * Drafts on resolution through the store: the resolution's transaction records when its draft is
   * due (a person's at once, aisre's own once it has held, system time) and a reopen's drops it, so
   * a replica that dies inside the hold leaves the draft to any other; each replica looks for drafts
   * due and drafts one under a lease, once.
   */
  start(): void {
    this.listeners.push(
      this.o.incidents.onStatusChange(async (tx, { incident, from, by, mergedInto }) => {
        if (incident.status === "resolved") {
          // An incident merged into another has its postmortem there.
          if (!this.o.settings.onResolve || mergedInto) return;
          // aisre's own resolution is drafted once it has held: the cascading failure's flapping cache
          // alert resolved its incident at 12 min and reopened it 2 min later, and the draft posted in
          // between was one more message in the thread and a postmortem of an incident still going on.
          const hold = by === "aisre" ? (this.o.resolveHoldMs ?? RESOLVE_HOLD_MS) : 0;
          await tx.postmortemHolds.hold({ incidentId: incident.id, resolvedAt: incident.resolvedAt, by, dueAt: new Date(this.o.clock.now() + hold).toISOString() });
        } else if (from === "resolved") await tx.postmortemHolds.cancel(incident.id);
      }),
    );
    // A person's resolution is due at once: look now rather than at the next poll.
    this.listeners.push(this.o.incidents.events.subscribe("status", (incident) => (incident.status === "resolved" ? this.holds.poke() : undefined)));
    this.holds.start();
  }

  /**
   * One pass: claims the drafts due by the system's time and drafts them; a resolution reopened (or
   * resolved again) since its hold was written is dropped. Returns how many it claimed.
   */
  async draftHeld(): Promise<number> {
    const holds = this.o.store.postmortemHolds;
    const owner = this.holds.owner;
    const due = await holds.claimDue(owner, isoNow(this.o.clock), 20, this.o.holdLeaseMs ?? HOLD_LEASE_MS);
    for (const h of due) this.holds.held.add(h.incidentId);
    await Promise.all(
      due.map(async (h) => {
        try {
          await this.draftDue(h);
          await holds.done(owner, h.incidentId);
        } catch (e) {
          if (h.attempts >= HOLD_MAX_ATTEMPTS) {
            this.logger.error({ err: e, incident: h.incidentId }, "drafting the postmortem on resolve failed; given up");
            await holds.done(owner, h.incidentId);
          } else {
            this.logger.warn({ err: e, incident: h.incidentId, attempt: h.attempts }, "drafting the postmortem on resolve failed; it will be retried");
            await holds.retryLater(owner, h.incidentId, backoffMs(h.attempts - 1, { baseMs: 1000, maxMs: 60_000, random: Math.random() }), e instanceof Error ? e.message : String(e));
          }
        } finally {
          this.holds.held.delete(h.incidentId);
        }
      }),
    );
    return due.length;
  }

  private async draftDue(h: PostmortemHold): Promise<void> {
    const [incident, card] = await Promise.all([this.o.store.incidents.get(h.incidentId), this.o.store.incidents.card(h.incidentId)]);
    if (incident?.status !== "resolved" || incident.resolvedAt !== h.resolvedAt || card.mergedInto) return;
    // A claim after an attempt that saved its draft and then failed (or died) publishes that draft, not a second one.
    const saved = h.attempts > 1 ? await this.repo.get(h.incidentId) : undefined;
    if (saved && saved.version > h.baseVersion) await this.run(h.incidentId, () => this.publish(saved));
    else await this.draft(h.incidentId, h.by);
  }

  /**
   * Stops listening and looking for drafts due; a draft in progress gets a bounded chance to finish
   * (one due on resolution that does not is drafted by the replica that claims it once its lease runs out).
   */
  async stop(): Promise<void> {
    for (const off of this.listeners.splice(0)) off();
    await Promise.race([this.holds.stop().then(() => this.serial.idle()), new Promise((r) => setTimeout(r, 5_000).unref?.())]);
  }

  /** Drafts due now are drafted (by this replica or another) and nothing is being drafted here (tests, the eval). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.holds.held.size === 0 && (await this.o.store.postmortemHolds.dueCount(isoNow(this.o.clock), this.holds.owner)) === 0) break;
      if (this.holds.running) this.holds.poke();
      else await this.draftHeld();
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.serial.idle();
  }

  private run<T>(incidentId: string, fn: () => Promise<T>): Promise<T> {
    return this.serial.run(incidentId, fn);
  }

  async get(incidentId: string): Promise<EffectivePostmortem | undefined> {
    const r = await this.repo.get(incidentId);
    return r ? effective(r) : undefined;
  }

  /** Drafts (or regenerates) the postmortem from the timeline, keeping edits and status. */
  draft(incidentId: string, by: string): Promise<EffectivePostmortem> {
    return this.run(incidentId, async () => {
      const doc = await this.build(incidentId);
      const record = await this.repo.saveGenerated(doc, by);
      await this.o.store.timeline.append({ incidentId, kind: "note", actor: by, text: `Postmortem ${record.version === 1 ? "drafted" : "regenerated"} (v${record.version}, ${doc.narrative === "template" ? "templates" : doc.narrative})`, data: { postmortem: true, version: record.version } });
      return this.publish(record, record.version === 1 ? undefined : `regenerated by ${by === "aisre" ? "aisre" : mentionUser(by)}`);
    });
  }

  /**
   * Stores people's text for sections; a text equal to the generated one, or a section listed in
   * `cleared`, drops the edit (the section shows aisre's text again).
   */
  edit(incidentId: string, changes: Partial<Record<SectionKey, string>>, by: string, cleared: SectionKey[] = []): Promise<EffectivePostmortem> {
    return this.run(incidentId, async () => {
      const current = await this.repo.get(incidentId);
      if (!current) throw new AppError("postmortem_not_found", `There is no postmortem for ${incidentId} yet: \`/aisre postmortem ${incidentId}\` drafts one.`, { status: 404 });
      const edits = { ...current.edits };
      const now = effective(current);
      let changed = 0;
      for (const k of cleared) {
        if (k in edits) {
          delete edits[k];
          changed++;
        }
      }
      for (const k of SECTIONS) {
        const v = changes[k];
        if (v === undefined) continue;
        const text = v.replace(/\r\n/g, "\n").trim();
        if (text === now.sections[k].trim()) continue;
        changed++;
        if (text === current.generated.sections[k].trim()) delete edits[k];
        else edits[k] = text;
      }
      if (changed === 0) return now;
      const record = (await this.repo.setEdits(incidentId, edits, by))!;
      await this.o.store.timeline.append({ incidentId, kind: "note", actor: by, text: `Postmortem edited (v${record.version})`, data: { postmortem: true, version: record.version } });
      if (record.status === "final") await this.finalise(record);
      return this.publish((await this.repo.get(incidentId))!, `edited by ${mentionUser(by)}`);
    });
  }

  /** draft → in review → final (and back a step). Final: knowledge base and follow-up issues. */
  setStatus(incidentId: string, to: PostmortemStatus, by: string): Promise<EffectivePostmortem> {
    return this.run(incidentId, async () => {
      const current = await this.repo.get(incidentId);
      if (!current) throw new AppError("postmortem_not_found", `There is no postmortem for ${incidentId} yet.`, { status: 404 });
      if (current.status === to) return effective(current);
      const from = (Object.keys(NEXT) as PostmortemStatus[]).filter((s) => NEXT[s].includes(to));
      if (!from.includes(current.status)) throw new AppError("postmortem_status", `A ${STATUS_LABEL[current.status].toLowerCase()} postmortem cannot go to ${STATUS_LABEL[to].toLowerCase()} directly.`, { status: 409 });
      const record = await this.repo.setStatus(incidentId, from, to, by);
      if (!record) return effective((await this.repo.get(incidentId))!);
      await this.o.store.timeline.append({ incidentId, kind: "note", actor: by, text: `Postmortem ${STATUS_LABEL[current.status].toLowerCase()} → ${STATUS_LABEL[to].toLowerCase()}`, data: { postmortem: true, from: current.status, to } });
      if (to === "final") await this.finalise(record);
      return this.publish((await this.repo.get(incidentId))!, `${STATUS_LABEL[to].toLowerCase()} — by ${mentionUser(by)}`);
    });
  }

  // ---- building -------------------------------------------------------------------------------

  private async build(incidentId: string) {
    const s = this.o.store;
    // A ticket still being created belongs in the postmortem (and gets its copy).
    await this.o.jira?.settled(incidentId);
    const incident = await s.incidents.get(incidentId);
    if (!incident) throw new AppError("incident_not_found", `No incident ${incidentId}.`, { status: 404 });
    const [entries, alerts, card, jira, pd] = await Promise.all([s.timeline.list(incidentId), s.alerts.byIncident(incidentId), s.incidents.card(incidentId), s.links.get(incidentId, "jira"), s.links.get(incidentId, "pagerduty")]);
    // The postmortem's own events are not part of the incident's story.
    const timeline = entries.filter((e) => e.data.postmortem !== true);
    const pdNumber = (pd?.synced as { number?: number } | undefined)?.number;
    const slo = { ...this.o.settings.slo, ...(incident.services.map((x) => this.o.settings.services[x]).find(Boolean) ?? {}) };
    // The system's clock (the simulation's in the sandbox), like the timeline's times.
    const now = isoNow(this.o.clock);
    // Titled by what the incident turned out to be (the worst it got and its cause), not by its first signal.
    const title = card.resolvedHeadline ?? card.headline;
    const requests = await this.measure(incident, alerts, now, timeline);
    const facts = computeFacts({
      incident: title ? { ...incident, title } : incident,
      timeline,
      alerts,
      diagnosis: card.diagnosis,
      impact: card.impact,
      links: { jira: jira ? { key: jira.externalId, url: jira.url } : undefined, pagerduty: pd ? { ref: `PagerDuty #${pdNumber ?? pd.externalId}`, url: pd.url } : undefined },
      slo: { objective: slo.objective ?? 99.9, windowDays: slo.windowDays ?? 30 },
      now,
      ...(requests?.length ? { requests } : {}),
    });
    const moments = keyTimeline(timeline, { maxLines: 60 });
    const base = generateDoc(facts, moments, { dueDays: this.o.settings.actionItemDueDays, now });
    if (!this.o.narrator) return base;
    const names = await this.names([...timeline.map((e) => e.actor), ...Object.values(base.sections)]);
    try {
      const input = narrativeInput(facts, moments, base.sections, this.o.redact, (a) => names.get(a) ?? a);
      const sections = await Promise.race([this.o.narrator.narrate(input), new Promise<never>((_r, reject) => setTimeout(() => reject(new Error("the narrator took too long")), this.o.narratorTimeoutMs ?? 45_000).unref?.())]);
      return generateDoc(facts, moments, { dueDays: this.o.settings.actionItemDueDays, now, narrative: { name: this.o.narrator.name, sections } });
    } catch (e) {
      this.logger.warn({ err: e, incident: incidentId }, "the LLM narrative failed; the postmortem uses the templates");
      return base;
    }
  }

  /** The incident's services' requests over its impact window, when a metrics backend can tell (else undefined). */
  private async measure(incident: Incident, alerts: ReadonlyArray<Pick<Alert, "startsAt">>, now: string, timeline: readonly TimelineEntry[]): Promise<RequestCounts[] | undefined> {
    if (!this.o.requests || incident.services.length === 0) return undefined;
    const lastResolve = [...timeline].reverse().find((e) => e.kind === "status" && e.data.to === "resolved");
    const w = impactWindow(incident, alerts, now, lastResolve?.at);
    try {
      return await this.o.requests.count(incident.services, Date.parse(w.startedAt), Date.parse(w.end));
    } catch (e) {
      this.logger.warn({ err: e, incident: incident.id }, "requests over the incident not measured; the error budget comes from the impact line");
      return undefined;
    }
  }

  /** Slack user ids (as actors or `<@U…>` mentions) → names, for Jira and the knowledge base. */
  private async names(texts: string[]): Promise<Map<string, string>> {
    const ids = new Set<string>();
    for (const t of texts) {
      if (/^[UW][A-Z0-9_]+$/.test(t)) ids.add(t);
      for (const [, id] of t.matchAll(/<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>/g)) if (id) ids.add(id);
    }
    const out = new Map<string, string>();
    for (const id of ids) out.set(id, await this.o.people.slackName(id));
    return out;
  }

  // ---- publishing -----------------------------------------------------------------------------

  /** Posts or edits the thread message and the Jira comment; records the status for the card. */
  private async publish(record: PostmortemRecord, note?: string): Promise<EffectivePostmortem> {
    const p = effective(record);
    const jira = await this.o.jira?.ticketFor(p.incidentId);
    await this.o.kept.upsert(p.incidentId, PURPOSE, this.presenter.message(p, { jira, note }));
    if (this.o.jira) {
      const names = await this.names([...p.timeline.map((m) => m.actor), ...Object.values(p.sections), ...p.actionItems.map((i) => i.owner ?? "")]);
      const kept = await this.o.jira.keepComment(p.incidentId, PURPOSE, toJiraText(p, { name: (x) => names.get(x) ?? x }));
      if (!kept) this.logger.info({ incident: p.incidentId }, "no Jira ticket: the postmortem stays in Slack");
    }
    await this.recordLink(p);
    return p;
  }

  /** The `postmortem` external link (status and version), for the root card. */
  private async recordLink(p: EffectivePostmortem): Promise<void> {
    const label = `${STATUS_LABEL[p.status]} v${p.version}`;
    // The card's edit is wanted in the transaction that records the status it shows.
    await inTransaction(this.o.store, async (tx) => {
      const created = await tx.links.create({ incidentId: p.incidentId, system: "postmortem", externalId: `${p.incidentId}:postmortem`, synced: { status: p.status, version: p.version, label } });
      if (!created) await tx.links.mergeSynced(p.incidentId, "postmortem", { status: p.status, version: p.version, label });
      await this.o.incidents.markCardDirty(tx, p.incidentId);
    });
  }

  /** A final postmortem: into the knowledge base; action items without an issue become linked Jira issues. */
  private async finalise(record: PostmortemRecord): Promise<void> {
    let p = effective(record);
    if (this.o.jira) {
      const todo = p.actionItems.filter((i) => !i.jiraKey);
      if (todo.length) {
        const names = await this.names(todo.map((i) => i.owner ?? ""));
        const created = await this.o.jira.createFollowUps(
          p.incidentId,
          todo.map((i) => ({
            summary: i.text,
            dueDate: i.due,
            description: `Action item from the postmortem of ${p.incidentId} (${p.title}).${i.owner ? ` Owner: ${names.get(i.owner) ?? i.owner}.` : ""}`,
            labels: ["postmortem"],
          })),
        );
        const map: Record<string, { key: string; url?: string }> = {};
        created.forEach((c, n) => {
          const item = itemAt(todo, n, "follow-up item").text;
          if (c.key) map[followUpKey(item)] = { key: c.key, url: c.url };
          else this.logger.warn({ incident: p.incidentId, item, error: c.error }, "follow-up issue not created");
        });
        if (Object.keys(map).length) {
          p = effective((await this.repo.addFollowUps(p.incidentId, map))!);
          await this.o.store.timeline.append({
            incidentId: p.incidentId,
            kind: "note",
            actor: "aisre",
            text: `Follow-up issues created: ${Object.values(map)
              .map((m) => m.key)
              .join(", ")}`,
            data: { postmortem: true },
          });
        }
        const failed = created.filter((c) => c.error);
        const [firstFailure] = failed;
        if (firstFailure)
          await this.o.incidents.postInThread(p.incidentId, {
            text: `:warning: ${plural(failed.length, "follow-up issue")} could not be created in Jira: ${firstFailure.error}`,
            blocks: [{ type: "section", text: { type: "mrkdwn", text: `:warning: ${plural(failed.length, "follow-up issue")} could not be created in Jira: ${firstFailure.error}` } }],
          });
      }
    }
    if (this.o.knowledge) {
      const names = await this.names([...p.timeline.map((m) => m.actor), ...Object.values(p.sections), ...p.actionItems.map((i) => i.owner ?? "")]);
      await this.o.knowledge.put({
        id: `postmortem:${p.incidentId}`,
        kind: "postmortem",
        title: `Postmortem: ${p.title}`,
        body: toMarkdown(p, { name: (x) => names.get(x) ?? x }),
        meta: {
          incidentId: p.incidentId,
          severity: p.facts.severity,
          services: p.facts.services,
          startedAt: p.facts.startedAt,
          durationMinutes: p.facts.durationMinutes ?? null,
          rootCause: p.sections.rootCause.slice(0, 500),
          trigger: p.sections.trigger.slice(0, 300),
          jira: p.facts.ticket?.key ?? null,
        },
      });
    }
  }
}
