import { incidentMetadata } from "./message-metadata.ts";
import { spanText } from "../text/spans.ts";
import { leaseOwner } from "../async/lease-loop.ts";
import type { Alert, ChangeEvent, Severity } from "../domain/alert.ts";
import { newIncidentId } from "../domain/ids.ts";
import type { Incident, IncidentStatus } from "../domain/incident.ts";
import { dependenciesOf, dependentsOf, EMPTY_TOPOLOGY, type Topology } from "../domain/topology.ts";
import { DEFAULT_GROUPING, groupAlert, mergeFor, splitByChange, OWN_CLAIM, takesAlertFrom, type GroupingDecision, type GroupingOptions, type OpenIncidentView, type RecentChange } from "../correlate/grouping.ts";
import { DEFAULT_LIFECYCLE, fallenSeverity, isFlapping, quietAfterFix, quietEnough, recordFlip, reopenDecision, reopensOf, resolvingLifecycle, type LifecycleOptions } from "../correlate/lifecycle.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import { createStore, inTransaction, type Store } from "../store/store.ts";
import type { RenderClaim, RenderPart } from "../store/repos/incident-renders.ts";
import { digestIsEmpty } from "./digest.ts";
import { foldedDigest } from "./digest-render.ts";
import { COALESCE_EVENTS_MS, COALESCED_EVENT_KINDS, type DurableEventSink, type DurableIncidentEvent, IncidentEvents } from "./incident-events.ts";
import { resolutionSummary, resolverOf } from "./resolution.ts";
import { peakSeverity } from "../domain/severity.ts";
import { rootRef, type OutboxSender } from "./outbox-sender.ts";
import type { IncidentCardView, IncidentPresenter, SlackMessage } from "./presenter.ts";
import { channelFor, type Routing } from "./routing.ts";
import { type Clock } from "../domain/clock.ts";
import { mentionUser } from "../text/slack-markup.ts";
import { STATUS_LABEL, type PostmortemStatus } from "../domain/postmortem.ts";
import { withLock } from "../store/locks.ts";
import { KeyedSerialQueue } from "../domain/keyed-serial.ts";
import { listWords, noun } from "../text/words.ts";

const severityRank = (s: Severity) => Number(s.slice(3));

export interface IngestResult {
  opened: string[];
  joined: number;
  duplicates: number;
  ignored: number;
  changesAttached: number;
}

/** Timeline events that end a remediation's run: it helped (verified; skipped, found healthy) or not (unverified, failed). */
const FIX_OUTCOMES = new Set(["verified", "skipped", "unverified", "failed"]);

/** The card's postmortem link: its status once, in words ("Draft, in the thread"), never "draft … (draft)". */
export function postmortemLinkText(status: string): string {
  const label = STATUS_LABEL[status as PostmortemStatus] ?? status.replace(/_/g, " ");
  return `${label}, in the thread`;
}

/** The purpose under which an incident's digest message is recorded (slack_messages). */
export const DIGEST_PURPOSE = "digest";

/** How long a replica holds a claimed render (it takes milliseconds; a dead replica's runs out). */
const RENDER_LEASE_MS = 30_000;
/** Renders claimed at a time. */
const RENDER_PAGE = 50;
/** A render that failed, or waits for its message's post, is claimable again after this long. */
const RENDER_RETRY_MS = 1000;

/**
 * What another capability records in the transaction of a status change (`tx`): it commits with the
 * change or not at all (the postmortem's hold on a resolution, dropped by a reopen).
 */
export type StatusChangeHook = (tx: Store, change: { incident: Incident; from: IncidentStatus; by: string; mergedInto?: string }) => Promise<void>;

/** Queues an incident's render through `s` (the render's transaction): "later" gives it back for a moment. */
type Render = (s: Store, incident: Incident) => Promise<"done" | "later">;

export interface IncidentServiceOptions {
  store: Store;
  logger: Logger;
  presenter: IncidentPresenter;
  routing: Routing;
  defaultChannel: string;
  topology?: () => Topology;
  metrics?: AppMetrics;
  outbox?: OutboxSender;
  grouping?: GroupingOptions;
  /** The `for` (ms) of the Prometheus alerting rules by alert name, as last learnt (a rule alert's condition began that long before it fired). */
  ruleForMs?: () => Readonly<Record<string, number>>;
  lifecycle?: LifecycleOptions;
  /** Minimum time between edits of one incident's card, and of its digest (coalescing; wall-clock, as Slack paces edits). */
  threadFlushMs?: number;
  /** The system's time (the simulation's in the sandbox). */
  clock: Clock;
  /** Durable consumers of incident events (the outbound sync): their rows are written with the change. */
  durable?: DurableEventSink;
}

/**
 * The incident spine: alerts in, one incident per real problem, one root card edited in place,
 * details coalesced into the thread. Decisions are serialised (a lock in the database) so several
 * replicas never open two incidents for one failure.
 */
export class IncidentService {
  readonly events = new IncidentEvents();
  private readonly o: Required<Omit<IncidentServiceOptions, "metrics" | "outbox" | "durable">> & Pick<IncidentServiceOptions, "metrics" | "outbox" | "durable">;
  /** This replica's name on the renders it claims (incident_renders). */
  private readonly renderOwner = leaseOwner();
  private resolutionQuestion?: (incidentId: string) => Promise<SlackMessage | undefined>;
  private readonly statusHooks: StatusChangeHook[] = [];
  private readonly flips = new Map<string, number[]>();
  private readonly decisions = new KeyedSerialQueue();

  /** The grouping options with the rules' `for`s as last learnt. */
  private groupingNow(): GroupingOptions {
    const ruleForMs = this.o.ruleForMs();
    return Object.keys(ruleForMs).length > 0 ? { ...this.o.grouping, ruleForMs: { ...this.o.grouping.ruleForMs, ...ruleForMs } } : this.o.grouping;
  }

  constructor(options: IncidentServiceOptions) {
    this.o = {
      topology: () => EMPTY_TOPOLOGY,
      grouping: DEFAULT_GROUPING,
      ruleForMs: () => ({}),
      lifecycle: DEFAULT_LIFECYCLE,
      threadFlushMs: 1000,
      ...options,
    };
  }

  private get store(): Store {
    return this.o.store;
  }

  /** Runs decisions one at a time in this process, and under a database lock across replicas. */
  private serial<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    return this.decisions.run("correlate", () => withLock(this.store.db, "correlate", (tx) => fn(createStore(tx, this.store.clock))));
  }

  /**
   * An incident event: stored for each durable consumer in the change's own transaction (so a crash
   * after the commit cannot drop it), and emitted in this process once the change is committed.
   */
  private async publish(s: Store, notify: Array<() => void>, event: DurableIncidentEvent): Promise<void> {
    await this.publishMany(s, notify, [event]);
  }

  /** Several incident events (at most one per incident and kind) in one statement. */
  private async publishMany(s: Store, notify: Array<() => void>, events: readonly DurableIncidentEvent[]): Promise<void> {
    if (events.length === 0) return;
    const consumers = this.o.durable?.consumers() ?? [];
    if (consumers.length > 0) {
      // A storm's batches each touch the incident: their alerts events fold into one that waits a moment.
      await s.incidentEvents.append(
        events.flatMap(({ kind, ...payload }) => consumers.map((consumer) => ({ incidentId: payload.incident.id, consumer, kind, payload }))),
        { kinds: COALESCED_EVENT_KINDS, delayMs: COALESCE_EVENTS_MS },
      );
    }
    for (const event of events) this.emitAfterCommit(notify, event, consumers.length > 0);
  }

  private emitAfterCommit(notify: Array<() => void>, event: DurableIncidentEvent, durable: boolean): void {
    notify.push(() => {
      switch (event.kind) {
        case "opened":
          this.events.emit("opened", event.incident);
          break;
        case "status":
          this.events.emit("status", event.incident, event.from, event.by);
          break;
        case "severity":
          this.events.emit("severity", event.incident, event.by, event.from);
          break;
        case "headline":
          this.events.emit("headline", event.incident, event.headline);
          break;
        default:
          break;
      }
      if (durable) this.o.durable?.poke();
    });
  }

  /**
   * The card's headline changed (the diagnosis wrote it in `s`, its transaction): stored for each
   * durable consumer in that same transaction, so the Jira summary and the page title follow it even
   * when this process dies right after the commit. Returns what to run once it committed.
   */
  async headlineChanged(s: Store, incident: Incident, headline: string): Promise<() => void> {
    const notify: Array<() => void> = [];
    await this.publish(s, notify, { kind: "headline", incident, headline });
    return () => {
      for (const n of notify) n();
    };
  }

  /** Decides a delivery's alerts and changes; `alsoInTransaction` runs in the transaction that writes them (see DeliveryHandlers). */
  async ingest(delivery: { alerts: Alert[]; changes: ChangeEvent[] }, alsoInTransaction?: (tx: Store) => Promise<void>): Promise<IngestResult> {
    const result: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };
    const notify: Array<() => void> = [];
    await this.serial(async (s) => {
      if (delivery.alerts.length) await this.ingestAlerts(s, delivery.alerts, result, notify);
      for (const change of delivery.changes) result.changesAttached += await this.ingestChange(s, change, notify);
      await alsoInTransaction?.(s);
    });
    for (const n of notify) n();
    this.o.outbox?.poke();
    return result;
  }

  /**
   * The open incidents as grouping sees them. `labels`: with a sample of each one's alert labels,
   * which grouping compares only for an alert without a service (a batch of alerts that all name
   * their service leaves them unread: a storm's batch read 20 label sets of every open incident).
   */
  private async openViews(s: Store, o: { labels: boolean }): Promise<{ incidents: Map<string, Incident>; views: Map<string, OpenIncidentView>; changes: RecentChange[] }> {
    // The incidents, their suspected causes, whether they fire and their recoveries: one statement.
    const rows = await s.incidents.openForGrouping();
    const incidents = new Map(rows.map((r) => [r.incident.id, r.incident]));
    const views = new Map<string, OpenIncidentView>();
    const ids = [...incidents.keys()];
    const now = this.o.clock.now();
    for (const { incident: inc, suspectedCause: cause, firing, recoveredAt: recovered } of rows) {
      views.set(inc.id, {
        id: inc.id,
        services: inc.services,
        // An incident with an alert still firing is active now, however long ago its last change was.
        lastActivityMs: firing ? now : Date.parse(inc.updatedAt),
        labelSets: [],
        openedAtMs: Date.parse(inc.createdAt),
        serviceOnsetMs: {},
        ...(cause ? { suspectedCause: cause } : {}),
        ...(recovered ? { recoveredAtMs: Date.parse(recovered) } : {}),
      });
    }
    if (views.size > 0) {
      // A sample of each incident's labels is enough for similarity; a storm's thousands are not needed.
      if (o.labels) for (const r of await s.alerts.labelSamples(ids, 20)) views.get(r.incidentId)!.labelSets.push(r.labels);
      const anchors = rows.map(({ incident: i, suspectedCause: cause }) => ({ incidentId: i.id, services: [...i.services, ...(cause !== undefined ? [cause] : [])] }));
      for (const r of await s.alerts.serviceOnsets(anchors)) views.get(r.incidentId)!.serviceOnsetMs![r.service] = Date.parse(r.since);
    }
    // Deploys and config changes made lately: a service changed after an incident began has a fault of its own.
    const changes =
      views.size === 0
        ? []
        : (await s.changes.between(undefined, new Date(now - this.o.grouping.freshChangeMs - this.o.grouping.windowMs).toISOString(), new Date(now).toISOString()))
            .filter((c) => c.kind === "deploy" || c.kind === "config")
            .map((c) => ({ service: c.service, atMs: Date.parse(c.at), what: `${c.kind}${c.version ? ` ${c.version}` : ""}` }));
    return { incidents, views, changes };
  }

  private group(alert: Alert, now: number, views: Map<string, OpenIncidentView>, changes: readonly RecentChange[]): GroupingDecision {
    return groupAlert(alert, now, [...views.values()], this.o.topology(), this.groupingNow(), changes);
  }

  /**
   * Decides every alert of a delivery in memory, then writes them in a few statements: a storm
   * arrives in batches, and one round trip per alert would not keep up.
   */
  private async ingestAlerts(s: Store, alerts: Alert[], result: IngestResult, notify: Array<() => void>): Promise<void> {
    const now = this.o.clock.now();
    const { incidents, views, changes } = await this.openViews(s, { labels: alerts.some((a) => !a.service) });
    const existing = await s.alerts.getMany([...new Set(alerts.map((a) => a.fingerprint))]);
    const upserts = new Map<string, { alert: Alert; incidentId?: string; joinReason?: string }>();
    const timeline: Parameters<Store["timeline"]["appendMany"]>[0] = [];
    const touched = new Set<string>();
    // Incidents whose digest and card are to be rendered again (stored as wanted with this change).
    const digests = new Set<string>();
    const cards = new Set<string>();
    // Incidents whose severity an alert raised: the severity before, and the alert that raised it last.
    const raised = new Map<string, { from: Severity; alert: Alert }>();
    const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : undefined);

    for (const alert of alerts) {
      const prev = existing.get(alert.fingerprint);
      if (prev && prev.status === alert.status && prev.startsAt === iso(alert.startsAt) && (alert.status === "firing" || prev.endsAt === iso(alert.endsAt))) {
        result.duplicates++;
        continue;
      }
      const flip = prev && prev.status !== alert.status ? recordFlip(this.flips.get(alert.fingerprint) ?? [], now, this.o.lifecycle) : undefined;
      if (flip) this.flips.set(alert.fingerprint, flip.flips);

      let incident = prev?.incidentId ? (incidents.get(prev.incidentId) ?? (await s.incidents.get(prev.incidentId))) : undefined;
      let reason: string | undefined;
      if (incident && incident.status !== "resolved" && prev?.status === "resolved" && alert.status === "firing" && !isFlapping(this.flips.get(alert.fingerprint) ?? [], now, this.o.lifecycle)) {
        // Fired again while its incident is still open: a new occurrence, grouped again. Another open
        // incident with a strong claim (its symptom, or its own service) takes it — the fault it was
        // part of may be fixed and this a new one — otherwise it stays (the same rule as a reopen's).
        const again = this.group(alert, now, views, changes);
        if (takesAlertFrom(again, incident.id) && incidents.get(again.incidentId)) {
          incident = incidents.get(again.incidentId);
          reason = `fired again; ${again.reason}`;
        }
      }
      if (incident?.status === "resolved") {
        const decision =
          alert.status === "firing" && incident.resolvedAt
            ? reopenDecision(
                {
                  resolvedAtMs: Date.parse(incident.resolvedAt),
                  nowMs: now,
                  sameFingerprint: true,
                  ownService: true,
                  flapping: isFlapping(this.flips.get(alert.fingerprint) ?? [], now, this.o.lifecycle),
                  anomaly: alert.source === "anomaly",
                  // Only a strong claim of an open incident keeps its own alert from reopening it (the open path's rule).
                  openIncidentExplainsIt: takesAlertFrom(this.group(alert, now, views, changes), incident.id),
                },
                this.o.lifecycle,
              )
            : undefined;
        if (decision?.reopen) {
          incident = await this.setStatus(s, incident, "open", "aisre", `${alert.name}${alert.service ? ` on ${alert.service}` : ""} ${decision.why}`, notify);
          incidents.set(incident.id, incident);
          views.set(incident.id, { id: incident.id, services: incident.services, lastActivityMs: now, labelSets: [alert.labels], openedAtMs: Date.parse(incident.createdAt), serviceOnsetMs: {} });
        } else if (alert.status === "firing" && isFlapping(this.flips.get(alert.fingerprint) ?? [], now, this.o.lifecycle)) {
          // A flapping alert of a resolved incident stays with it, in its timeline only.
          upserts.set(alert.fingerprint, { alert, incidentId: incident.id });
          existing.set(alert.fingerprint, { ...alert, startsAt: iso(alert.startsAt)!, endsAt: iso(alert.endsAt), incidentId: incident.id, flaps: 0, lastSeenAt: "" });
          timeline.push({
            incidentId: incident.id,
            kind: "alert",
            actor: alert.source,
            text: `${alert.name} fired again${alert.service ? ` on ${alert.service}` : ""} — flapping, so it does not reopen the incident`,
            data: { fingerprint: alert.fingerprint, status: alert.status, severity: alert.severity, service: alert.service, flapping: true, labels: alert.labels },
          });
          result.ignored++;
          continue;
        } else {
          incident = undefined;
        }
      }
      // Grouped once: the decision reads the open incidents, which nothing changes before it is taken below unless an incident reopens.
      let grouped: GroupingDecision | undefined;
      if (!incident && alert.status === "firing" && alert.source !== "anomaly") {
        grouped = this.group(alert, now, views, changes);
        // Another alert on a service that alerted in an incident resolved moments ago: the same problem back.
        const back = await this.recentlyResolvedFor(s, alert, grouped, now, isFlapping(this.flips.get(alert.fingerprint) ?? [], now, this.o.lifecycle));
        if (back) {
          incident = await this.setStatus(s, back.incident, "open", "aisre", back.status, notify);
          incidents.set(incident.id, incident);
          views.set(incident.id, { id: incident.id, services: incident.services, lastActivityMs: now, labelSets: [alert.labels], openedAtMs: Date.parse(incident.createdAt), serviceOnsetMs: {} });
          reason = back.reason;
        }
      }
      if (!incident) {
        if (alert.status === "resolved") {
          upserts.set(alert.fingerprint, { alert, incidentId: prev?.incidentId });
          existing.set(alert.fingerprint, { ...alert, startsAt: iso(alert.startsAt)!, endsAt: iso(alert.endsAt), incidentId: prev?.incidentId, flaps: 0, lastSeenAt: "" });
          // An alert of a resolved incident (an anomaly that lagged its resolution) ending: the
          // digest and the card stop calling it firing.
          if (prev?.incidentId && prev.status === "firing") {
            timeline.push({
              incidentId: prev.incidentId,
              kind: "alert",
              actor: alert.source,
              text: `${alert.name} resolved${alert.service ? ` on ${alert.service}` : ""} (after the incident was resolved)`,
              data: { fingerprint: alert.fingerprint, name: alert.name, status: alert.status, severity: alert.severity, service: alert.service, labels: alert.labels },
            });
            digests.add(prev.incidentId);
            cards.add(prev.incidentId);
          }
          result.ignored++;
          continue;
        }
        const decision = grouped ?? this.group(alert, now, views, changes);
        if (decision.kind === "join") {
          let joined = decision.incidentId;
          // Two open incidents that both explain this alert are one failure: the later folds into the first.
          const plan = mergeFor(alert, now, [...views.values()], this.o.topology(), this.groupingNow(), changes);
          if (plan) {
            for (const m of plan.merge) {
              await this.merge(s, plan.into, m.id, m.reason, { incidents, views, upserts, existing, timeline, touched, raised, result }, notify);
              if (joined === m.id) joined = plan.into;
            }
          }
          incident = incidents.get(joined);
          reason = decision.reason;
        } else {
          incident = await this.open(s, { title: alert.summary || `${alert.name} on ${alert.service ?? "unknown service"}`, severity: alert.severity, services: alert.service ? [alert.service] : [], origin: alert.source === "anomaly" ? "detected" : "alert" }, notify);
          reason = `first alert (${decision.reason})`;
          incidents.set(incident.id, incident);
          views.set(incident.id, { id: incident.id, services: incident.services, lastActivityMs: now, labelSets: [], openedAtMs: now, serviceOnsetMs: {} });
          result.opened.push(incident.id);
          await this.attachRecentChanges(s, incident);
        }
      }
      if (!incident) continue;
      if (alert.status === "firing") this.o.logger.debug({ incident: incident.id, alert: alert.name, service: alert.service, reason }, "alert grouped");
      upserts.set(alert.fingerprint, { alert, incidentId: incident.id, joinReason: reason });
      existing.set(alert.fingerprint, { ...alert, startsAt: iso(alert.startsAt)!, endsAt: iso(alert.endsAt), incidentId: incident.id, flaps: 0, lastSeenAt: "" });
      const view = views.get(incident.id);
      if (view) {
        view.lastActivityMs = now;
        if (view.labelSets.length < 20) view.labelSets.push(alert.labels);
        const starts = Date.parse(alert.startsAt);
        if (alert.service && view.serviceOnsetMs && Number.isFinite(starts) && !(starts >= (view.serviceOnsetMs[alert.service] ?? Number.POSITIVE_INFINITY))) view.serviceOnsetMs[alert.service] = starts;
      }
      if (alert.service && !incident.services.includes(alert.service)) {
        incident = { ...incident, services: [...incident.services, alert.service] };
        if (view) view.services = incident.services;
      }
      if (alert.status === "firing" && severityRank(alert.severity) < severityRank(incident.severity)) {
        if (!raised.has(incident.id)) raised.set(incident.id, { from: incident.severity, alert });
        else raised.get(incident.id)!.alert = alert;
        incident = { ...incident, severity: alert.severity };
      }
      incidents.set(incident.id, incident);
      touched.add(incident.id);

      const verb = alert.status === "firing" ? "fired" : "resolved";
      const quiet = flip?.flapping ?? false;
      timeline.push({
        incidentId: incident.id,
        kind: "alert",
        actor: alert.source,
        text: `${alert.name} ${verb}${alert.service ? ` on ${alert.service}` : ""}${reason ? ` — ${reason}` : ""}`,
        data: { fingerprint: alert.fingerprint, name: alert.name, status: alert.status, severity: alert.severity, service: alert.service, reason, labels: alert.labels, ...(quiet ? { flapping: true } : {}) },
      });
      if (alert.status === "firing") result.joined++;

      // The founding alert is on the root card already; the thread's digest hears about the ones that
      // join. A flapping alert's flips are in the timeline and the digest's next edit, never a message.
      if (result.opened.includes(incident.id) && reason?.startsWith("first alert")) continue;
      digests.add(incident.id);
    }

    await s.alerts.upsertMany([...upserts.values()]);
    await s.timeline.appendMany(timeline);
    // The touched incidents in one statement, their events in another: not a round trip each.
    const stored = await s.incidents.touchMany([...touched].map((id) => ({ id, services: incidents.get(id)!.services, severity: incidents.get(id)!.severity })));
    const joined: DurableIncidentEvent[] = [];
    const rises: DurableIncidentEvent[] = [];
    const byIncident = new Map<string, Alert[]>();
    for (const a of alerts) {
      const id = upserts.get(a.fingerprint)?.incidentId;
      if (!id || !touched.has(id)) continue;
      const list = byIncident.get(id);
      if (list) list.push(a);
      else byIncident.set(id, [a]);
    }
    for (const id of touched) {
      const updated = stored.get(id) ?? incidents.get(id)!;
      if (result.opened.includes(id)) await this.postRoot(s, id);
      else cards.add(id);
      const batch = byIncident.get(id) ?? [];
      notify.push(() => this.events.emit("alerts", updated, batch));
      joined.push({ kind: "alerts", incident: updated });
      const rise = raised.get(id);
      if (rise && !result.opened.includes(id) && rise.from !== updated.severity) {
        const why = `${rise.alert.name}${rise.alert.service ? ` on ${rise.alert.service}` : ""} fired at ${updated.severity.toUpperCase()}`;
        await s.timeline.append({ incidentId: id, kind: "status", actor: "aisre", text: `Severity ${rise.from} → ${updated.severity}: ${why}`, data: { from: rise.from, to: updated.severity, why } });
        rises.push({ kind: "severity", incident: updated, by: "aisre", from: rise.from });
      }
    }
    await this.publishMany(s, notify, joined);
    await this.publishMany(s, notify, rises);
    // A card just posted shows what this delivery wrote; one opened by a storm's first alert is not edited in the same breath.
    await s.renders.want([...[...digests].map((incidentId) => ({ incidentId, part: "digest" as const })), ...[...cards].filter((id) => !result.opened.includes(id)).map((incidentId) => ({ incidentId, part: "card" as const }))]);
  }

  /**
   * Folds incident `fromId` into `intoId` (one failure seen from two sides): its alerts, and the
   * alerts, anomalies and changes of its timeline, move to the one that stays, which takes its
   * services and, if higher, its severity. The merged one says where it went and resolves quietly
   * (no postmortem, no grading question); its ticket and page close with that in their timeline.
   * `batch` is the delivery being decided, redirected to the incident that stays.
   */
  private async merge(
    s: Store,
    intoId: string,
    fromId: string,
    reason: string,
    batch: {
      incidents: Map<string, Incident>;
      views: Map<string, OpenIncidentView>;
      upserts: Map<string, { alert: Alert; incidentId?: string; joinReason?: string }>;
      existing: Map<string, { incidentId?: string }>;
      timeline: Array<{ incidentId: string }>;
      touched: Set<string>;
      raised: Map<string, { from: Severity; alert: Alert }>;
      result: IngestResult;
    },
    notify: Array<() => void>,
  ): Promise<void> {
    const into = batch.incidents.get(intoId) ?? (await s.incidents.get(intoId));
    const from = batch.incidents.get(fromId) ?? (await s.incidents.get(fromId));
    if (!into || !from || from.status === "resolved" || into.status === "resolved") return;
    const movedAlerts = await s.alerts.byIncident(from.id);
    await s.alerts.moveToIncident(from.id, into.id);
    const entries = await s.timeline.list(from.id, ["alert", "anomaly", "change"]);
    if (entries.length) await s.timeline.appendMany(entries.map((e) => ({ incidentId: into.id, kind: e.kind, actor: e.actor, text: e.text, at: e.at, data: { ...e.data, mergedFrom: from.id } })));
    // The delivery's own alerts already decided for the merged incident go with it.
    for (const u of batch.upserts.values()) if (u.incidentId === from.id) u.incidentId = into.id;
    for (const e of batch.existing.values()) if (e.incidentId === from.id) e.incidentId = into.id;
    for (const t of batch.timeline) if (t.incidentId === from.id) t.incidentId = into.id;
    const services = [...new Set([...into.services, ...from.services])];
    const severity = severityRank(from.severity) < severityRank(into.severity) ? from.severity : into.severity;
    const merged: Incident = { ...into, services, severity };
    batch.incidents.set(into.id, merged);
    batch.incidents.delete(from.id);
    const rise = batch.raised.get(from.id);
    const raiser = rise?.alert ?? movedAlerts.find((x) => x.severity === severity);
    if (severity !== into.severity && raiser && !batch.raised.has(into.id)) batch.raised.set(into.id, { from: into.severity, alert: raiser });
    batch.raised.delete(from.id);
    batch.touched.delete(from.id);
    batch.touched.add(into.id);
    const a = batch.views.get(into.id);
    const b = batch.views.get(from.id);
    if (a && b) {
      a.services = services;
      a.lastActivityMs = Math.max(a.lastActivityMs, b.lastActivityMs);
      a.labelSets = [...a.labelSets, ...b.labelSets].slice(0, 20);
      for (const [svc, at] of Object.entries(b.serviceOnsetMs ?? {})) if (a.serviceOnsetMs && !(at >= (a.serviceOnsetMs[svc] ?? Number.POSITIVE_INFINITY))) a.serviceOnsetMs[svc] = at;
    }
    batch.views.delete(from.id);
    await s.incidents.update(into.id, { services, severity: into.severity });
    await s.timeline.append({ incidentId: into.id, kind: "note", actor: "aisre", text: `Merged ${from.id} ("${from.title}") into this incident: ${reason}`, data: { merged: from.id, reason } });
    await s.outbox.enqueue({ channel: into.channel ?? this.o.defaultChannel, method: "chat.postMessage", payload: { ...this.o.presenter.note(merged, `Merged ${from.id} (${from.title}) into this incident: ${reason}. Its alerts, anomalies and changes are here now.`), thread_ts: rootRef(into.id) } });
    await s.incidents.mergeCard(from.id, { mergedInto: into.id });
    await this.setStatus(s, from, "resolved", "aisre", `merged into ${into.id}: ${reason}`, notify, { mergedInto: into.id });
    await s.renders.want([
      { incidentId: into.id, part: "digest" },
      { incidentId: into.id, part: "card" },
      { incidentId: from.id, part: "digest" },
    ]);
    if (movedAlerts.length) notify.push(() => this.events.emit("alerts", merged, movedAlerts));
    this.o.logger.info({ into: into.id, from: from.id, reason }, "incidents merged");
  }

  private async open(s: Store, i: { title: string; severity: Severity; services: string[]; origin: Incident["origin"] }, notify: Array<() => void>): Promise<Incident> {
    const channel = channelFor(this.o.routing, i.services, this.o.defaultChannel);
    const incident = await s.incidents.create({ id: newIncidentId(new Date(this.o.clock.now())), title: i.title.slice(0, 140), severity: i.severity, origin: i.origin, services: i.services, channel });
    await s.timeline.append({ incidentId: incident.id, kind: "status", actor: "aisre", text: `Incident opened (${i.origin})`, data: { status: "open", origin: i.origin } });
    this.o.metrics?.incidentsOpened.inc({ origin: i.origin });
    await this.publish(s, notify, { kind: "opened", incident });
    return incident;
  }

  /** The one root message, rendered from the incident as stored (after its first alerts are written). */
  private async postRoot(s: Store, incidentId: string): Promise<void> {
    const incident = (await s.incidents.get(incidentId))!;
    const card = this.o.presenter.rootCard(await this.cardView(s, incident));
    // Its metadata now, from the incident it is rendered from: the send does not read the incident again.
    await s.outbox.enqueue({ channel: incident.channel ?? this.o.defaultChannel, method: "chat.postMessage", payload: { ...card, unfurl_links: false, metadata: incidentMetadata(incident, true), _meta: { record: { incidentId, purpose: "root" } } }, dedupeKey: `root:${incidentId}` });
  }

  /** Deploys and config changes of the incident's services or what they depend on, shortly before. */
  private async attachRecentChanges(s: Store, incident: Incident): Promise<void> {
    const topology = this.o.topology();
    const related = new Set(incident.services.flatMap((svc) => [svc, ...dependenciesOf(topology, svc)]));
    if (related.size === 0) return;
    const since = new Date(this.o.clock.now() - this.o.grouping.windowMs).toISOString();
    for (const change of await s.changes.since([...related], since)) {
      const why = incident.services.includes(change.service) ? `a change to ${change.service} itself` : `${incident.services.join(", ")} depends on ${change.service}`;
      await this.recordChange(s, incident, change, `${spanText((this.o.clock.now() - Date.parse(change.at)) / 1000)} before the incident; ${why}`);
    }
  }

  private async recordChange(s: Store, incident: Incident, change: ChangeEvent, reason: string): Promise<void> {
    await s.timeline.append({ incidentId: incident.id, kind: "change", actor: change.source, text: `${change.kind} of ${change.service}${change.version ? ` ${change.version}` : ""} — ${reason}`, data: { ...change, reason } });
    await s.renders.want([{ incidentId: incident.id, part: "digest" }]);
  }

  private async ingestChange(s: Store, change: ChangeEvent, notify: Array<() => void>): Promise<number> {
    // A change keeps its id through its statuses (a deploy pending → success): the latest state is
    // kept, and it is announced to incidents once, when first seen.
    if (!(await s.changes.record(change))) return 0;
    // Incidents split off by this change have it already (attachRecentChanges).
    const split = change.kind === "deploy" || change.kind === "config" ? await this.splitByLateChange(s, change, notify) : [];
    const affected = new Set([change.service, ...dependentsOf(this.o.topology(), change.service)]);
    let attached = 0;
    for (const incident of await s.incidents.listOpen()) {
      if (split.includes(incident.id)) continue;
      const hit = incident.services.find((svc) => affected.has(svc));
      if (!hit) continue;
      await this.recordChange(s, incident, change, hit === change.service ? `a change to ${hit}, which is part of this incident` : `${hit} depends on ${change.service}`);
      notify.push(() => this.events.emit("changes", incident, [change]));
      await this.publish(s, notify, { kind: "changes", incident });
      attached++;
    }
    return attached;
  }

  /**
   * A deploy that arrives after the alerts it explains were grouped into an older incident: the
   * changed service's alerts leave it for an incident of their own (splitByChange), with its
   * anomalies and this change, and both threads say so.
   */
  private async splitByLateChange(s: Store, change: ChangeEvent, notify: Array<() => void>): Promise<string[]> {
    const opened: string[] = [];
    const { incidents, views } = await this.openViews(s, { labels: false });
    const recent = { service: change.service, atMs: Date.parse(change.at), what: `${change.kind}${change.version ? ` ${change.version}` : ""}` };
    for (const view of views.values()) {
      const split = splitByChange(view, recent, this.o.grouping);
      const from = incidents.get(view.id);
      if (!split || !from) continue;
      const alerts = (await s.alerts.byIncident(from.id)).filter((a) => a.service && split.services.includes(a.service));
      const firing = alerts.filter((a) => a.status === "firing");
      const first = [...(firing.length ? firing : alerts)].sort((a, b) => a.startsAt.localeCompare(b.startsAt))[0];
      if (!first) continue;
      const severity = alerts.map((a) => a.severity).sort((a, b) => severityRank(a) - severityRank(b))[0] ?? first.severity;
      const own = await this.open(s, { title: first.summary || `${first.name} on ${change.service}`, severity, services: split.services, origin: first.source === "anomaly" ? "detected" : "alert" }, notify);
      await s.alerts.moveToIncident(from.id, own.id, split.services);
      const entries = (await s.timeline.list(from.id, ["alert", "anomaly"])).filter((e) => typeof e.data.service === "string" && split.services.includes(e.data.service));
      if (entries.length) await s.timeline.appendMany(entries.map((e) => ({ incidentId: own.id, kind: e.kind, actor: e.actor, text: e.text, at: e.at, data: { ...e.data, movedFrom: from.id } })));
      // The old incident's digest stops showing them (they go on in the new thread).
      await s.timeline.appendMany(
        entries.map((e) => ({ incidentId: from.id, kind: e.kind, actor: "aisre", text: `${e.text.split(" — ")[0]} moved to ${own.id}`, data: { ...(e.kind === "alert" ? { fingerprint: e.data.fingerprint } : { key: e.data.key, state: "resolved" }), service: e.data.service, movedTo: own.id } })),
      );
      const services = from.services.filter((x) => !split.services.includes(x));
      await s.incidents.update(from.id, { services });
      await s.timeline.append({ incidentId: from.id, kind: "note", actor: "aisre", text: `Moved ${split.services.join(", ")} to ${own.id}: ${split.reason}`, data: { movedTo: own.id, services: split.services, reason: split.reason } });
      await s.timeline.append({ incidentId: own.id, kind: "note", actor: "aisre", text: `Split from ${from.id}: ${split.reason}`, data: { movedFrom: from.id, reason: split.reason } });
      await s.outbox.enqueue({ channel: from.channel ?? this.o.defaultChannel, method: "chat.postMessage", payload: { ...this.o.presenter.note({ ...from, services }, `Moved ${listWords(split.services)} to ${own.id}: ${split.reason}. It goes on in its own thread.`), thread_ts: rootRef(from.id) } });
      await this.postRoot(s, own.id);
      await this.attachRecentChanges(s, own);
      await s.renders.want([
        { incidentId: from.id, part: "digest" },
        { incidentId: own.id, part: "digest" },
        { incidentId: from.id, part: "card" },
      ]);
      const updatedFrom = { ...from, services };
      notify.push(() => this.events.emit("alerts", own, alerts));
      await this.publish(s, notify, { kind: "alerts", incident: own });
      await this.publish(s, notify, { kind: "alerts", incident: updatedFrom });
      this.o.logger.info({ from: from.id, to: own.id, services: split.services, change: change.id }, "incident split by a late change");
      opened.push(own.id);
    }
    return opened;
  }

  private async setStatus(s: Store, incident: Incident, to: IncidentStatus, by: string, why: string, notify: Array<() => void>, extra: Record<string, unknown> = {}, ask?: SlackMessage): Promise<Incident> {
    const from = incident.status;
    const updated = (await s.incidents.update(incident.id, { status: to, ...(to === "acknowledged" ? { acknowledgedBy: by } : {}) }))!;
    await s.timeline.append({ incidentId: incident.id, kind: "status", actor: by, text: `Status ${from} → ${to}: ${why}`, data: { ...extra, from, to, why } });
    const note = this.o.presenter.statusChanged(updated, from, to, by, why);
    // A resolution is one message: the note and what it asks of the responders ("Was this the cause?").
    const msg: SlackMessage = ask ? { text: `${note.text}\n${ask.text}`, blocks: [...note.blocks, ...ask.blocks] } : note;
    await s.outbox.enqueue({ channel: updated.channel ?? this.o.defaultChannel, method: "chat.postMessage", payload: { ...msg, thread_ts: rootRef(updated.id) } });
    await s.renders.want([{ incidentId: updated.id, part: "card" }]);
    await this.publish(s, notify, { kind: "status", incident: updated, from, by });
    for (const hook of this.statusHooks) await hook(s, { incident: updated, from, by, ...(typeof extra.mergedInto === "string" ? { mergedInto: extra.mergedInto } : {}) });
    return updated;
  }

  /** Registers work to record in each status change's own transaction; returns the unregister function. */
  onStatusChange(hook: StatusChangeHook): () => void {
    this.statusHooks.push(hook);
    return () => {
      const i = this.statusHooks.indexOf(hook);
      if (i >= 0) this.statusHooks.splice(i, 1);
    };
  }

  async declare(i: { title: string; severity: Severity; services: string[]; by: string }): Promise<Incident> {
    const notify: Array<() => void> = [];
    const incident = await this.serial(async (s) => {
      const inc = await this.open(s, { title: i.title, severity: i.severity, services: i.services, origin: "declared" }, notify);
      await s.timeline.append({ incidentId: inc.id, kind: "note", actor: i.by, text: `Declared by ${mentionUser(i.by)}`, data: {} });
      await this.postRoot(s, inc.id);
      await this.attachRecentChanges(s, inc);
      return inc;
    });
    for (const n of notify) n();
    this.o.outbox?.poke();
    return incident;
  }

  /**
   * What the resolution note asks of the responders (the feedback's "Was this the cause?"), read
   * before the status changes; returns the unregister function.
   */
  askOnResolve(question: (incidentId: string) => Promise<SlackMessage | undefined>): () => void {
    this.resolutionQuestion = question;
    return () => {
      if (this.resolutionQuestion === question) this.resolutionQuestion = undefined;
    };
  }

  /**
   * Changes an incident's status. `stillDue`, when given, is asked again under the decisions' lock, in
   * the change's transaction: a change decided on an earlier read (the auto-resolver's) is not made
   * when what it was decided on has changed meanwhile (an alert fired again).
   */
  async changeStatus(id: string, to: IncidentStatus, by: string, why: string, stillDue?: (s: Store) => Promise<boolean>): Promise<Incident> {
    const notify: Array<() => void> = [];
    const ask = to === "resolved" && this.resolutionQuestion ? await this.resolutionQuestion(id) : undefined;
    const updated = await this.serial(async (s) => {
      const incident = await s.incidents.get(id);
      if (!incident) throw new AppError("incident_not_found", `No incident ${id}.`, { status: 404 });
      if (incident.status === to) return incident;
      if (stillDue && !(await stillDue(s))) return incident;
      return this.setStatus(s, incident, to, by, why, notify, {}, ask);
    });
    for (const n of notify) n();
    await this.flushCards();
    return updated;
  }

  async setSeverity(id: string, severity: Severity, by: string): Promise<Incident> {
    const notify: Array<() => void> = [];
    const updated = await this.serial(async (s) => {
      const incident = await s.incidents.get(id);
      if (!incident) throw new AppError("incident_not_found", `No incident ${id}.`, { status: 404 });
      const next = (await s.incidents.update(id, { severity }))!;
      await s.timeline.append({ incidentId: id, kind: "status", actor: by, text: `Severity ${incident.severity} → ${severity}`, data: { from: incident.severity, to: severity } });
      await s.outbox.enqueue({ channel: next.channel ?? this.o.defaultChannel, method: "chat.postMessage", payload: { ...this.o.presenter.note(next, `Severity changed from ${incident.severity.toUpperCase()} to ${severity.toUpperCase()} by ${mentionUser(by)}.`), thread_ts: rootRef(id) } });
      await s.renders.want([{ incidentId: id, part: "card" }]);
      await this.publish(s, notify, { kind: "severity", incident: next, by, from: incident.severity });
      return next;
    });
    for (const n of notify) n();
    await this.flushCards();
    return updated;
  }

  /** A message the bot received in the incident's thread: raw material for the postmortem. */
  async recordThreadMessage(incidentId: string, m: { user: string; text: string; ts: string }): Promise<void> {
    await this.store.timeline.append({ incidentId, kind: "message", actor: m.user, text: m.text, data: { ts: m.ts } });
  }

  /** Posts a note in the incident's thread (used by other capabilities). */
  async postInThread(incidentId: string, message: SlackMessage): Promise<void> {
    const incident = await this.store.incidents.get(incidentId);
    if (!incident) return;
    await this.store.outbox.enqueue({ channel: incident.channel ?? this.o.defaultChannel, method: "chat.postMessage", payload: { ...message, thread_ts: rootRef(incidentId) } });
    this.o.outbox?.poke();
  }

  /**
   * Something the card shows changes in the caller's transaction `tx`: its render is wanted in that
   * same transaction (the change and the mark commit together, or neither does), for whichever
   * replica renders next. Never after a commit: a replica that dies between the two would lose it.
   */
  markCardDirty(tx: Store, incidentId: string): Promise<void> {
    return tx.renders.want([{ incidentId, part: "card" }]);
  }

  /** Something the digest shows (an anomaly, say) changes in the caller's transaction `tx`: its re-render is wanted in it. */
  markDigestDirty(tx: Store, incidentId: string): Promise<void> {
    return tx.renders.want([{ incidentId, part: "digest" }]);
  }

  async cardView(s: Store, incident: Incident): Promise<IncidentCardView> {
    const [counts, names, card, links] = await Promise.all([s.alerts.countByIncident(incident.id), s.alerts.namesByIncident(incident.id, 10), s.incidents.card(incident.id), s.links.forIncident(incident.id)]);
    const [jira, pd, postmortem] = [links.get("jira"), links.get("pagerduty"), links.get("postmortem")];
    const pdNumber = (pd?.synced as { number?: number } | undefined)?.number;
    const ended = incident.status === "resolved" ? await s.timeline.list(incident.id, ["status", "action"]) : undefined;
    const resolution = ended ? resolutionSummary(incident, ended) : undefined;
    const resolvedBy = ended ? resolverOf(ended) : undefined;
    const peak = ended ? peakSeverity(incident, ended) : undefined;
    const pmStatus = (postmortem?.synced as { status?: string } | undefined)?.status;
    return {
      incident,
      // Once resolved, the worst it got in the past tense ("Checkout failed up to 30 % — …"), not the last reading.
      ...(incident.status === "resolved" && card.resolvedHeadline ? { headline: card.resolvedHeadline } : card.headline ? { headline: card.headline } : {}),
      ...(resolution ? { resolution } : {}),
      ...(resolvedBy ? { resolvedBy } : {}),
      ...(peak && peak !== incident.severity ? { peakSeverity: peak } : {}),
      alerts: { ...counts, names },
      impact: card.impact,
      diagnosis: card.diagnosis,
      links: {
        jira: jira ? { key: jira.externalId, url: jira.url } : undefined,
        pagerduty: pd ? { id: pdNumber ? `#${pdNumber}` : pd.externalId, url: pd.url } : undefined,
        postmortem: pmStatus ? postmortemLinkText(pmStatus) : undefined,
      },
    };
  }

  /**
   * Queues one chat.update per incident whose card is wanted (by any replica's change, before a
   * restart included), at most one per incident per `threadFlushMs`; an unsent earlier update is
   * replaced, not repeated.
   */
  async flushCards(): Promise<void> {
    const queued = await this.renderWanted("card", this.o.threadFlushMs, async (s, incident) => {
      const card = this.o.presenter.rootCard(await this.cardView(s, incident));
      await s.outbox.enqueueOrReplace({ channel: incident.channel ?? this.o.defaultChannel, method: "chat.update", payload: { ...card, ts: rootRef(incident.id) }, dedupeKey: `card:${incident.id}` });
      return "done";
    });
    if (queued) this.o.outbox?.poke();
  }

  /**
   * Re-renders the wanted digests from the timeline, and posts (first time) or edits them, at most
   * one edit per incident per `threadFlushMs`. A change while the first post is being made waits
   * until it is recorded, then goes as an edit.
   */
  async flushThreads(): Promise<void> {
    const queued = await this.renderWanted("digest", this.o.threadFlushMs, async (s, incident) => {
      const folded = await foldedDigest(s, incident.id);
      // Merged (and so resolved): its signals moved to the incident it was merged into.
      const mergedInto = incident.status === "resolved" ? (await s.incidents.card(incident.id)).mergedInto : undefined;
      const view = mergedInto ? { ...folded, mergedInto } : folded;
      if (digestIsEmpty(view)) return "done";
      const posted = await s.slackMessages.get(incident.id, DIGEST_PURPOSE);
      // A merged incident's digest is edited to say where its signals went; none is posted just to say so.
      if (mergedInto && !posted) return "done";
      const message = this.o.presenter.digest(view);
      const channel = incident.channel ?? this.o.defaultChannel;
      if (posted) {
        await s.outbox.enqueueOrReplace({ channel, method: "chat.update", payload: { ...message, ts: posted.ts, _meta: { incidentId: incident.id } }, dedupeKey: `${DIGEST_PURPOSE}-update:${incident.id}` });
        return "done";
      }
      const queuedPost = await s.outbox.enqueueOrReplace({
        channel,
        method: "chat.postMessage",
        payload: { ...message, thread_ts: rootRef(incident.id), unfurl_links: false, _meta: { record: { incidentId: incident.id, purpose: DIGEST_PURPOSE } } },
        dedupeKey: `${DIGEST_PURPOSE}-post:${incident.id}`,
      });
      return queuedPost ? "done" : "later";
    });
    if (queued) this.o.outbox?.poke();
  }

  /**
   * Claims the wanted renders of `part` (a lease each: no other replica renders them meanwhile) and
   * renders each in one transaction with its outcome, so the Slack call is queued and the render
   * recorded together, or neither (then the row stays wanted and any replica renders it again).
   * A render may answer "later" (its message is being posted): it is given back for a moment.
   * Returns how many were queued.
   */
  private async renderWanted(part: RenderPart, gapMs: number, render: Render): Promise<number> {
    let queued = 0;
    // Pages until none is left (a bounded number per pass: what keeps coming waits for the next).
    for (let page = 0; page < 20; page++) {
      const claims = await this.store.renders.claim(this.renderOwner, part, RENDER_PAGE, RENDER_LEASE_MS, gapMs);
      for (const claim of claims) if (await this.renderOne(claim, render)) queued++;
      if (claims.length < RENDER_PAGE) break;
    }
    return queued;
  }

  private async renderOne(claim: RenderClaim, render: Render): Promise<boolean> {
    try {
      return await inTransaction(this.store, async (s) => {
        const incident = await s.incidents.get(claim.incidentId);
        if (incident && (await render(s, incident)) === "later") {
          await s.renders.release(this.renderOwner, claim, RENDER_RETRY_MS);
          return false;
        }
        await s.renders.done(this.renderOwner, claim);
        return incident !== undefined;
      });
    } catch (e) {
      this.o.logger.warn({ err: e, incident: claim.incidentId, part: claim.part }, "rendering the incident's thread failed; it will be rendered again");
      await this.store.renders.release(this.renderOwner, claim, RENDER_RETRY_MS).catch(() => undefined);
      return false;
    }
  }

  /** The digest message of an incident, once posted. */
  digestMessage(incidentId: string) {
    return this.store.slackMessages.get(incidentId, DIGEST_PURPOSE);
  }

  /**
   * Resolves incidents whose alerts have all been quiet for the quiet period, a flapping alert for
   * the longer flap quiet period (hysteresis: its lulls do not resolve the incident). After a
   * verified fix, anomalies and flapping alerts no longer hold it open (quietAfterFix). An incident
   * still firing has its severity follow the firing alerts down (fallenSeverity).
   */
  async autoResolve(): Promise<string[]> {
    const now = this.o.clock.now();
    const resolved: string[] = [];
    // Flip histories older than the flap window say nothing any more: forgotten, so the map stays small.
    for (const [fp, flips] of this.flips) if (!flips.some((t) => now - t <= this.o.lifecycle.flapWindowMs)) this.flips.delete(fp);
    const open = (await this.store.incidents.listOpen()).filter((i) => i.origin !== "declared");
    // Most open incidents, in a storm all, still have an alert that holds them as they are: their
    // alerts (thousands, read every tick) are read only when one might resolve or fall in severity.
    const flapping = [...this.flips].filter(([, flips]) => isFlapping(flips, now, this.o.lifecycle)).map(([fp]) => fp);
    const held = await this.store.alerts.heldAsTheyAre(open, flapping);
    // The alerts as they are now, in `s`: a resolution decided on an earlier read is checked again
    // under the lock (an alert that fired again meanwhile keeps the incident open).
    const viewOf = async (s: Store, id: string) => (await s.alerts.quietness(id)).map((a) => ({ ...a, anomaly: a.source === "anomaly", endedAtMs: a.endedAt ? Date.parse(a.endedAt) : undefined, flapping: isFlapping(this.flips.get(a.fingerprint) ?? [], now, this.o.lifecycle) }));
    for (const incident of open) {
      if (held.has(incident.id)) continue;
      // The senders' own resolve times (endsAt), so a late webhook does not extend the quiet period.
      const view = await viewOf(this.store, incident.id);
      // Quiet long enough for the shortest quiet period: only then does it matter whether it came back
      // after resolving once (then it needs the whole reopen window), read from its status entries.
      if (!quietEnough(view, now, this.o.lifecycle) && !quietAfterFix(view, Number.NEGATIVE_INFINITY, now, this.o.lifecycle)) {
        const to = fallenSeverity(view, incident.severity, now, this.o.lifecycle);
        if (to) await this.fallTo(incident.id, to, view);
        continue;
      }
      const reopens = reopensOf(await this.store.timeline.list(incident.id, ["status"]));
      const reopenedAt = reopens.lastMs;
      // The last fix since it last came back (or opened) ran without the symptoms recovering: the fault is likely still there.
      const fixes = (await this.store.timeline.list(incident.id, ["action"])).filter((e) => FIX_OUTCOMES.has(String(e.data.event)) && (reopenedAt === undefined || Date.parse(e.at) > reopenedAt));
      const lastFix = fixes.at(-1);
      const fixFailed = lastFix?.data.event === "unverified" || lastFix?.data.event === "failed";
      const lifecycle = resolvingLifecycle(reopenedAt !== undefined || fixFailed, this.o.lifecycle);
      const quietMin = Math.round(lifecycle.quietPeriodMs / 60_000);
      const cameBack = reopens.count ? ` (it came back ${reopens.count === 1 ? "once" : reopens.count === 2 ? "twice" : `${reopens.count} times`} after resolving)` : fixFailed ? " (after a fix that did not bring recovery)" : "";
      if (quietEnough(view, now, lifecycle)) {
        const flapped = view.some((a) => a.flapping);
        const done = await this.changeStatus(incident.id, "resolved", "aisre", `all alerts resolved and quiet for ${quietMin} min${flapped ? ` (the flapping one for ${Math.round(Math.max(lifecycle.flapQuietMs, lifecycle.quietPeriodMs) / 60_000)} min)` : ""}${cameBack}`, async (s) =>
          quietEnough(await viewOf(s, incident.id), now, lifecycle),
        );
        if (done.status === "resolved") resolved.push(incident.id);
        continue;
      }
      // Held only by anomalies or flapping alerts (cheap check first): a recovery remediation saw
      // (a verified fix, or a pre-check that found the symptoms already healthy) releases it — a fix
      // seen after it last came back, not one the fault has since outlived.
      if (quietAfterFix(view, Number.NEGATIVE_INFINITY, now, lifecycle)) {
        const fix = fixes.findLast((e) => e.data.event === "verified" || e.data.event === "skipped");
        if (fix && quietAfterFix(view, Date.parse(fix.at), now, lifecycle)) {
          const firing = view.filter((a) => a.firing && (a.anomaly || a.flapping));
          const anomalies = [...new Set(firing.filter((a) => a.anomaly).map((a) => a.service ?? a.name))];
          const flapping = [...new Set(firing.filter((a) => !a.anomaly).map((a) => a.name))];
          const lagging = [...(anomalies.length ? [`the ${noun(anomalies.length, "anomaly")} on ${listWords(anomalies.slice(0, 4))}`] : []), ...(flapping.length ? [`the flapping ${listWords(flapping.slice(0, 3))}`] : [])];
          const done = await this.changeStatus(
            incident.id,
            "resolved",
            "aisre",
            `${fix.data.event === "verified" ? "the fix was verified" : "the symptoms were seen healthy again"} and its alerts have been quiet for ${quietMin} min${lagging.length ? `; ${listWords(lagging)} no longer ${lagging.length > 1 || anomalies.length > 1 || flapping.length > 1 ? "hold" : "holds"} it open` : ""}${cameBack}`,
            async (s) => quietAfterFix(await viewOf(s, incident.id), Date.parse(fix.at), now, lifecycle),
          );
          if (done.status === "resolved") resolved.push(incident.id);
          continue;
        }
      }
      const to = fallenSeverity(view, incident.severity, now, this.o.lifecycle);
      if (to) await this.fallTo(incident.id, to, view);
    }
    return resolved;
  }

  /** Severity follows the firing alerts down to `to`, saying which of the more severe ones resolved. */
  private async fallTo(id: string, to: Severity, view: ReadonlyArray<{ name: string; service?: string; severity: Severity }>): Promise<void> {
    const settled = view.filter((a) => Number(a.severity.slice(3)) < Number(to.slice(3)));
    const names = [...new Set(settled.map((a) => `${a.name}${a.service ? ` on ${a.service}` : ""}`))];
    await this.followSeverityDown(id, to, `${names.length ? names.slice(0, 3).join(", ") : "the more severe alerts"} resolved`);
  }

  /**
   * Lowers the incident's severity to what still fires, unless a person set it (theirs to change).
   * The sync tells the thread once, with the paging consequence (the open page stays).
   */
  private async followSeverityDown(id: string, to: Severity, why: string): Promise<void> {
    const notify: Array<() => void> = [];
    await this.serial(async (s) => {
      const incident = await s.incidents.get(id);
      if (!incident || incident.status === "resolved" || severityRank(to) <= severityRank(incident.severity)) return;
      const lastSet = (await s.timeline.list(id, ["status"])).reverse().find((e) => typeof e.data.to === "string" && e.data.to.startsWith("sev"));
      if (lastSet && lastSet.actor !== "aisre") return;
      const updated = (await s.incidents.update(id, { severity: to }))!;
      await s.timeline.append({ incidentId: id, kind: "status", actor: "aisre", text: `Severity ${incident.severity} → ${to}: ${why}`, data: { from: incident.severity, to, why } });
      await s.renders.want([{ incidentId: id, part: "card" }]);
      notify.push(() => this.events.emit("severity", updated, "aisre", incident.severity));
    });
    for (const n of notify) n();
  }

  /**
   * The resolved incident an alert reopens, with the status line and the join reason: the one the same
   * alert (name and service) was in, within the recurrence window, unless an open incident of its own
   * service claims it; else the one resolved within the reopen window in which its service alerted
   * (not only appeared through an anomaly), unless an open incident has a strong claim on it
   * (`grouped`: the alert's grouping among the open incidents).
   */
  private async recentlyResolvedFor(s: Store, alert: Alert, grouped: GroupingDecision, now: number, flapping: boolean): Promise<{ incident: Incident; status: string; reason: string } | undefined> {
    if (!alert.service) return undefined;
    const resolvedAt = (i: Incident) => Date.parse(i.resolvedAt ?? i.updatedAt);
    // The same alert back on its service after its incident was resolved: that fix did not hold. Only
    // an open incident of its own service keeps it; a symptom claim does not (memory-leak walk:
    // order-processor's OOM kills back 35 min after its restart were taken by an orders-db query's
    // incident as a symptom downstream of it, whose cause then flipped to order-processor and paged).
    if (!(grouped.kind === "join" && grouped.score >= OWN_CLAIM) && !flapping) {
      const since = new Date(now - Math.max(this.o.lifecycle.recurrenceWindowMs, this.o.lifecycle.reopenWindowMs)).toISOString();
      const recurred = await s.incidents.resolvedSinceWithAlert(alert.name, alert.service, since);
      const d = recurred ? reopenDecision({ resolvedAtMs: resolvedAt(recurred), nowMs: now, sameFingerprint: false, ownService: true, flapping, anomaly: false, openIncidentExplainsIt: false, recurrence: true }, this.o.lifecycle) : undefined;
      if (recurred && d?.reopen) return { incident: recurred, status: `${alert.name} on ${alert.service} ${d.why}`, reason: `${alert.name} ${d.why}` };
    }
    // Decided before the look-up (a storm's alerts mostly have a strong claim): a resolved incident is never among the open ones grouped.
    if (takesAlertFrom(grouped, undefined)) return undefined;
    const since = new Date(now - this.o.lifecycle.reopenWindowMs).toISOString();
    const candidate = await s.incidents.resolvedSinceWithAlertingService(alert.service, since);
    if (!candidate) return undefined;
    const d = reopenDecision({ resolvedAtMs: resolvedAt(candidate), nowMs: now, sameFingerprint: false, ownService: true, flapping: false, anomaly: false, openIncidentExplainsIt: false }, this.o.lifecycle);
    return d.reopen ? { incident: candidate, status: `${alert.name} fired on ${alert.service}, which alerted in it`, reason: `${alert.service} alerted in this incident before it was resolved` } : undefined;
  }

  /** One housekeeping pass: thread updates, card edits, auto-resolution. */
  async tick(): Promise<void> {
    await this.flushThreads();
    await this.flushCards();
    await this.autoResolve();
  }
}
