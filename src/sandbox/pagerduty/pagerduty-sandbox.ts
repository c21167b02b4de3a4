import { Router } from "../../http/router.ts";
import type { RouteRequest } from "../../http/router.ts";
import { PAGERDUTY_SANDBOX } from "../../integrations/pagerduty/sandbox-account.ts";
import { silentLogger } from "../../log.ts";
import type { Logger } from "../../log.ts";
import type { SandboxPart } from "../part.ts";
import { pagerdutyActRoutes } from "./act-routes.ts";
import { EventsApi } from "./events-api.ts";
import type { PdIncident } from "./model.ts";
import { pagerdutyRestRoutes } from "./rest-routes.ts";
import { siteResolver } from "./sandbox-http.ts";
import { PdStore } from "./store.ts";
import { WebhookSender } from "./webhook-sender.ts";
import type { WebhookDelivery } from "./webhook-sender.ts";
import { pagerdutyWebhookBody, sendPagerDutyWebhook } from "./webhooks.ts";

export interface PagerDutySandboxOptions {
  /** The bot's `/webhooks/pagerduty`; without it no webhooks are sent. */
  webhookUrl?: string;
  /** Signing secret(s); several sign each webhook with several `v1=` values, as during a rotation. Default: the sandbox secret. */
  webhookSecret?: string | string[];
  logger?: Logger;
  /** REST tokens accepted (default: the sandbox token aisre uses). */
  apiTokens?: string[];
  /** Events API v2 events accepted per routing key per minute (default 120). */
  eventsPerMinute?: number;
  /** Public base URL for `self`/`html_url` links, e.g. http://localhost:3001/pagerduty (default: from the request). */
  siteUrl?: string | (() => string | undefined);
  /** Delays between webhook retries (default 1 s, 5 s, 15 s, 60 s: 5 attempts in all, like PagerDuty). */
  webhookRetryDelaysMs?: number[];
  now?: () => Date;
}

/** One row of `GET /sandbox/state`'s `pagerdutyIncidents`. */
export interface PagerDutyIncidentState {
  id: string;
  number: number;
  title: string;
  status: PdIncident["status"];
  urgency: PdIncident["urgency"];
  service: string;
  dedupKey: string;
  escalationLevel: number;
  assignees: Array<{ id: string; name: string; email: string; slackUserId?: string }>;
  acknowledgedBy: string[];
  notes: Array<{ by: string; content: string; at: string }>;
  alerts: number;
  createdAt: string;
  updatedAt: string;
  url: string;
}

export interface PagerDutySandbox extends SandboxPart {
  store: PdStore;
  /** The next `count` REST or Events API responses fail with `status` (429 or 503) and Retry-After. */
  failNext(count: number, status?: 429 | 503, retryAfterSeconds?: number): void;
  idle(): Promise<void>;
  deliveries(): WebhookDelivery[];
}

export function createPagerDutySandbox(options: PagerDutySandboxOptions = {}): PagerDutySandbox {
  const logger = (options.logger ?? silentLogger).child({ part: "pagerduty-sandbox" });
  const secrets = options.webhookSecret === undefined ? [PAGERDUTY_SANDBOX.webhookSecret] : Array.isArray(options.webhookSecret) ? options.webhookSecret : [options.webhookSecret];
  const sender = new WebhookSender({ logger, retryDelaysMs: options.webhookRetryDelaysMs });
  const sites = siteResolver("/pagerduty", options.siteUrl);
  const site = (req: RouteRequest) => sites.fromRequest(req);
  let client = "PagerDuty";
  const asClient = <T>(name: string, fn: () => T): T => {
    const previous = client;
    client = name;
    try {
      return fn();
    } finally {
      client = previous;
    }
  };
  const store = new PdStore({
    now: options.now,
    onChange: (change) => {
      if (!options.webhookUrl) return;
      sendPagerDutyWebhook(sender, { url: options.webhookUrl, secrets, subscriptionId: PAGERDUTY_SANDBOX.webhookSubscriptionId }, pagerdutyWebhookBody(sites.current(), store, change, client));
    },
  });
  const events = new EventsApi(store, { eventsPerMinute: options.eventsPerMinute });
  const faults: Array<{ status: number; retryAfterSeconds: number }> = [];
  const failNext = (count: number, status: number, retryAfterSeconds: number) => {
    for (let i = 0; i < count; i++) faults.push({ status, retryAfterSeconds });
    return faults.length;
  };
  const idle = () => sender.idle();
  const settle = () => Promise.race([idle(), new Promise<void>((r) => setTimeout(r, 5_000).unref())]);

  const router = new Router().include(pagerdutyActRoutes({ store, site, failNext, deliveries: () => sender.deliveries(), settle, asClient })).include(pagerdutyRestRoutes({ store, events, apiTokens: options.apiTokens ?? [PAGERDUTY_SANDBOX.apiToken], logger, site, forcedFailure: () => faults.shift(), asClient }));

  const incidentState = (i: PdIncident): PagerDutyIncidentState => ({
    id: i.id,
    number: i.number,
    title: i.title,
    status: i.status,
    urgency: i.urgency,
    service: store.service(i.serviceId)!.name,
    dedupKey: i.incidentKey,
    escalationLevel: i.escalationLevel,
    assignees: i.assignments.map((a) => {
      const u = store.user(a.userId)!;
      return { id: u.id, name: u.name, email: u.email, slackUserId: u.slackUserId };
    }),
    acknowledgedBy: i.acknowledgements.map((a) => (a.by.type === "user_reference" ? store.user(a.by.id)!.name : "Events API v2")),
    notes: i.notes.map((n) => ({ by: store.user(n.userId)!.name, content: n.content, at: n.createdAt })),
    alerts: i.alerts.length,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    url: `${sites.current()}/web/incidents/${i.id}`,
  });

  return {
    name: "pagerduty",
    router,
    store,
    state: () => ({ pagerdutyIncidents: store.all().map(incidentState) }),
    failNext: (count, status = 429, retryAfterSeconds = 1) => void failNext(count, status, retryAfterSeconds),
    idle,
    deliveries: () => sender.deliveries(),
    async stop() {
      sender.stop();
    },
  };
}
