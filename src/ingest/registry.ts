import { isAppError } from "../errors.ts";
import { PayloadTooLargeError, SignatureError, WebhookParseError } from "./errors.ts";
import { alertmanager } from "./sources/alertmanager.ts";
import { argocd } from "./sources/argocd.ts";
import { cloudwatch } from "./sources/cloudwatch.ts";
import { datadog } from "./sources/datadog.ts";
import { generic } from "./sources/generic.ts";
import { github } from "./sources/github.ts";
import { jira } from "./sources/jira.ts";
import { pagerduty } from "./sources/pagerduty.ts";
import type { ParsedDelivery, ReceivedWebhook, SecretSpec, SourceSecrets, WebhookSource } from "./types.ts";
import { cleanDelivery } from "./normalize.ts";

/**
 * Every `POST /webhooks/<source>`, by name: the one registry. A new source is one module under
 * sources/ (name, body limit, secrets with their environment variables, verify, parse) and one
 * line here; the config, `sourceSecrets(config)`, the door and the docs check all read this list.
 */
export const SOURCES: Readonly<Record<string, WebhookSource>> = Object.freeze({
  alertmanager,
  pagerduty,
  cloudwatch,
  datadog,
  github,
  argocd,
  generic,
  jira,
});

export const SOURCE_NAMES: readonly string[] = Object.keys(SOURCES);

/** The same sources as a list (what WebhookIntake takes). */
export const webhookSources: readonly WebhookSource[] = Object.values(SOURCES);

export function getSource(name: string): WebhookSource | undefined {
  return Object.hasOwn(SOURCES, name) ? SOURCES[name] : undefined;
}

/** Every secret the sources declare, with the source and the key its verify reads it under. */
export function secretSpecs(sources: readonly WebhookSource[] = webhookSources): Array<{ source: string; key: string; spec: SecretSpec }> {
  return sources.flatMap((source) => Object.entries(source.secrets).map(([key, spec]) => ({ source: source.name, key, spec })));
}

/**
 * The whole pure pipeline for one delivery: size (413) → signature (401) → parse (400).
 * Throws PayloadTooLargeError, SignatureError or WebhookParseError (all AppErrors with `status`).
 * The caller then stores the delivery under (source.name, deliveryId) before answering 2xx.
 */
export async function receiveDelivery(source: WebhookSource, req: ReceivedWebhook, secrets: SourceSecrets): Promise<ParsedDelivery> {
  if (req.body.length > source.maxBytes) throw new PayloadTooLargeError(source.name, req.body.length, source.maxBytes);
  const verdict = await source.verify(req, secrets);
  if (!verdict.ok) throw new SignatureError(source.name, verdict.reason);
  return parseDelivery(source, req);
}

/**
 * Parses a delivery (at the door, and again from the stored body after a crash) and cleans it. A
 * parser that throws something other than a WebhookParseError met a body it did not expect: that is
 * a 400 naming the body, never a 500 (and the parser's bug is in the cause, for the logs).
 */
export function parseDelivery(source: WebhookSource, req: ReceivedWebhook): ParsedDelivery {
  let parsed: ParsedDelivery;
  try {
    parsed = source.parse(req);
  } catch (e) {
    if (isAppError(e)) throw e;
    throw new WebhookParseError(source.name, "body", `could not be read (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  return cleanDelivery(parsed, req.body);
}
