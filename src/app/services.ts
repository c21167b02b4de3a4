import { join } from "node:path";
import { IncidentEventRelay } from "../incident/event-relay.ts";
import type { Config } from "../config.ts";
import { IncidentService } from "../incident/incident-service.ts";
import { OutboxSender } from "../incident/outbox-sender.ts";
import { EditBudget } from "../integrations/slack/edit-budget.ts";
import { loadRouting } from "../incident/routing.ts";
import type { SlackPort } from "../integrations/slack/slack-port.ts";
import { WebApiSlack } from "../integrations/slack/web-api-slack.ts";
import { createLogger, type Logger } from "../log.ts";
import { ruleDurations } from "./rule-durations.ts";
import { createAppMetrics, type AppMetrics } from "../observability/metrics.ts";
import type { Db } from "../store/db.ts";
import { migrationsCurrent } from "../store/migrate.ts";
import { openServiceDb } from "../store/open.ts";
import { createStore, type Store } from "../store/store.ts";
import type { KnowledgeBase } from "../knowledge/knowledge-base.ts";
import { webhookSources } from "../ingest/registry.ts";
import { WebhookIntake } from "../webhooks/intake.ts";
import { sourceSecrets } from "../webhooks/secrets.ts";
import { buildRemediation } from "../remediate/build.ts";
import type { RemediationService } from "../remediate/remediation-service.ts";
import { buildJiraPort, buildPorts, type Ports, type SandboxEndpoints } from "./ports.ts";
import { buildKnowledgeBase } from "./knowledge.ts";
import type { Presenters } from "./presenters.ts";
import { pagerDutyEscalator } from "../sync/pagerduty-sync.ts";
import { buildSyncService, type SyncService } from "../sync/sync-service.ts";
import { prometheusRequestCounts } from "../postmortem/request-counts.ts";
import { buildTopology } from "./topology.ts";
import type { TopologyDiscovery } from "../topology/discovery.ts";
import type { DiscoveredTopology } from "../topology/model.ts";
import { loadSyncSettings } from "../sync/sync-config.ts";
import { Assistant } from "../assistant/assistant.ts";
import { Redactor } from "../redact/redactor.ts";
import { buildPolling, type SliPolling } from "../detect/polling/build.ts";
import { DiagnosisService } from "../diagnose/live/service.ts";
import { Toolsets } from "../toolsets/index.ts";
import { systemClock, type Clock } from "../domain/clock.ts";
import { startRetention } from "../async/retention.ts";
import { configureRedaction } from "../redact/redactor.ts";
import { FeedbackService } from "../feedback/feedback-service.ts";
import { feedbackCalibrationSource } from "../feedback/calibration-source.ts";
import { HomeService } from "../home/home-service.ts";
import { WorkspaceSlack } from "../integrations/slack/workspace-slack.ts";
import { defaultChannelOf, loadWorkspaces, routingWithWorkspaces, type WorkspaceSettings } from "./workspaces.ts";

/**
 * Everything the Slack listeners and webhooks need, built from config. No Bolt here: the Slack app
 * is assembled in handlers/app.ts on top of these services.
 */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: AppMetrics;
  db: Db;
  store: Store;
  slack: SlackPort;
  /** With OAuth installs: the port that picks each call's workspace token (bound to Bolt's InstallProvider by handlers/app.ts). */
  workspaceSlack?: WorkspaceSlack;
  /** Per-workspace settings (AISRE_WORKSPACES_FILE); empty with one workspace. */
  workspaces: WorkspaceSettings;
  outbox: OutboxSender;
  incidents: IncidentService;
  /** Durable incident events for the outbound sync (any replica handles them under a lease). */
  relay: IncidentEventRelay;
  intake: WebhookIntake;
  knowledge: KnowledgeBase;
  /** Vendor ports (Kubernetes, metrics, CloudWatch, PagerDuty), real or pointed at the sandbox. */
  ports: Ports;
  /** Remediation: action cards, approvals, guardrails, execution, verification, audit. */
  remediation: RemediationService;
  /** Jira and PagerDuty two-way sync, paging, on-call lookup and postmortems. */
  sync: SyncService;
  /** SLI polling and anomaly detection (node-cron jobs on the replica holding the poll lock). */
  polling: SliPolling;
  /** Read-only toolsets (changes, metrics, Kubernetes, logs, knowledge, on-call) for the diagnosis and the assistant. */
  toolsets: Toolsets;
  /** Live diagnosis: ranks on incident open and on new signals, updates the card, posts changes in the thread. */
  diagnosis: DiagnosisService;
  /** Answers @mentions and /aisre questions: deterministic, with the LLM on top when configured. */
  assistant: Assistant;
  /** 👍/👎 on answers and diagnoses, "Was this the cause?" on resolve; grades feed the calibration. */
  feedback: FeedbackService;
  /** The Home tab: published on app_home_opened, republished as things change. */
  home: HomeService;
  /** The service graph as discovered (Kubernetes, service-graph metrics) and overridden (services.yaml). */
  topology(): DiscoveredTopology;
  /** Topology discovery: refreshed on a schedule by one replica, read from the store by all. */
  topologyDiscovery: TopologyDiscovery;
  /**
   * The first topology (the store's graph, else a first discovery) in place: alerts are grouped only
   * after it. Done by buildServices unless `warmUpLater`; then the entry point calls it once ready
   * (webhooks are accepted meanwhile; their processing waits for it).
   */
  warmUp(): Promise<void>;
  /** Store reachable and schema current: what /readyz reports. */
  ready(): Promise<{ ok: boolean; detail: string }>;
  /** Starts background work (outbox sender, housekeeping). */
  start(): void;
  close(): Promise<void>;
}

export interface ServiceDeps {
  logger?: Logger;
  /** How each capability's messages look (Block Kit from blocks/, passed by handlers/app.ts). */
  presenters: Presenters;
  /** One bot token (single-token mode), OAuth installs (a token per workspace from the store), or a ready port. */
  slack: { token: string; apiUrl?: string } | { oauth: true; apiUrl?: string } | SlackPort;
  /** Where the local sandbox serves the parts that are not configured for real. */
  sandbox?: SandboxEndpoints;
  /** The database, already being opened (openServiceDb); opened here when absent. */
  db?: Promise<Db>;
  /** The system's time: the simulation's clock in the sandbox (it runs SIM_SPEED times faster); default the wall clock. */
  clock?: Clock;
  /** Housekeeping period (thread flushes, card edits, auto-resolve). */
  tickMs?: number;
  /** Vendor ports given ready-made (in-memory ones in tests) in place of the configured ones. */
  ports?: Partial<Omit<Ports, "missing">>;
  /** Leave the first topology to `warmUp()` (called after the product is ready) instead of waiting for it here. */
  warmUpLater?: boolean;
}

/**
 * How long the webhook processor waits, after alerts that opened an incident, for the outbox to post
 * its root message before it decides the next deliveries (a pass takes tens of ms; bounded for an
 * outbox that is slow or another replica's).
 */
const ROOT_POST_WAIT_MS = 1000;

/** The configured ports, with the given ones in their place (no longer missing). */
function withPorts(built: Ports, given: ServiceDeps["ports"] = {}): Ports {
  const missing = { ...built.missing };
  const reason = { kubernetes: "kubernetes", metrics: "prometheus", cloudwatch: "cloudwatch", pagerduty: "pagerduty", openai: "openai" } as const;
  for (const k of Object.keys(given) as Array<keyof typeof reason>) if (given[k]) delete missing[reason[k]];
  return { ...built, ...given, missing };
}

/** The configured database, schema up to date (src/store/open.ts; re-exported for the entry points). */
export { openServiceDb };

export async function buildServices(config: Config, deps: ServiceDeps): Promise<Services> {
  // One redactor for everything that leaves: the built-in rules plus AISRE_REDACT_PATTERNS.
  configureRedaction(config.env.AISRE_REDACT_PATTERNS);
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const db = await (deps.db ?? openServiceDb(config, logger));
  // Readiness of the embedded store, asked once now while its one connection is idle (see ready()).
  let embeddedCurrent = db.driver === "pglite" && (await migrationsCurrent(db));
  // One clock for the whole product: the simulation's in the sandbox, else the wall clock.
  const clock = deps.clock ?? systemClock;
  const store = createStore(db, clock);
  const metrics = createAppMetrics();
  const workspaces = loadWorkspaces(config.env.AISRE_WORKSPACES_FILE);
  const defaultChannel = defaultChannelOf(workspaces, config.incidentChannel);
  let workspaceSlack: WorkspaceSlack | undefined;
  if ("oauth" in deps.slack) {
    workspaceSlack = new WorkspaceSlack({
      ...(deps.slack.apiUrl ? { slackApiUrl: deps.slack.apiUrl } : {}),
      channelWorkspace: (id) => store.slackChannelWorkspaces.get(id),
      userWorkspace: (id) => store.slackUserWorkspaces.get(id),
      async defaultWorkspace() {
        if (workspaces.default) return { teamId: workspaces.default, isEnterpriseInstall: false };
        return (await store.slackInstallations.keys())[0];
      },
    });
  }
  const slack: SlackPort = "call" in deps.slack ? deps.slack : "token" in deps.slack ? new WebApiSlack({ token: deps.slack.token, slackApiUrl: deps.slack.apiUrl }) : workspaceSlack!;
  const ports = withPorts(buildPorts(config, deps.sandbox, logger, clock), deps.ports);
  // The graph is learnt from the system (Kubernetes, service-graph metrics) with services.yaml as
  // overrides; the first discovery (or the store's graph) is in place before any alert is grouped.
  const topologyDiscovery = buildTopology({ config, store, kubernetes: ports.kubernetes, metrics: ports.metrics, clock, logger, simSpeed: deps.clock ? config.env.SIM_SPEED : undefined });
  let primed: Promise<void> | undefined;
  const warmUp = (): Promise<void> => (primed ??= topologyDiscovery.prime());
  if (!deps.warmUpLater) await warmUp();
  const topology = () => topologyDiscovery.topology();
  // Edits are paced by Slack's Tier 3 for chat.update, per workspace (a storm re-renders many cards).
  const outbox = new OutboxSender({ store, slack, logger, metrics, editBudget: new EditBudget() });
  metrics.registry.onCollect(async () => {
    const backlog = await store.outbox.backlog();
    metrics.outboxPending.set(backlog.pending);
    metrics.outboxOldestPendingSeconds.set(backlog.oldestSeconds);
  });
  const relay = new IncidentEventRelay({ store, logger });
  const incidents = new IncidentService({
    durable: relay,
    clock,
    store,
    logger,
    metrics,
    outbox,
    presenter: deps.presenters.incident,
    routing: routingWithWorkspaces(loadRouting(config.env.AISRE_ROUTING_FILE), workspaces, config.incidentChannel),
    defaultChannel,
    topology,
    ruleForMs: ruleDurations({ metrics: ports.metrics, clock, logger }),
  });
  const intake = new WebhookIntake({
    sources: webhookSources,
    store,
    logger,
    metrics,
    secrets: sourceSecrets(config),
    clock,
    // The embedded store's door answers once a delivery is in the door journal (a file in the data
    // folder), not after a turn of PGlite's one connection; on Postgres, once its row is committed.
    journal: db.driver === "pglite" ? { dir: join(config.dataDir, "door-journal") } : undefined,
    // On Postgres the door thread stores each delivery in the database itself (its own connections).
    databaseUrl: db.driver === "postgres" ? config.databaseUrl : undefined,
    handlers: {
      // Alerts are grouped on the topology: a delivery accepted before it is in place waits for it.
      ingest: async (d, alsoInTransaction) => {
        await warmUp();
        const result = await incidents.ingest(d, alsoInTransaction);
        // A new incident's root message goes out before the next batch of a storm's deliveries is
        // decided (on the embedded database that batch's transaction would hold the one connection
        // first, and the post waits for it): bounded, as the outbox may be slow or leaderless.
        if (result.opened.length > 0) await outbox.rootsPosted(ROOT_POST_WAIT_MS);
        return result;
      },
      external: (events, source) => sync.handleExternal(events, source),
      async confirmSubscription(url) {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`SNS subscription confirmation answered ${res.status}`);
        logger.info({ url }, "SNS subscription confirmed");
      },
    },
  });
  const knowledge = buildKnowledgeBase(config, store, logger, ports.openai);
  const syncSettings = loadSyncSettings(config.env.AISRE_SYNC_FILE, { project: config.jira.project, issueType: config.jira.issueType });
  const sync = buildSyncService({
    config,
    settings: syncSettings,
    jiraPort: syncSettings.jira.enabled ? buildJiraPort(config, deps.sandbox, logger, syncSettings.jira.mapping) : undefined,
    pagerDutyPort: ports.pagerduty,
    openai: ports.openai,
    store,
    incidents,
    outbox,
    slack,
    logger,
    knowledge,
    presenter: deps.presenters.sync,
    postmortemPresenter: deps.presenters.postmortem,
    relay,
    clock,
    ...(ports.metrics ? { requests: prometheusRequestCounts(ports.metrics) } : {}),
  });
  const remediation = buildRemediation(config, {
    store,
    slack,
    logger,
    outbox,
    clock,
    kubernetes: ports.kubernetes,
    metrics: ports.metrics,
    // Remediation escalates through the sync: the page shows in the thread's paging card and the echo is recognised.
    escalator: sync.pagerduty ? pagerDutyEscalator(sync.pagerduty) : undefined,
    presenter: deps.presenters.remediation,
    sandbox: deps.sandbox,
    workspaces,
    defaultChannel,
  });
  metrics.registry.onCollect(async () => metrics.remediationPending.set(remediation.pendingWork()));
  // A resolved incident's pending action cards lose their buttons at once.
  incidents.events.on("status", (incident, _from, by) => {
    void remediation.incidentStatusChanged(incident, by).catch((e: unknown) => logger.error({ err: e, incident: incident.id }, "withdrawing pending actions failed"));
  });
  const polling = buildPolling({
    config,
    store,
    incidents,
    slack,
    prometheus: ports.metrics,
    cloudwatch: ports.cloudwatch,
    logger,
    clock,
    poke: () => outbox.poke(),
    metrics,
    simulated: !!deps.clock && !!deps.sandbox && config.prometheus.mode === "sandbox",
    presenter: deps.presenters.anomaly,
  });
  const toolsets = new Toolsets({
    changes: store.changes,
    history: store.incidentHistory,
    knowledge,
    ports: { kubernetes: ports.kubernetes, metrics: ports.metrics, cloudwatch: ports.cloudwatch, pagerduty: ports.pagerduty },
    clock,
    kubernetes: { namespaces: config.kubernetes.namespaces },
    disabledReasons: {
      kubernetes: ports.missing.kubernetes,
      pagerduty: ports.missing.pagerduty,
      metrics: ports.missing.prometheus && ports.missing.cloudwatch ? `${ports.missing.prometheus}; ${ports.missing.cloudwatch}` : undefined,
    },
  });
  // Responders' grades of resolved incidents correct the leader's confidence (src/diagnose/feedback-calibration.ts).
  const calibration = feedbackCalibrationSource(store);
  const diagnosis = new DiagnosisService({
    store,
    clock,
    incidents,
    toolsets,
    topology,
    runbooks: () => knowledge.loadedRunbooks(),
    logger: logger.child({ component: "diagnosis" }),
    defaultChannel,
    presenter: deps.presenters.diagnosis,
    outbox,
    remediation,
    metrics,
    calibration: () => calibration.get(),
  });
  const feedback = new FeedbackService({
    store,
    incidents,
    outbox,
    logger: logger.child({ component: "feedback" }),
    defaultChannel,
    presenter: deps.presenters.feedback,
    async leading(id) {
      const lead = (await diagnosis.published(id))?.diagnosis.hypotheses[0];
      return lead ? { service: lead.service, cause: lead.cause, confidence: lead.confidence } : undefined;
    },
  });
  feedback.onChange(() => calibration.invalidate());
  const assistant = new Assistant({
    toolsets,
    store,
    knowledge,
    logger: logger.child({ component: "assistant" }),
    topology,
    ...(ports.pagerduty ? { oncall: (s: string) => sync.oncallFor(s) } : {}),
    remediation,
    redactor: Redactor.fromPatterns(config.env.AISRE_REDACT_PATTERNS),
    async permalink(id: string) {
      const root = await store.slackMessages.get(id, "root");
      if (!root) return undefined;
      const r = await slack.call("chat.getPermalink", { channel: root.channel, message_ts: root.ts });
      return r.ok && typeof r.data.permalink === "string" ? r.data.permalink : undefined;
    },
    ...(ports.openai ? { llm: { client: ports.openai.withOptions({ maxRetries: 0, timeout: config.openai.loop.timeoutMs }), model: config.openai.model, limits: config.openai.loop } } : {}),
  });
  const home = new HomeService({
    store,
    slack,
    clock,
    logger: logger.child({ component: "home" }),
    incidents,
    remediation,
    ...(ports.pagerduty ? { oncall: (s: string) => sync.oncallFor(s) } : { oncallNote: ports.missing.pagerduty ?? "PagerDuty is not configured." }),
    knownServices: () => assistant.knownServices(),
    // Grades; and the incident's root card appearing or being edited (its link, the leading cause).
    changes: [(fn) => feedback.onChange(fn), (fn) => outbox.onSent((m) => (m.purpose === "root" || m.method === "chat.update") && m.incidentId !== undefined && fn())],
    presenter: deps.presenters.home,
  });
  let timer: NodeJS.Timeout | undefined;
  let recoverTimer: NodeJS.Timeout | undefined;
  let stopRetention = () => {};
  let ticking = false;
  return {
    config,
    logger,
    metrics,
    db,
    store,
    slack,
    ...(workspaceSlack ? { workspaceSlack } : {}),
    workspaces,
    outbox,
    incidents,
    relay,
    intake,
    knowledge,
    ports,
    remediation,
    sync,
    polling,
    toolsets,
    diagnosis,
    assistant,
    feedback,
    home,
    topology,
    topologyDiscovery,
    warmUp,
    async ready() {
      if (!db.health.up()) return { ok: false, detail: `store unreachable: ${db.health.reason() ?? "connection lost"}` };
      // The embedded store is in this process and was migrated by it: once current it stays so, and
      // a probe need not queue behind the start's work on its one connection. Postgres is asked
      // every time: the query is also the probe that notices an outage.
      if (embeddedCurrent) return { ok: true, detail: "store reachable, migrations applied" };
      try {
        const current = await migrationsCurrent(db);
        embeddedCurrent = current && db.driver === "pglite";
        return current ? { ok: true, detail: "store reachable, migrations applied" } : { ok: false, detail: "migrations pending" };
      } catch (e) {
        return { ok: false, detail: `store unreachable: ${e instanceof Error ? e.message : String(e)}` };
      }
    },
    start() {
      outbox.start();
      sync.start();
      relay.start();
      polling.start();
      topologyDiscovery.start();
      diagnosis.start();
      feedback.start();
      home.start();
      void remediation.recover().catch((e: unknown) => logger.error({ err: e }, "remediation recovery failed"));
      // Verifications a dead replica held are taken over once their lease runs out.
      recoverTimer = setInterval(() => {
        if (db.health.up()) void remediation.recover().catch((e: unknown) => logger.warn({ err: e }, "remediation recovery failed"));
      }, 5_000);
      recoverTimer.unref?.();
      // Finished bookkeeping rows go after their age (wall time: they carry the database's time).
      stopRetention = startRetention(store, systemClock, logger, { maxAgeMs: config.env.AISRE_RETENTION_HOURS * 3_600_000, everyMs: 60_000 });
      intake.start();
      const runbooks = config.env.AISRE_RUNBOOKS_DIR;
      void knowledge.indexRunbooks(runbooks).then(
        (r) => {
          logger.info({ dir: runbooks, indexed: r.indexed, changed: r.changed }, "runbooks indexed");
          knowledge.watch(runbooks);
        },
        (e: unknown) => logger.warn({ err: e, dir: runbooks }, "runbooks not indexed"),
      );
      timer = setInterval(() => {
        if (ticking) return;
        ticking = true;
        incidents
          .tick()
          .catch((e: unknown) => logger.error({ err: e }, "incident housekeeping failed"))
          .finally(() => {
            ticking = false;
          });
      }, deps.tickMs ?? config.env.AISRE_HOUSEKEEPING_MS);
    },
    async close() {
      clearInterval(timer);
      clearInterval(recoverTimer);
      stopRetention();
      await polling.stop();
      await topologyDiscovery.stop();
      knowledge.close();
      remediation.close();
      await intake.stop();
      await diagnosis.stop();
      feedback.stop();
      await home.stop();
      await relay.stop();
      await sync.stop();
      while (ticking) await new Promise((r) => setTimeout(r, 20));
      await incidents.tick().catch(() => undefined);
      await outbox.idle(3000);
      await outbox.stop();
      await db.close();
    },
  };
}
