import { z } from "zod";
import type { Alert, AlertStatus, Severity } from "../../domain/alert.ts";
import { checkAlert, serviceFromLabels, severityFromLabels, severityFromWord, workloadOfPod } from "../normalize.ts";
import type { ParsedDelivery, ReceivedWebhook, SecretSpecs, SecretValues, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, parseJsonBody, parseWith, stableHash, toIso, verifySharedToken } from "../util.ts";

const NAME = "datadog";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  datadogSecret: { env: "DATADOG_WEBHOOK_SECRET", description: "sent by Datadog in the X-Aisre-Token custom header; also the key of X-Aisre-Signature" },
} as const satisfies SecretSpecs;

/**
 * Datadog leaves a variable that does not apply either empty or as the literal `$NAME`: both mean
 * "not set" here.
 */
const dd = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" || /^\$[A-Z_]+$/.test(v.trim()) ? undefined : v.trim()));

/** The output of docs/templates/datadog-webhook.json (keep the two in step). */
const PayloadSchema = z.object({
  aisre: z.string().optional(),
  id: dd,
  alert_id: dd.refine((v) => v !== undefined, { message: "required ($ALERT_ID)" }),
  alert_cycle_key: dd,
  aggreg_key: dd,
  transition: dd.refine((v) => v !== undefined, { message: "required ($ALERT_TRANSITION)" }),
  alert_type: dd,
  priority: dd,
  title: dd,
  event_title: dd,
  message: dd,
  alert_status: dd,
  scope: dd,
  metric: dd,
  query: dd,
  hostname: dd,
  tags: dd,
  link: dd,
  date: z.union([dd, z.number()]).optional(),
  last_updated: z.union([dd, z.number()]).optional(),
  org_id: z.union([dd, z.number()]).optional(),
  org_name: dd,
});

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  return verifySharedToken(req, secrets.datadogSecret);
}

/** `env:prod,service:checkout,team:a` (also space-separated) → labels; a bare tag becomes `tag: "true"`. */
export function datadogTags(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const raw of text.split(/[,\s]+/)) {
    const t = raw.trim();
    if (!t || t === "*") continue;
    const i = t.indexOf(":");
    if (i <= 0) out[t] = "true";
    else out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

/**
 * $ALERT_TRANSITION → status: Recovered → resolved; Triggered, Re-Triggered, Warn, Re-Warn,
 * No Data, Re-No Data, Renotify → firing. Anything else (muting notices…) is ignored.
 */
function transitionStatus(transition: string): { status: AlertStatus; warn?: boolean; noData?: boolean } | undefined {
  const t = transition.toLowerCase().trim().replace(/^re-/, "");
  if (t === "recovered" || t === "recovery" || t === "ok") return { status: "resolved" };
  if (t === "triggered" || t === "alert" || t === "renotify" || t === "escalated") return { status: "firing" };
  if (t === "warn" || t === "warning") return { status: "firing", warn: true };
  if (t === "no data" || t === "nodata" || t === "no_data") return { status: "firing", noData: true };
  return undefined;
}

/** $ALERT_PRIORITY (P1…P5) first, then a `severity:` tag, then Warn / No Data → sev3, then $ALERT_TYPE (error → sev2, warning → sev3, info/success → sev4). */
function datadogSeverity(priority: string | undefined, tags: Record<string, string>, alertType: string | undefined, how: { warn?: boolean; noData?: boolean }): Severity {
  const p = priority ? /^p(\d)$/i.exec(priority) : null;
  if (p) return (["sev1", "sev1", "sev2", "sev3", "sev4", "sev4"] as const)[Math.min(Number(p[1]), 5)]!;
  if (tags.severity || tags.priority) return severityFromLabels(tags);
  if (how.warn || how.noData) return "sev3";
  if (alertType === "error") return "sev2";
  return severityFromWord(alertType === "success" ? "info" : alertType) ?? "sev2";
}

/** `[Triggered on {host:a}] High CPU` → `High CPU`. */
function stripTransitionPrefix(title: string): string {
  return title.replace(/^(\s*\[[^\]]*\]\s*)+/, "").trim() || title;
}

function parse(req: ReceivedWebhook): ParsedDelivery {
  const body = parseWith(NAME, PayloadSchema, parseJsonBody(NAME, req));
  const deliveryId = body.id ? `datadog:${body.id}` : stableHash(req.body);
  const how = transitionStatus(body.transition!);
  if (!how) return { deliveryId, alerts: [], changes: [], ignored: [`transition ${body.transition} is not an alert state change`] };

  const tags = datadogTags(body.tags);
  const scope = datadogTags(body.scope);
  const labels: Record<string, string> = { ...tags, ...scope };
  Object.assign(
    labels,
    compact({
      datadog_monitor_id: body.alert_id,
      datadog_transition: body.transition,
      host: body.hostname ?? scope.host,
      metric: body.metric,
      no_data: how.noData ? "true" : undefined,
    }),
  );
  const service =
    tags.service ??
    scope.service ??
    serviceFromLabels(
      compact({
        app: labels.app ?? labels.kube_app_name,
        deployment: labels.kube_deployment,
        statefulset: labels.kube_stateful_set,
        daemonset: labels.kube_daemon_set,
        container: labels.kube_container_name ?? labels.container_name,
        pod: labels.pod_name,
      }) as Record<string, string>,
    ) ??
    (labels.pod_name ? workloadOfPod(labels.pod_name) : undefined);
  const scopeKey = Object.keys(scope)
    .sort()
    .map((k) => `${k}:${scope[k]}`)
    .join(",");
  const at = toIso(NAME, "date", body.date) ?? toIso(NAME, "last_updated", body.last_updated) ?? req.receivedAt;
  const rawTitle = body.title ?? body.event_title ?? `Datadog monitor ${body.alert_id}`;
  const name = stripTransitionPrefix(rawTitle);
  const alert = compact({
    fingerprint: `datadog:${body.alert_id}${scopeKey ? `:${scopeKey}` : ""}`,
    source: NAME,
    name,
    status: how.status,
    severity: datadogSeverity(body.priority, tags, body.alert_type, how),
    service,
    summary: body.alert_status ? `${name}: ${body.alert_status}` : name,
    description: body.message,
    labels,
    // A recovery carries only its own time: startsAt = endsAt = that time; keep the stored startsAt.
    startsAt: at,
    endsAt: how.status === "resolved" ? at : undefined,
    generatorUrl: body.link,
    runbookUrl: tags.runbook,
  }) as Alert;
  return { deliveryId, alerts: [checkAlert(NAME, alert, "body")], changes: [] };
}

/** 256 KiB: the template output is small; $TEXT_ONLY_MSG is the only large value. */
export const datadog: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 256 * 1024, secrets: SECRETS, verify, parse };
