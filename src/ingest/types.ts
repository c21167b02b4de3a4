import type { Alert, ChangeEvent } from "../domain/alert.ts";

/** One inbound HTTP delivery, as the HTTP layer received it (raw body: signatures cover the bytes). */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** When the delivery arrived (ISO 8601); the intake stamps it with the Clock port when absent. */
  receivedAt?: string;
}

/**
 * A delivery stamped with its arrival time in the system's time (the intake's Clock port, or the
 * stored time on a replay): what parsers read, where the sender gives no time at all.
 */
export type ReceivedWebhook = WebhookRequest & { receivedAt: string };

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
 * One secret (or verification setting) of a source, read from one environment variable. The source
 * declares it; the config validates it, `sourceSecrets(config)` reads it, the deployment may set it.
 */
export interface SecretSpec {
  /** The environment variable, e.g. `GENERIC_WEBHOOK_SECRET`. */
  readonly env: string;
  /** What it holds and where the sender is given it. */
  readonly description: string;
  /**
   * How the value is read: `text` (default) as is; `list` comma-separated (several during a
   * rotation: any verifies); `file` a path whose contents are the secret (read once, at start).
   */
  readonly form?: "text" | "list" | "file";
  /** The form the raw value must have (checked when the config loads). */
  readonly pattern?: { readonly regex: RegExp; readonly expected: string };
}

/** A source's secrets by the key its verify reads them under. */
export type SecretSpecs = Readonly<Record<string, SecretSpec>>;

/** A list secret is read as a list; a text or file secret as a string; unknown specs as either. */
export type SecretValue<S extends SecretSpec = SecretSpec> = S extends { form: "list" } ? string[] : S extends { readonly env: string; readonly form?: "text" | "file" } ? string : string | string[];

/** What a source's verify gets: its own secrets, those that are set. */
export type SecretValues<M extends SecretSpecs = SecretSpecs> = { readonly [K in keyof M]?: SecretValue<M[K]> };

/**
 * Every source's secrets, by key (keys start with the source's name, so they are unique across
 * sources). A source whose secret is unset accepts unsigned deliveries (local sandbox, first
 * setup); once set, a missing or wrong signature is refused. Built from the config by
 * `sourceSecrets(config)` (src/webhooks/secrets.ts).
 */
export type SourceSecrets = SecretValues;

/**
 * A webhook source, all in one module under src/ingest/sources/: its name, its body limit, the
 * secrets it verifies with (each declaring its environment variable), verification and parsing.
 * Listed once in src/ingest/registry.ts; the config, the door and the docs check read it from there.
 */
export interface WebhookSource<M extends SecretSpecs = SecretSpecs> {
  /** The `<source>` in `POST /webhooks/<source>`. */
  name: string;
  /** Largest body accepted, in bytes: larger → 413 before anything is parsed. */
  maxBytes: number;
  /** The secrets it verifies with, by the key `verify` reads them under. */
  secrets: M;
  verify(req: WebhookRequest, secrets: SecretValues<M>): Promise<VerifyResult> | VerifyResult;
  /** Throws WebhookParseError naming the offending field. */
  parse(req: ReceivedWebhook): ParsedDelivery;
}

/** Declares a source, keeping its secrets' keys and forms in the type its verify sees. */
export function defineSource<const M extends SecretSpecs>(source: WebhookSource<M>): WebhookSource<M> {
  return source;
}
