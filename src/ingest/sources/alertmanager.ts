import { z } from "zod";
import type { Alert } from "../../domain/alert.ts";
import { WebhookParseError } from "../errors.ts";
import { checkAlert, fingerprintFromLabels, serviceFromLabels, severityFromLabels } from "../normalize.ts";
import type { ParsedDelivery, ReceivedWebhook, SecretSpecs, SecretValues, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, header, parseJsonBody, parseWith, safeEqual, stableHash, toIso, verifyOptionalSignature } from "../util.ts";

const NAME = "alertmanager";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  alertmanagerToken: { env: "ALERTMANAGER_WEBHOOK_TOKEN", description: "the token of Alertmanager's http_config.authorization (sent as Authorization: Bearer); also the key of X-Aisre-Signature" },
  alertmanagerBasicAuth: { env: "ALERTMANAGER_WEBHOOK_BASIC_AUTH", description: "Alertmanager's http_config.basic_auth as user:password", pattern: { regex: /^[^:]+:.+$/, expected: "user:password" } },
} as const satisfies SecretSpecs;

const labelMap = z.record(z.string(), z.string());

/** Prometheus Alertmanager webhook_config payload, version 4 (exported for the test that pins validPayload to it). */
const AlertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: labelMap.refine((l) => typeof l.alertname === "string" && l.alertname !== "", { message: "alertname label is required", path: ["alertname"] }),
  annotations: labelMap.default({}),
  startsAt: z.string().min(1),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const PayloadSchema = z.object({
  version: z.literal("4", { message: 'expected "4" (Alertmanager webhook payload version)' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(AlertSchema),
});

type Payload = z.output<typeof PayloadSchema>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const optionalString = (v: unknown) => v === undefined || typeof v === "string";
const isStatus = (v: unknown): v is "firing" | "resolved" => v === "firing" || v === "resolved";

/** A label map as labelMap accepts it unchanged: string values only (a `__proto__` key, which zod drops, is left to zod). */
function isLabelMap(v: unknown): v is Record<string, string> {
  if (!isObject(v)) return false;
  for (const k of Object.keys(v)) if (typeof v[k] !== "string" || k === "__proto__") return false;
  return true;
}

/**
 * PayloadSchema's output for a payload it certainly accepts, checked by hand (a storm's single-alert
 * deliveries spent more on zod than on their JSON); undefined for anything else, which goes through
 * PayloadSchema (whose first issue names the field). Accepts nothing PayloadSchema refuses.
 */
export function validPayload(v: unknown): Payload | undefined {
  if (!isObject(v) || v.version !== "4" || typeof v.groupKey !== "string" || !isStatus(v.status) || typeof v.receiver !== "string" || !optionalString(v.externalURL)) return undefined;
  const truncated = v.truncatedAlerts;
  if (truncated !== undefined && !(Number.isSafeInteger(truncated) && (truncated as number) >= 0)) return undefined;
  const { groupLabels = {}, commonLabels = {}, commonAnnotations = {}, alerts } = v;
  if (!isLabelMap(groupLabels) || !isLabelMap(commonLabels) || !isLabelMap(commonAnnotations) || !Array.isArray(alerts)) return undefined;
  const out: Payload["alerts"] = [];
  for (const a of alerts as unknown[]) {
    if (!isObject(a) || !isStatus(a.status) || !isLabelMap(a.labels) || typeof a.labels.alertname !== "string" || a.labels.alertname === "") return undefined;
    const { annotations = {}, startsAt, endsAt, generatorURL, fingerprint } = a;
    if (!isLabelMap(annotations) || typeof startsAt !== "string" || startsAt === "" || !optionalString(endsAt) || !optionalString(generatorURL) || !optionalString(fingerprint)) return undefined;
    out.push({ status: a.status, labels: a.labels, annotations, startsAt, endsAt: endsAt as string | undefined, generatorURL: generatorURL as string | undefined, fingerprint: fingerprint as string | undefined });
  }
  return { version: "4", groupKey: v.groupKey, truncatedAlerts: truncated as number | undefined, status: v.status, receiver: v.receiver, groupLabels, commonLabels, commonAnnotations, externalURL: v.externalURL as string | undefined, alerts: out };
}

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  const { alertmanagerToken: token, alertmanagerBasicAuth: basic } = secrets;
  if (!token && !basic) return { ok: true };
  const signed = verifyOptionalSignature(req, token ?? basic);
  if (signed) return signed;
  const auth = header(req, "authorization")?.trim();
  if (!auth) return { ok: false, reason: "missing Authorization header" };
  const [scheme = "", ...rest] = auth.split(/\s+/);
  const value = rest.join(" ");
  if (token && scheme.toLowerCase() === "bearer" && safeEqual(value, token)) return { ok: true };
  if (basic && scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (safeEqual(decoded, basic)) return { ok: true };
  }
  return { ok: false, reason: `Authorization ${scheme || "(empty)"} credentials do not match` };
}

function parse(req: ReceivedWebhook): ParsedDelivery {
  const json = parseJsonBody(NAME, req);
  const body = validPayload(json) ?? parseWith(NAME, PayloadSchema, json);
  const alerts: Alert[] = body.alerts.map((a, i) => {
    const field = `alerts[${i}]`;
    const labels = a.labels;
    const annotations = { ...body.commonAnnotations, ...a.annotations };
    const startsAt = toIso(NAME, `${field}.startsAt`, a.startsAt);
    if (!startsAt) throw new WebhookParseError(NAME, `${field}.startsAt`, "required");
    const endsAt = a.status === "resolved" ? toIso(NAME, `${field}.endsAt`, a.endsAt) : undefined;
    const summary = annotations.summary ?? annotations.message ?? annotations.title ?? labels.alertname!;
    // Undefined fields as they are: checkAlert leaves them out (compact's deletes made the alert a slow dictionary-mode object, ~5 % of the parse).
    return checkAlert(
      NAME,
      {
        fingerprint: a.fingerprint?.trim() || fingerprintFromLabels(labels),
        source: NAME,
        name: labels.alertname!,
        status: a.status,
        severity: severityFromLabels(labels),
        service: serviceFromLabels(labels),
        summary,
        description: annotations.description,
        labels,
        startsAt,
        endsAt: endsAt ?? (a.status === "resolved" ? req.receivedAt : undefined),
        generatorUrl: a.generatorURL || undefined,
        runbookUrl: annotations.runbook_url ?? annotations.runbook,
      },
      field,
    );
  });
  // Alertmanager has no delivery id. The group, its state and every alert's identity and times
  // make one: a repeat_interval re-send of an unchanged group is a redelivery (no news). Firing
  // alerts' endsAt is left out: Prometheus moves it forward on every evaluation.
  const deliveryId = stableHash(body.groupKey, body.status, ...alerts.map((a) => `${a.fingerprint}|${a.status}|${a.startsAt}|${a.endsAt ?? ""}`));
  const ignored = body.truncatedAlerts ? [`${body.truncatedAlerts} alerts truncated by Alertmanager (max_alerts)`] : undefined;
  return compact({ deliveryId, alerts, changes: [], ignored });
}

/** 4 MiB: a large group at the default max_alerts (0 = all) is about 1 KiB per alert. */
export const alertmanager: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 4 * 1024 * 1024, secrets: SECRETS, verify, parse };
