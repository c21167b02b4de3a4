import type { Alert, ChangeEvent } from "../domain/alert.ts";

/** One inbound HTTP delivery, as the HTTP layer received it (raw body: signatures cover the bytes). */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /**
   * When the delivery arrived (ISO 8601). Used only where the sender gives no time at all; defaults
   * to now. Passing it keeps parsing deterministic (tests, replays of stored deliveries).
   */
  receivedAt?: string;
}

/**
 * Something that happened in a system we sync with (PagerDuty incident acknowledged, Jira issue
 * edited): input for the sync issue, never an alert by itself.
 */
export interface ExternalEvent {
  system: "pagerduty" | "jira";
  /** The sender's event type, e.g. `incident.acknowledged`, `jira:issue_updated`, `comment_created`. */
  type: string;
  /** The PagerDuty incident id or the Jira issue key. */
  externalId: string;
  /** Who did it, as the sender names them (display name, else account id). */
  actor?: string;
  /** The sender's id for the actor (PagerDuty user id, Jira accountId): compare with our own bot account to drop echoes. */
  actorId?: string;
  /** When it happened (ISO 8601). */
  at: string;
  data: Record<string, unknown>;
}

export interface ParsedDelivery {
  /** The sender's delivery id (header or body), else a stable hash of the body: the dedupe key with the source name. */
  deliveryId: string;
  alerts: Alert[];
  changes: ChangeEvent[];
  externalEvents?: ExternalEvent[];
  /** What to answer instead of the default 200/202 (e.g. an SNS subscription being confirmed). */
  reply?: { status: number; body: unknown };
  /** SNS SubscribeURL the caller must GET to confirm the subscription (already checked to be an SNS host). */
  confirmUrl?: string;
  /** Why a delivery produced nothing (e.g. "INSUFFICIENT_DATA ignored", "ping"): for logs and the reply. */
  ignored?: string[];
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Shared secrets and certificates per source. A source whose secret is unset accepts unsigned
 * deliveries (local sandbox, first setup); once set, a missing or wrong signature is refused.
 */
export interface SourceSecrets {
  /** Alertmanager `http_config.authorization.credentials` (sent as `Authorization: Bearer <token>`). */
  alertmanagerToken?: string;
  /** Alertmanager `http_config.basic_auth` as `user:password`. */
  alertmanagerBasicAuth?: string;
  /** PAGERDUTY_WEBHOOK_SECRET: the v3 subscription's signing secret (several during a rotation: any may match). */
  pagerdutySecret?: string | string[];
  /** GITHUB_WEBHOOK_SECRET. */
  githubSecret?: string;
  /** DATADOG_WEBHOOK_SECRET: sent by Datadog in the `X-Aisre-Token` custom header. */
  datadogSecret?: string;
  /** ARGOCD_WEBHOOK_SECRET: sent by Argo CD in the `X-Aisre-Token` header. */
  argocdSecret?: string;
  /** GENERIC_WEBHOOK_SECRET: HMAC key of `X-Aisre-Signature`. */
  genericSecret?: string;
  /** JIRA_WEBHOOK_SECRET: the admin webhook's secret (Jira signs `X-Hub-Signature: sha256=…`). */
  jiraSecret?: string;
  /**
   * Contents of SNS_CERT_FILE: one or more PEM blocks (X.509 certificates as downloaded from the
   * SigningCertURL, or bare public keys). A message verifies when any of them verifies it.
   */
  snsCertificatePem?: string;
  /** Optional allow-list of SNS topic ARNs; other topics are refused. */
  snsTopicArns?: string[];
}

export interface WebhookSource {
  /** The `<source>` in `POST /webhooks/<source>`. */
  name: string;
  /** Largest body accepted, in bytes: larger → 413 before anything is parsed. */
  maxBytes: number;
  verify(req: WebhookRequest, secrets: SourceSecrets): Promise<VerifyResult> | VerifyResult;
  /** Throws WebhookParseError naming the offending field. */
  parse(req: WebhookRequest): ParsedDelivery;
}
