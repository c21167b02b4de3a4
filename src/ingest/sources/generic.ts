import { z } from "zod";
import type { Alert, ChangeEvent } from "../../domain/alert.ts";
import { checkAlert, checkChange, fingerprintFromLabels, serviceFromLabels, severityFromLabels } from "../normalize.ts";
import type { ParsedDelivery, ReceivedWebhook, SecretSpecs, SecretValues, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, header, parseJsonBody, parseWith, stableHash, toIso, verifyHmacHeader } from "../util.ts";

const NAME = "generic";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  genericSecret: { env: "GENERIC_WEBHOOK_SECRET", description: "the HMAC-SHA256 key of X-Aisre-Signature: sha256=…" },
} as const satisfies SecretSpecs;

const time = z.union([z.string().min(1), z.number()]).meta({ description: "ISO 8601 / RFC 3339 time, or Unix epoch seconds or milliseconds." });

const GenericAlertSchema = z
  .object({
    id: z.string().min(1).optional().meta({ description: "Stable identity of the alerting condition (the same id re-firing is the same alert). Default: a hash of name, service and labels." }),
    name: z.string().min(1).meta({ description: "Alert name, e.g. HighErrorRate." }),
    status: z.enum(["firing", "resolved"]),
    severity: z
      .enum(["sev1", "sev2", "sev3", "sev4", "critical", "error", "high", "warning", "medium", "info", "low"])
      .optional()
      .meta({ description: "sev1 (worst) … sev4, or a word: critical → sev2 (sev1 with labels page=true / tier=1 / impact=customer), error/high → sev2, warning/medium → sev3, info/low → sev4. Default sev3." }),
    service: z.string().min(1).optional().meta({ description: "The service the alert is about. Default: from labels (service, app, deployment, container, job …)." }),
    summary: z.string().min(1).meta({ description: "One line: what is wrong." }),
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional().meta({ description: "String labels (cluster, namespace, env, region …): used for grouping." }),
    startsAt: time.optional().meta({ description: "When it started firing. Default: when aisre received it (send it for exact redelivery detection)." }),
    endsAt: time.optional().meta({ description: "When it resolved (resolved alerts). Default: when aisre received it." }),
    url: z.string().optional().meta({ description: "Link back to the alert in the sending tool." }),
    runbookUrl: z.string().optional(),
  })
  .meta({ title: "Alert" });

const GenericChangeSchema = z
  .object({
    id: z.string().min(1).optional().meta({ description: "Stable id of the change; later updates of the same change reuse it. Default: a hash of the change." }),
    kind: z.enum(["deploy", "config", "rollback", "scale", "other"]),
    service: z.string().min(1),
    version: z.string().optional(),
    previousVersion: z.string().optional(),
    environment: z.string().optional(),
    status: z.string().optional().meta({ description: "e.g. started, succeeded, failed." }),
    author: z.string().optional(),
    description: z.string().optional(),
    url: z.string().optional(),
    at: time.optional().meta({ description: "When the change happened. Default: when aisre received it." }),
  })
  .meta({ title: "Change" });

/** The documented body of POST /webhooks/generic (docs/templates/generic-alert.schema.json is generated from it). */
export const GenericPayloadSchema = z
  .object({
    alerts: z.array(GenericAlertSchema).optional(),
    changes: z.array(GenericChangeSchema).optional(),
  })
  .refine((b) => (b.alerts?.length ?? 0) + (b.changes?.length ?? 0) > 0, { message: "send at least one alert or change", path: ["alerts"] })
  .meta({
    title: "aisre generic webhook",
    description: "POST /webhooks/generic. Sign with X-Aisre-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed with GENERIC_WEBHOOK_SECRET> when that secret is set. Optional X-Aisre-Delivery header: your delivery id (retries with the same id are ignored).",
  });

/** The JSON Schema users validate against (docs/templates/generic-alert.schema.json). */
export function genericJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(GenericPayloadSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: "https://aisre.dev/schemas/generic-alert.schema.json",
    ...schema,
    // The zod refine, spelled out for JSON Schema validators: at least one alert or change.
    anyOf: [
      { required: ["alerts"], properties: { alerts: { minItems: 1 } } },
      { required: ["changes"], properties: { changes: { minItems: 1 } } },
    ],
  };
}

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  return verifyHmacHeader(req, "x-aisre-signature", "sha256=", secrets.genericSecret);
}

function parse(req: ReceivedWebhook): ParsedDelivery {
  const body = parseWith(NAME, GenericPayloadSchema, parseJsonBody(NAME, req));
  const now = req.receivedAt;
  const deliveryId = header(req, "x-aisre-delivery") ?? stableHash(req.body);
  const alerts: Alert[] = (body.alerts ?? []).map((a, i) => {
    const field = `alerts[${i}]`;
    const labels = { ...(a.labels ?? {}) };
    const service = a.service ?? serviceFromLabels(labels);
    const startsAt = toIso(NAME, `${field}.startsAt`, a.startsAt) ?? now;
    return checkAlert(
      NAME,
      compact({
        fingerprint: a.id ? `generic:${a.id}` : `generic:${fingerprintFromLabels({ ...labels, alertname: a.name, service: service ?? "" })}`,
        source: NAME,
        name: a.name,
        status: a.status,
        severity: severityFromLabels({ ...labels, severity: a.severity ?? labels.severity ?? "" }),
        service,
        summary: a.summary,
        description: a.description,
        labels,
        startsAt,
        endsAt: a.status === "resolved" ? (toIso(NAME, `${field}.endsAt`, a.endsAt) ?? now) : undefined,
        generatorUrl: a.url,
        runbookUrl: a.runbookUrl,
      }) as Alert,
      field,
    );
  });
  const changes: ChangeEvent[] = (body.changes ?? []).map((c, i) => {
    const field = `changes[${i}]`;
    return checkChange(
      NAME,
      compact({
        id: c.id ? `generic:${c.id}` : `generic:${stableHash(JSON.stringify(c))}`,
        source: NAME,
        kind: c.kind,
        service: c.service,
        version: c.version,
        previousVersion: c.previousVersion,
        environment: c.environment,
        status: c.status,
        author: c.author,
        description: c.description,
        url: c.url,
        at: toIso(NAME, `${field}.at`, c.at) ?? now,
      }) as ChangeEvent,
      field,
    );
  });
  return { deliveryId, alerts, changes };
}

/** 2 MiB: batches of a few thousand alerts. */
export const generic: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 2 * 1024 * 1024, secrets: SECRETS, verify, parse };
