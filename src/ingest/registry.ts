import { readFileSync } from "node:fs";
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
import type { ParsedDelivery, SourceSecrets, WebhookRequest, WebhookSource } from "./types.ts";
import { cleanDelivery } from "./normalize.ts";

/** Every `POST /webhooks/<source>`, by name. */
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

/**
 * The whole pure pipeline for one delivery: size (413) → signature (401) → parse (400).
 * Throws PayloadTooLargeError, SignatureError or WebhookParseError (all AppErrors with `status`).
 * The caller then stores the delivery under (source.name, deliveryId) before answering 2xx.
 */
export async function receiveDelivery(source: WebhookSource, req: WebhookRequest, secrets: SourceSecrets): Promise<ParsedDelivery> {
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
export function parseDelivery(source: WebhookSource, req: WebhookRequest): ParsedDelivery {
  let parsed: ParsedDelivery;
  try {
    parsed = source.parse(req);
  } catch (e) {
    if (isAppError(e)) throw e;
    throw new WebhookParseError(source.name, "body", `could not be read (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  return cleanDelivery(parsed, req.body);
}

/**
 * Source secrets from raw environment variables (names as in src/config.ts; SNS_CERT_FILE is read
 * here). For tools and tests; the app builds them from its validated Config.
 */
/** "a" → "a"; "a, b" → ["a", "b"]. */
function oneOrMany(value: string | undefined): string | string[] | undefined {
  const list =
    value
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  return list.length > 1 ? list : list[0];
}

export function sourceSecretsFromEnv(env: Record<string, string | undefined>, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): SourceSecrets {
  const v = (k: string) => {
    const s = env[k]?.trim();
    return s ? s : undefined;
  };
  const certFile = v("SNS_CERT_FILE");
  const topics = v("SNS_TOPIC_ARNS");
  const secrets: SourceSecrets = {
    alertmanagerToken: v("ALERTMANAGER_WEBHOOK_TOKEN"),
    alertmanagerBasicAuth: v("ALERTMANAGER_WEBHOOK_BASIC_AUTH"),
    // Comma-separated during a secret rotation: either secret verifies.
    pagerdutySecret: oneOrMany(v("PAGERDUTY_WEBHOOK_SECRET")),
    githubSecret: v("GITHUB_WEBHOOK_SECRET"),
    datadogSecret: v("DATADOG_WEBHOOK_SECRET"),
    argocdSecret: v("ARGOCD_WEBHOOK_SECRET"),
    genericSecret: v("GENERIC_WEBHOOK_SECRET"),
    jiraSecret: v("JIRA_WEBHOOK_SECRET"),
    snsCertificatePem: certFile ? readFile(certFile) : undefined,
    snsTopicArns: topics
      ? topics
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
  };
  for (const k of Object.keys(secrets) as Array<keyof SourceSecrets>) if (secrets[k] === undefined) delete secrets[k];
  return secrets;
}
