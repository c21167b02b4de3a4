import { z } from "zod";
import type { Alert } from "../../domain/alert.ts";
import { WebhookParseError } from "../errors.ts";
import { checkAlert, severityFromLabels, severityFromWord, tagsInText, workloadOfPod } from "../normalize.ts";
import { isSnsUrlForTopic, snsKeysFromPem, verifySnsSignature, type SnsMessage } from "../sns.ts";
import type { ParsedDelivery, ReceivedWebhook, SecretSpecs, SecretValues, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, header, parseJsonBody, parseJsonText, parseWith, stableHash, toIso } from "../util.ts";

const NAME = "cloudwatch";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  snsCertificatePem: { env: "SNS_CERT_FILE", description: "a PEM file: the SNS signing certificate(s) from the SigningCertURL, or bare public keys; a message verifies when any of them verifies it", form: "file" },
  snsTopicArns: { env: "SNS_TOPIC_ARNS", description: "comma-separated allow-list of SNS topic ARNs; other topics are refused", form: "list" },
} as const satisfies SecretSpecs;

/** SNS over HTTPS: the message itself is the body. */
const HttpsMessageSchema = z.object({
  Type: z.enum(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string(),
  Timestamp: z.string().min(1),
  Subject: z.string().nullish(),
  SubscribeURL: z.string().optional(),
  Token: z.string().optional(),
  SignatureVersion: z.string().optional(),
  Signature: z.string().optional(),
  SigningCertURL: z.string().optional(),
  UnsubscribeURL: z.string().optional(),
});

/** The Lambda event envelope (an SNS-triggered Lambda forwarding its event): note `SigningCertUrl`. */
const LambdaEnvelopeSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.string().optional(),
        Sns: z.object({
          Type: z.literal("Notification"),
          MessageId: z.string().min(1),
          TopicArn: z.string().min(1),
          Message: z.string(),
          Timestamp: z.string().min(1),
          Subject: z.string().nullish(),
          SignatureVersion: z.string().optional(),
          Signature: z.string().optional(),
          SigningCertUrl: z.string().optional(),
          SigningCertURL: z.string().optional(),
        }),
      }),
    )
    .min(1),
});

const DimensionSchema = z.object({ name: z.string(), value: z.string() });

/** The CloudWatch alarm state change, JSON inside SNS `Message`. */
const AlarmSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string().optional(),
  NewStateValue: z.enum(["ALARM", "OK", "INSUFFICIENT_DATA"]),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string().min(1),
  Region: z.string().optional(),
  AlarmArn: z.string().optional(),
  OldStateValue: z.string().optional(),
  AlarmRule: z.string().nullish(),
  Trigger: z
    .object({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      Statistic: z.string().nullish(),
      ExtendedStatistic: z.string().nullish(),
      Dimensions: z.array(DimensionSchema).optional(),
      Metrics: z
        .array(
          z.object({
            Id: z.string().optional(),
            Expression: z.string().optional(),
            MetricStat: z.object({ Metric: z.object({ MetricName: z.string().optional(), Namespace: z.string().optional(), Dimensions: z.array(DimensionSchema).optional() }) }).optional(),
          }),
        )
        .optional(),
      ComparisonOperator: z.string().optional(),
      Threshold: z.number().optional(),
    })
    .nullish(),
});

type Alarm = z.output<typeof AlarmSchema>;

/** Dimensions that name the service, best first. */
const SERVICE_DIMENSIONS = ["ServiceName", "Service", "service", "FunctionName", "ApiName", "DBClusterIdentifier", "DBInstanceIdentifier", "CacheClusterId", "QueueName", "TopicName", "TableName", "LoadBalancerName", "AutoScalingGroupName"];

/** Every SNS message in the body (HTTPS message or Lambda records), normalised to SnsMessage. */
function snsMessages(raw: unknown): { kind: "https" | "lambda"; messages: SnsMessage[] } | { kind: "raw" } {
  if (raw && typeof raw === "object" && "Records" in raw) {
    const env = parseWith(NAME, LambdaEnvelopeSchema, raw);
    return {
      kind: "lambda",
      messages: env.Records.map((r) => compact({ ...r.Sns, SigningCertURL: r.Sns.SigningCertURL ?? r.Sns.SigningCertUrl, SigningCertUrl: undefined }) as SnsMessage),
    };
  }
  if (raw && typeof raw === "object" && "AlarmName" in raw && !("Type" in raw)) return { kind: "raw" };
  const m = parseWith(NAME, HttpsMessageSchema, raw);
  return { kind: "https", messages: [compact({ ...m }) as SnsMessage] };
}

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  let raw: unknown;
  try {
    raw = JSON.parse(req.body.toString("utf8"));
  } catch {
    // Not JSON: nothing to verify; parse() answers 400. Without a certificate nothing is checked.
    return secrets.snsCertificatePem ? { ok: false, reason: "body is not an SNS message" } : { ok: true };
  }
  let found: ReturnType<typeof snsMessages>;
  try {
    found = snsMessages(raw);
  } catch {
    return secrets.snsCertificatePem ? { ok: false, reason: "body is not an SNS message" } : { ok: true };
  }
  if (found.kind === "raw") {
    return secrets.snsCertificatePem ? { ok: false, reason: "raw message delivery carries no signature; turn RawMessageDelivery off or unset SNS_CERT_FILE" } : { ok: true };
  }
  for (const m of found.messages) {
    if (secrets.snsTopicArns && secrets.snsTopicArns.length > 0 && !secrets.snsTopicArns.includes(m.TopicArn)) {
      return { ok: false, reason: `topic ${m.TopicArn} is not in the allowed topics` };
    }
    const certUrl = m.SigningCertURL;
    if (certUrl && /^https?:\/\//i.test(certUrl) && !isSnsUrlForTopic(certUrl, m.TopicArn)) {
      return { ok: false, reason: `SigningCertURL host is not sns.<region>.amazonaws.com for topic ${m.TopicArn}` };
    }
  }
  if (!secrets.snsCertificatePem) return { ok: true };
  let keys;
  try {
    keys = snsKeysFromPem(secrets.snsCertificatePem);
  } catch (e) {
    return { ok: false, reason: `SNS_CERT_FILE does not hold a usable certificate or public key (${e instanceof Error ? e.message : String(e)})` };
  }
  if (keys.length === 0) return { ok: false, reason: "SNS_CERT_FILE holds no PEM certificate or public key" };
  for (const m of found.messages) {
    const r = verifySnsSignature(m, keys);
    if (!r.ok) return r;
  }
  return { ok: true };
}

function parse(req: ReceivedWebhook): ParsedDelivery {
  const raw = parseJsonBody(NAME, req);
  const found = snsMessages(raw);
  if (found.kind === "raw") {
    const { alerts, ignored } = alarmToAlerts(parseWith(NAME, AlarmSchema, raw), "", req);
    return compact({ deliveryId: header(req, "x-amz-sns-message-id") ?? stableHash(req.body), alerts, changes: [], ignored });
  }
  if (found.kind === "https") {
    const m = found.messages[0]!;
    const typeHeader = header(req, "x-amz-sns-message-type");
    if (typeHeader && typeHeader !== m.Type) throw new WebhookParseError(NAME, "Type", `is ${m.Type} but the x-amz-sns-message-type header says ${typeHeader}`);
    const deliveryId = m.MessageId || header(req, "x-amz-sns-message-id")!;
    if (m.Type === "SubscriptionConfirmation") {
      if (!m.SubscribeURL) throw new WebhookParseError(NAME, "SubscribeURL", "required");
      if (!isSnsUrlForTopic(m.SubscribeURL, m.TopicArn)) throw new WebhookParseError(NAME, "SubscribeURL", "is not an https URL on the SNS endpoint of the topic's region");
      return { deliveryId, alerts: [], changes: [], confirmUrl: m.SubscribeURL, reply: { status: 200, body: { ok: true, confirming: m.TopicArn } }, ignored: ["SubscriptionConfirmation"] };
    }
    if (m.Type === "UnsubscribeConfirmation") {
      return { deliveryId, alerts: [], changes: [], reply: { status: 200, body: { ok: true, unsubscribed: m.TopicArn } }, ignored: ["UnsubscribeConfirmation"] };
    }
    const alarm = parseWith(NAME, AlarmSchema, parseJsonText(NAME, m.Message, "Message"), "Message");
    const { alerts, ignored } = alarmToAlerts(alarm, "Message", req);
    return compact({ deliveryId, alerts, changes: [], ignored });
  }
  const alerts: Alert[] = [];
  const ignored: string[] = [];
  found.messages.forEach((m, i) => {
    const field = `Records[${i}].Sns.Message`;
    const alarm = parseWith(NAME, AlarmSchema, parseJsonText(NAME, m.Message, field), field);
    const r = alarmToAlerts(alarm, field, req);
    alerts.push(...r.alerts);
    if (r.ignored) ignored.push(...r.ignored);
  });
  const ids = found.messages.map((m) => m.MessageId);
  return compact({ deliveryId: ids.length === 1 ? ids[0]! : stableHash(...ids), alerts, changes: [], ignored: ignored.length ? ignored : undefined });
}

/**
 * ALARM → firing; OK → resolved; INSUFFICIENT_DATA → ignored (no data is not a failure by itself:
 * a missing-data failure is an alarm with TreatMissingData=breaching).
 */
function alarmToAlerts(alarm: Alarm, field: string, req: ReceivedWebhook): { alerts: Alert[]; ignored?: string[] } {
  if (alarm.NewStateValue === "INSUFFICIENT_DATA") return { alerts: [], ignored: [`${alarm.AlarmName}: INSUFFICIENT_DATA ignored`] };
  const at = toIso(NAME, `${field ? `${field}.` : ""}StateChangeTime`, alarm.StateChangeTime) ?? req.receivedAt;
  const arnRegion = /^arn:aws[\w-]*:cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):alarm:/.exec(alarm.AlarmArn ?? "");
  const region = arnRegion?.[1];
  const account = arnRegion?.[2] ?? alarm.AWSAccountId;
  const dims = new Map<string, string>();
  for (const d of alarm.Trigger?.Dimensions ?? []) dims.set(d.name, d.value);
  for (const m of alarm.Trigger?.Metrics ?? []) for (const d of m.MetricStat?.Metric.Dimensions ?? []) if (!dims.has(d.name)) dims.set(d.name, d.value);
  const metric = alarm.Trigger?.MetricName ?? alarm.Trigger?.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric.MetricName;
  const namespace = alarm.Trigger?.Namespace ?? alarm.Trigger?.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric.Namespace;
  const tags = { ...tagsInText(alarm.AlarmName), ...tagsInText(alarm.AlarmDescription) };

  const labels: Record<string, string> = {};
  for (const [k, v] of dims) labels[k] = v;
  Object.assign(
    labels,
    compact({
      alarm_name: alarm.AlarmName,
      aws_account: account,
      region,
      namespace,
      metric_name: metric,
      statistic: alarm.Trigger?.Statistic ?? alarm.Trigger?.ExtendedStatistic ?? undefined,
      env: tags.env ?? tags.environment,
      team: tags.team,
      severity: tags.severity ?? tags.sev,
      priority: tags.priority,
      service: tags.service,
    }),
  );
  let service: string | undefined = tags.service;
  for (const d of SERVICE_DIMENSIONS) if (!service && dims.get(d)) service = dims.get(d);
  if (!service && dims.get("PodName")) service = workloadOfPod(dims.get("PodName")!);
  const severity = severityFromWord(tags.priority) ?? severityFromLabels(labels);
  const firing = alarm.NewStateValue === "ALARM";
  const alert = compact({
    fingerprint: alarm.AlarmArn || `cloudwatch:${account ?? "unknown"}:${alarm.AlarmName}`,
    source: NAME,
    name: alarm.AlarmName,
    status: firing ? "firing" : "resolved",
    severity,
    service,
    summary: alarm.AlarmDescription?.trim() || alarm.AlarmName,
    description: alarm.NewStateReason,
    labels,
    // OK carries only the time of the change: startsAt = endsAt = that time; keep the stored startsAt.
    startsAt: at,
    endsAt: firing ? undefined : at,
    generatorUrl: region ? `https://console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}` : undefined,
    runbookUrl: tags.runbook,
  }) as Alert;
  return { alerts: [checkAlert(NAME, alert, field || "body")] };
}

/** 512 KiB: an SNS message is at most 256 KiB; the envelope adds a little. Lambda batches are single-record for SNS. */
export const cloudwatch: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 512 * 1024, secrets: SECRETS, verify, parse };
