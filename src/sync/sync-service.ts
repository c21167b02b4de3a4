import type { Config } from "../config.ts";
import type { IncidentService } from "../incident/incident-service.ts";
import type { OutboxSender } from "../incident/outbox-sender.ts";
import type { ExternalEvent } from "../ingest/types.ts";
import type { JiraPort } from "../integrations/jira/port.ts";
import type { ScheduleOptions } from "../integrations/jira/write-schedule.ts";
import type { PagerDutyPort } from "../integrations/pagerduty/port.ts";
import type { SlackPort } from "../integrations/slack/slack-port.ts";
import type { Logger } from "../log.ts";
import { OpenAINarrator, type PostmortemNarrator } from "../postmortem/narrator.ts";
import type OpenAI from "openai";
import type { Clock } from "../domain/clock.ts";
import type { PostmortemPresenter } from "../postmortem/presenter.ts";
import type { RequestCountsPort } from "../postmortem/request-counts.ts";
import { PostmortemService } from "../postmortem/postmortem-service.ts";
import { Redactor, redactingPort, sharedRedactor } from "../redact/redactor.ts";
import type { KbEntry } from "../store/repos/knowledge.ts";
import type { Store } from "../store/store.ts";
import { EchoMemory } from "./echo-memory.ts";
import { type DurableEvents, JiraSync } from "./jira-sync.ts";
import { KeptMessages } from "../incident/kept-message.ts";
import { PagerDutySync, type EscalationResult } from "./pagerduty-sync.ts";
import { People } from "./people.ts";
import { plainSyncPresenter, type OncallPerson, type SyncPresenter } from "./presenter.ts";
import type { RetryOptions } from "./retry.ts";
import type { SyncSettings } from "./sync-config.ts";

/**
 * The sync capability assembled: Jira and PagerDuty two-way sync and postmortems, over the real
 * adapters (pointed at the local sandboxes when those are not configured). Built by
 * src/app/services.ts with the presenters it is given; the Slack layer handles the buttons.
 */
export class SyncService {
  readonly settings: SyncSettings;
  readonly jira?: JiraSync;
  readonly pagerduty?: PagerDutySync;
  readonly postmortems: PostmortemService;
  readonly people: People;
  readonly echo: EchoMemory;
  private readonly kept: KeptMessages;
  private readonly logger: Logger;
  private readonly presenter: SyncPresenter;
  private readonly relay?: DurableEvents & { idle(timeoutMs?: number): Promise<boolean> };

  constructor(o: {
    store: Store;
    incidents: IncidentService;
    outbox?: OutboxSender;
    slack?: SlackPort;
    logger: Logger;
    settings: SyncSettings;
    defaultChannel: string;
    jiraPort?: JiraPort;
    pagerDutyPort?: PagerDutyPort;
    knowledge?: { put(entry: KbEntry): Promise<void> };
    narrator?: PostmortemNarrator;
    redactPatterns?: string;
    /** Test knobs: shorter debounce and retries. */
    jiraSchedule?: Partial<ScheduleOptions>;
    retry?: RetryOptions;
    pollMs?: number;
    timelineDebounceMs?: number;
    /** At most one Jira timeline field refresh per this long while alerts keep coming (default JIRA_TIMELINE_EVERY_MS). */
    jiraTimelineEveryMs?: number;
    /** Renders the paging card (Block Kit from blocks/paging.ts; plain text without it). */
    presenter?: SyncPresenter;
    /** Renders the postmortem message (Block Kit from blocks/postmortem.ts; plain text without it). */
    postmortemPresenter?: PostmortemPresenter;
    /** The system's time for postmortems and the Jira timeline field's pacing (the simulation's in the sandbox). */
    clock: Clock;
    /** Measures requests over an incident, for the postmortem's error budget. */
    requests?: RequestCountsPort;
    /** Durable incident events (the product's); without it the syncs follow in-process events. */
    relay?: DurableEvents & { idle(timeoutMs?: number): Promise<boolean> };
  }) {
    this.settings = o.settings;
    this.presenter = o.presenter ?? plainSyncPresenter;
    this.logger = o.logger;
    this.people = new People({ slack: o.slack });
    this.echo = new EchoMemory({ store: o.store.syncEchoes });
    this.relay = o.relay;
    this.kept = new KeptMessages({ store: o.store, outbox: o.outbox, defaultChannel: o.defaultChannel, logger: o.logger });
    const presenter = () => this.presenter;
    if (o.jiraPort && o.settings.jira.enabled) {
      this.jira = new JiraSync({
        port: o.jiraPort,
        store: o.store,
        incidents: o.incidents,
        settings: o.settings.jira,
        logger: o.logger,
        echo: this.echo,
        people: this.people,
        presenter,
        schedule: o.jiraSchedule,
        retry: o.retry,
        pollMs: o.pollMs,
        timelineDebounceMs: o.timelineDebounceMs,
        relay: o.relay,
        clock: o.clock,
        timelineEveryMs: o.jiraTimelineEveryMs,
      });
    }
    if (o.pagerDutyPort && o.settings.pagerduty.enabled) {
      this.pagerduty = new PagerDutySync({ port: o.pagerDutyPort, store: o.store, incidents: o.incidents, settings: o.settings.pagerduty, logger: o.logger, echo: this.echo, people: this.people, kept: this.kept, presenter, retry: o.retry, relay: o.relay });
    }
    const redactor = Redactor.fromPatterns(o.redactPatterns);
    this.postmortems = new PostmortemService({
      store: o.store,
      incidents: o.incidents,
      settings: o.settings.postmortem,
      people: this.people,
      kept: this.kept,
      redact: (text) => redactor.text(text),
      logger: o.logger,
      knowledge: o.knowledge,
      jira: this.jira,
      narrator: o.narrator,
      presenter: o.postmortemPresenter,
      clock: o.clock,
      ...(o.requests ? { requests: o.requests } : {}),
    });
  }

  start(): void {
    this.jira?.start();
    this.pagerduty?.start();
    this.postmortems.start();
  }

  /** PagerDuty and Jira webhook events from the intake (WebhookIntake.handlers.external). */
  async handleExternal(events: ExternalEvent[], _source: string): Promise<void> {
    for (const ev of events) {
      try {
        if (ev.system === "jira") await this.jira?.handleEvent(ev);
        else if (ev.system === "pagerduty") await this.pagerduty?.handleEvent(ev);
      } catch (e) {
        // One bad event must not hold back the others of the delivery; it is logged with its id.
        this.logger.error({ err: e, system: ev.system, type: ev.type, id: ev.externalId }, "handling an external event failed");
      }
    }
  }

  /** Pages, or escalates an existing page (remediation's escalation, the Escalate button). */
  escalate(incidentId: string, reason: string, by = "aisre"): Promise<EscalationResult> {
    if (!this.pagerduty) return Promise.resolve({ ok: false, error: "PagerDuty sync is not enabled" });
    return this.pagerduty.escalate(incidentId, reason, by);
  }

  /** Who is on call for a service, for status cards; empty without PagerDuty. */
  async oncallFor(service: string): Promise<OncallPerson[]> {
    if (!this.pagerduty) return [];
    try {
      return await this.pagerduty.oncallFor(service);
    } catch (e) {
      this.logger.warn({ err: e, service }, "on-call lookup failed");
      return [];
    }
  }

  /** Everything queued has been written (tests, shutdown). */
  async idle(): Promise<void> {
    await this.relay?.idle();
    await this.pagerduty?.idle();
    await this.jira?.idle();
    await this.postmortems.idle();
    await this.jira?.idle();
  }

  async stop(): Promise<void> {
    await this.postmortems.stop();
    await this.pagerduty?.stop();
    await this.jira?.stop();
    this.kept.stop();
  }
}

/**
 * The sync capability from configuration and the vendor clients the composition root built: Jira
 * (the real site, else the local sandbox's) when enabled, PagerDuty from the vendor ports, and the
 * OpenAI client as the postmortem's narrator.
 */
export function buildSyncService(o: {
  config: Config;
  settings: SyncSettings;
  jiraPort?: JiraPort;
  pagerDutyPort?: PagerDutyPort;
  openai?: OpenAI;
  store: Store;
  incidents: IncidentService;
  outbox?: OutboxSender;
  slack?: SlackPort;
  logger: Logger;
  knowledge?: { put(entry: KbEntry): Promise<void> };
  presenter?: SyncPresenter;
  postmortemPresenter?: PostmortemPresenter;
  clock: Clock;
  relay?: DurableEvents & { idle(timeoutMs?: number): Promise<boolean> };
  requests?: RequestCountsPort;
}): SyncService {
  const { config, settings } = o;
  const logger = o.logger.child({ component: "sync" });
  const narrator = o.openai ? new OpenAINarrator({ client: o.openai, model: config.openai.model, logger }) : undefined;
  if (settings.jira.enabled && !o.jiraPort) logger.warn("Jira is not configured and no sandbox runs: no tickets");
  return new SyncService({
    store: o.store,
    incidents: o.incidents,
    outbox: o.outbox,
    slack: o.slack,
    logger,
    settings,
    defaultChannel: config.incidentChannel,
    jiraPort: settings.jira.enabled && o.jiraPort ? redactingPort(o.jiraPort, sharedRedactor()) : undefined,
    pagerDutyPort: settings.pagerduty.enabled ? o.pagerDutyPort : undefined,
    knowledge: o.knowledge,
    narrator,
    redactPatterns: config.env.AISRE_REDACT_PATTERNS,
    presenter: o.presenter,
    postmortemPresenter: o.postmortemPresenter,
    clock: o.clock,
    relay: o.relay,
    ...(o.requests ? { requests: o.requests } : {}),
  });
}
