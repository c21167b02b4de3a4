import { systemClock, type Clock } from "../domain/clock.ts";
import type { Db } from "./db.ts";
import { withLock } from "./locks.ts";
import { ActionRepo } from "./repos/actions.ts";
import { AppHomeRepo } from "./repos/app-home.ts";
import { AlertRepo } from "./repos/alerts.ts";
import { AuditRepo } from "./repos/audit.ts";
import { ChangeEventRepo } from "./repos/change-events.ts";
import { DeliveryRepo } from "./repos/deliveries.ts";
import { DigestRepo } from "./repos/digests.ts";
import { ExternalLinkRepo } from "./repos/external-links.ts";
import { FeedbackRepo } from "./repos/feedback.ts";
import { IncidentEventRepo } from "./repos/incident-events.ts";
import { IncidentHistoryRepo } from "./repos/incident-history.ts";
import { IncidentRenderRepo } from "./repos/incident-renders.ts";
import { JiraWriteRepo } from "./repos/jira-writes.ts";
import { SyncEchoRepo } from "./repos/sync-echoes.ts";
import { IncidentRepo } from "./repos/incidents.ts";
import { KnowledgeRepo } from "./repos/knowledge.ts";
import { OutboxRepo } from "./repos/outbox.ts";
import { PostmortemHoldRepo } from "./repos/postmortem-holds.ts";
import { RetentionRepo } from "./repos/retention.ts";
import { SettingsRepo } from "./repos/settings.ts";
import { SlackEventRepo } from "./repos/slack-events.ts";
import { SlackChannelWorkspaceRepo, SlackInstallationRepo } from "./repos/slack-installations.ts";
import { SlackMessageRepo } from "./repos/slack-messages.ts";
import { TimelineRepo } from "./repos/timeline.ts";
import { TopologyRepo } from "./repos/topology.ts";

/** Every repository over one database. */
export interface Store {
  db: Db;
  clock: Clock;
  incidents: IncidentRepo;
  /** Incident events for the outbound sync, durable (handled by any replica under a lease). */
  incidentEvents: IncidentEventRepo;
  /** Resolved incidents as history (their alerts, remediations, postmortems) for similar-incident search. */
  incidentHistory: IncidentHistoryRepo;
  /** Card and digest renders wanted per incident (coalesced, leased to the replica rendering them). */
  renders: IncidentRenderRepo;
  alerts: AlertRepo;
  changes: ChangeEventRepo;
  timeline: TimelineRepo;
  /** Incident digests folded as the timeline grows (read by the digest render). */
  digests: DigestRepo;
  slackMessages: SlackMessageRepo;
  /** Slack event ids handled by any replica. */
  slackEvents: SlackEventRepo;
  /** Slack installs through OAuth (several workspaces, org-wide installs, rotated tokens). */
  slackInstallations: SlackInstallationRepo;
  /** Which workspace each channel is in (OAuth installs in several workspaces). */
  slackChannelWorkspaces: SlackChannelWorkspaceRepo;
  /** Which workspace each person is in (their Home tab is published with its token). */
  slackUserWorkspaces: SlackChannelWorkspaceRepo;
  deliveries: DeliveryRepo;
  outbox: OutboxRepo;
  /** Postmortem drafts waiting for their resolution to hold (written with the resolution, claimed by any replica when due). */
  postmortemHolds: PostmortemHoldRepo;
  /** Deletes finished bookkeeping rows (processed deliveries, done incident events, sent outbox calls) past their age. */
  retention: RetentionRepo;
  actions: ActionRepo;
  audit: AuditRepo;
  links: ExternalLinkRepo;
  /** The Jira write outbox (debounced writes per issue, leased to the replica writing them). */
  jiraWrites: JiraWriteRepo;
  /** Changes aisre made in Jira and PagerDuty, to recognise their echoes on any replica. */
  syncEchoes: SyncEchoRepo;
  knowledge: KnowledgeRepo;
  feedback: FeedbackRepo;
  /** Who opened the Home tab (republished to them as things change). */
  appHome: AppHomeRepo;
  settings: SettingsRepo;
  topology: TopologyRepo;
}

/**
 * `clock` is the system's time for incident, alert and timeline times: the wall clock, or the
 * simulation's clock in the sandbox (which runs SIM_SPEED times faster).
 */
export function createStore(db: Db, clock: Clock = systemClock): Store {
  return {
    db,
    clock,
    incidents: new IncidentRepo(db, clock),
    incidentEvents: new IncidentEventRepo(db),
    incidentHistory: new IncidentHistoryRepo(db),
    renders: new IncidentRenderRepo(db),
    alerts: new AlertRepo(db, clock),
    changes: new ChangeEventRepo(db),
    timeline: new TimelineRepo(db, clock),
    digests: new DigestRepo(db),
    slackMessages: new SlackMessageRepo(db),
    slackEvents: new SlackEventRepo(db),
    slackInstallations: new SlackInstallationRepo(db, clock),
    slackChannelWorkspaces: new SlackChannelWorkspaceRepo(db, clock),
    slackUserWorkspaces: new SlackChannelWorkspaceRepo(db, clock, true),
    deliveries: new DeliveryRepo(db),
    outbox: new OutboxRepo(db),
    postmortemHolds: new PostmortemHoldRepo(db),
    retention: new RetentionRepo(db),
    actions: new ActionRepo(db),
    audit: new AuditRepo(db, clock),
    links: new ExternalLinkRepo(db),
    jiraWrites: new JiraWriteRepo(db),
    syncEchoes: new SyncEchoRepo(db),
    knowledge: new KnowledgeRepo(db),
    feedback: new FeedbackRepo(db, clock),
    appHome: new AppHomeRepo(db, clock),
    settings: new SettingsRepo(db),
    topology: new TopologyRepo(db),
  };
}

/** Runs `fn` in one transaction, over a store bound to it (the same clock): its writes commit together, or none does. */
export function inTransaction<T>(store: Store, fn: (tx: Store) => Promise<T>): Promise<T> {
  return store.db.transaction((tx) => fn(createStore(tx, store.clock)));
}

/**
 * Appends to incident timelines what their digests fold (alert, anomaly, change entries) in one
 * transaction under the `correlate` lock, as the incident service's decisions do: such entries then
 * commit in id order, which the digest's fold (read after the last entry folded) relies on.
 */
export function inDigestTransaction<T>(store: Store, fn: (tx: Store) => Promise<T>): Promise<T> {
  return withLock(store.db, "correlate", (tx) => fn(createStore(tx, store.clock)));
}
