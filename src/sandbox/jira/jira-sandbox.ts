import { Router } from "../../http/router.ts";
import type { RouteRequest } from "../../http/router.ts";
import { silentLogger } from "../../log.ts";
import type { Logger } from "../../log.ts";
import type { SandboxPart } from "../part.ts";
import { siteResolver } from "../pagerduty/sandbox-http.ts";
import { WebhookSender } from "../pagerduty/webhook-sender.ts";
import type { WebhookDelivery } from "../pagerduty/webhook-sender.ts";
import { jiraActRoutes } from "./act-routes.ts";
import type { IssueRecord } from "./model.ts";
import { jiraRestRoutes } from "./rest-routes.ts";
import { FIELDS, ISSUE_TYPES, PRIORITIES, SEVERITY_FIELD_ID, USERS } from "./seed.ts";
import { JiraStore } from "./store.ts";
import { jiraWebhookBody, sendJiraWebhook } from "./webhooks.ts";
import { WriteLimiter } from "./write-limit.ts";
import type { WriteRateLimit } from "./write-limit.ts";

export interface JiraSandboxOptions {
  /** The bot's `/webhooks/jira`; without it no webhooks are sent. */
  webhookUrl?: string;
  /** Signs webhooks with `X-Hub-Signature: sha256=…` (Jira admin webhooks with a secret). */
  webhookSecret?: string;
  logger?: Logger;
  /** Per-issue write limit (default 20 writes per 2 s per issue). */
  rateLimit?: Partial<WriteRateLimit>;
  /** Public base URL of the sandbox Jira site for `self` links, e.g. http://localhost:3001/jira (default: from the request). */
  siteUrl?: string | (() => string | undefined);
  /** Per issue type name, the custom field ids OPS requires on create (default `{Incident: ["customfield_10040"]}`). */
  requiredFields?: Record<string, string[]>;
  /** Delays between webhook retries (default 1 s, 5 s, 15 s, 60 s). */
  webhookRetryDelaysMs?: number[];
  now?: () => Date;
}

/** One row of `GET /sandbox/state`'s `jiraIssues`: what the sandbox page's Jira board shows. */
export interface JiraIssueState {
  key: string;
  url: string;
  type: string;
  summary: string;
  status: string;
  priority: string | null;
  severity: string | null;
  assignee: { accountId: string; name: string; slackUserId?: string } | null;
  labels: string[];
  parent: string | null;
  comments: number;
  remoteLinks: number;
  created: string;
  updated: string;
}

export interface JiraSandbox extends SandboxPart {
  store: JiraStore;
  /** The next `count` REST responses fail with `status` (429 or 503) and Retry-After. */
  failNext(count: number, status?: 429 | 503, retryAfterSeconds?: number): void;
  setRateLimit(limit: WriteRateLimit): void;
  /** Resolves once every webhook queued so far is delivered or given up. */
  idle(): Promise<void>;
  deliveries(): WebhookDelivery[];
}

export function createJiraSandbox(options: JiraSandboxOptions = {}): JiraSandbox {
  const logger = (options.logger ?? silentLogger).child({ part: "jira-sandbox" });
  const now = options.now ?? (() => new Date());
  const sender = new WebhookSender({ logger, retryDelaysMs: options.webhookRetryDelaysMs });
  const sites = siteResolver("/jira", options.siteUrl);
  const site = (req: RouteRequest) => sites.fromRequest(req);
  const store = new JiraStore({
    requiredFields: options.requiredFields,
    now,
    onChange: (change) => {
      if (!options.webhookUrl) return;
      const { event, body } = jiraWebhookBody(sites.current(), store, change, now().getTime());
      sendJiraWebhook(sender, options.webhookUrl, options.webhookSecret, event, body);
    },
  });
  const limiter = new WriteLimiter({ writesPerIssue: options.rateLimit?.writesPerIssue ?? 20, windowMs: options.rateLimit?.windowMs ?? 2_000 });
  const idle = () => sender.idle();
  const settle = () => Promise.race([idle(), new Promise<void>((r) => setTimeout(r, 5_000).unref())]);

  const router = new Router().include(jiraActRoutes({ store, limiter, site, deliveries: () => sender.deliveries(), settle })).include(jiraRestRoutes({ store, limiter, logger, site, now: () => now().getTime() }));

  const issueState = (i: IssueRecord): JiraIssueState => {
    const assignee = USERS.find((u) => u.accountId === i.assigneeId);
    const sev = FIELDS.find((f) => f.id === SEVERITY_FIELD_ID)!.options!.find((o) => o.id === i.custom[SEVERITY_FIELD_ID]);
    return {
      key: i.key,
      url: `${sites.current()}/browse/${i.key}`,
      type: ISSUE_TYPES.find((t) => t.id === i.issueTypeId)!.name,
      summary: i.summary,
      status: store.status(i.statusId).name,
      priority: PRIORITIES.find((p) => p.id === i.priorityId)?.name ?? null,
      severity: sev?.value ?? null,
      assignee: assignee ? { accountId: assignee.accountId, name: assignee.displayName, slackUserId: assignee.slackUserId } : null,
      labels: i.labels,
      parent: i.parentKey,
      comments: i.comments.length,
      remoteLinks: i.remoteLinks.length,
      created: i.created,
      updated: i.updated,
    };
  };

  return {
    name: "jira",
    router,
    store,
    state: () => ({ jiraIssues: store.all().map(issueState) }),
    failNext: (count, status = 429, retryAfterSeconds = 1) => limiter.failNext(count, status, retryAfterSeconds),
    setRateLimit: (limit) => limiter.setLimit(limit),
    idle,
    deliveries: () => sender.deliveries(),
    async stop() {
      sender.stop();
    },
  };
}
