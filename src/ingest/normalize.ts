import { BoundedMemo } from "../domain/bounded-memo.ts";
import { z } from "zod";
import type { Alert, ChangeEvent, Severity } from "../domain/alert.ts";
import type { ParsedDelivery } from "./types.ts";
import { WebhookParseError } from "./errors.ts";
import { stableHash } from "./util.ts";
import { sharedRedactor } from "../redact/redactor.ts";

/** What every source must produce: parsers validate their output against these before returning it. */
const isoTime = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && Number.isFinite(Date.parse(s)), { message: "expected an ISO 8601 time" });

export const AlertSchema = z.object({
  fingerprint: z.string().min(1),
  source: z.string().min(1),
  name: z.string().min(1),
  status: z.enum(["firing", "resolved"]),
  severity: z.enum(["sev1", "sev2", "sev3", "sev4"]),
  service: z.string().min(1).optional(),
  summary: z.string(),
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()),
  startsAt: isoTime,
  endsAt: isoTime.optional(),
  generatorUrl: z.string().optional(),
  runbookUrl: z.string().optional(),
});

export const ChangeEventSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  kind: z.enum(["deploy", "config", "rollback", "scale", "other"]),
  service: z.string().min(1),
  version: z.string().optional(),
  previousVersion: z.string().optional(),
  environment: z.string().optional(),
  status: z.string().optional(),
  author: z.string().optional(),
  description: z.string().optional(),
  url: z.string().optional(),
  at: isoTime,
});

const SEVERITY_SET: ReadonlySet<unknown> = new Set(["sev1", "sev2", "sev3", "sev4"]);
const isIsoTime = (s: unknown) => typeof s === "string" && /^\d{4}-\d{2}-\d{2}T/.test(s) && Number.isFinite(Date.parse(s));
const isText = (s: unknown) => typeof s === "string" && s !== "";
const optional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);
const isString = (v: unknown) => typeof v === "string";

/**
 * AlertSchema's output (without undefined fields) for an alert it certainly accepts, checked by hand
 * (zod was a good part of a single-alert delivery's parsing); undefined for anything else, which
 * goes through AlertSchema (whose first issue names the field). Accepts nothing AlertSchema refuses.
 */
export function validAlert(a: unknown): Alert | undefined {
  if (typeof a !== "object" || a === null || Array.isArray(a)) return undefined;
  const v = a as Record<string, unknown>;
  if (!isText(v.fingerprint) || !isText(v.source) || !isText(v.name) || (v.status !== "firing" && v.status !== "resolved") || !SEVERITY_SET.has(v.severity)) return undefined;
  if (!optional(v.service, isText) || !isString(v.summary) || !optional(v.description, isString) || !isIsoTime(v.startsAt) || !optional(v.endsAt, isIsoTime) || !optional(v.generatorUrl, isString) || !optional(v.runbookUrl, isString)) return undefined;
  const labels = v.labels;
  if (typeof labels !== "object" || labels === null || Array.isArray(labels)) return undefined;
  for (const k of Object.keys(labels)) if (typeof (labels as Record<string, unknown>)[k] !== "string" || k === "__proto__") return undefined;
  // AlertSchema's fields, in its order (zod's output order), undefined ones left out as stripUndefined does.
  const out: Record<string, unknown> = {};
  for (const k of ALERT_KEYS) if (v[k] !== undefined) out[k] = v[k];
  return out as unknown as Alert;
}

const ALERT_KEYS = Object.keys(AlertSchema.shape);

/** Validates a parser's output; a failure here is a bug in the parser or a field we let through. */
export function checkAlert(source: string, alert: Alert, where: string): Alert {
  const valid = validAlert(alert);
  if (valid) return cleanedOnce(cleanAll(valid));
  const r = AlertSchema.safeParse(alert);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new WebhookParseError(source, `${where}${issue ? ` (${issue.path.join(".")})` : ""}`, issue?.message ?? "invalid alert");
  }
  return cleanedOnce(cleanAll(stripUndefined(r.data)) as Alert);
}

export function checkChange(source: string, change: ChangeEvent, where: string): ChangeEvent {
  const r = ChangeEventSchema.safeParse(change);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new WebhookParseError(source, `${where}${issue ? ` (${issue.path.join(".")})` : ""}`, issue?.message ?? "invalid change");
  }
  return cleanedOnce(cleanAll(stripUndefined(r.data)) as ChangeEvent);
}

/**
 * Alerts and changes checkAlert / checkChange cleaned: cleanDelivery keeps them as they are instead
 * of cleaning every string a second time (a parser returns what they give, unchanged).
 */
const cleaned = new WeakSet<object>();

function cleanedOnce<T extends object>(v: T): T {
  cleaned.add(v);
  return v;
}

/**
 * What comes in is cleaned before anything keeps or shows it: NUL bytes go, lone surrogates become
 * U+FFFD (Postgres and JSON encoders refuse both), and secret-looking values (tokens, passwords,
 * keys) are masked by the one redactor, so no card, thread, ticket or page repeats them.
 */
export function cleanText(s: string): string {
  const redactor = sharedRedactor();
  if (memo.redactor !== redactor) memo = { redactor, cleaned: newMemo() };
  return memo.cleaned.get(s, (x) => redactor.text(wellFormed(x), "secrets"));
}

/**
 * Short strings already cleaned, with what they became (for the redactor they were cleaned with):
 * label names and values repeat from alert to alert, so in a storm most cleaning is a lookup. Bounded.
 * A storm's repeating strings (alert names, services, severities, namespaces) are a few hundred; the
 * rest are its unique ones (instances, fingerprints, summaries with numbers), each a miss kept until
 * the memo starts over. 1,000 rather than 10,000 entries: the unique ones no longer live long
 * enough to be promoted to the old generation, which the product's V8 flags (handlers/node-flags.ts)
 * collect often. Parsing and cleaning one single-alert Alertmanager delivery with those flags:
 * 11.4-12.1 µs rather than 16.5-17.8 (4 alternating pairs of 60,000 deliveries, scratch measurement,
 * 2026-12-07); in a door with the same parse, the memo's share of its CPU 8.4 % → 4.9 %.
 */
const MEMO_MAX_ENTRIES = 1_000;
const MEMO_MAX_LENGTH = 256;
const newMemo = () => new BoundedMemo<string, string>(MEMO_MAX_ENTRIES, (s) => s.length <= MEMO_MAX_LENGTH);
let memo: { redactor: unknown; cleaned: BoundedMemo<string, string> } = { redactor: undefined, cleaned: newMemo() };

/** NUL bytes dropped, lone surrogates replaced: text any database and JSON encoder accepts. */
export function wellFormed(s: string): string {
  return s.replace(/\u0000/g, "").toWellFormed();
}

/**
 * A parsed delivery made safe to keep and show: every string cleaned (see cleanText) once — the
 * alerts and changes checkAlert / checkChange already cleaned are kept as they are; the URL to
 * confirm and the reply only made well-formed (their query carries a token that must stay). An id
 * that cleaning empties becomes a hash of the body, so the delivery is still stored and deduped.
 */
export function cleanDelivery(parsed: ParsedDelivery, body: Buffer): ParsedDelivery {
  const { reply, confirmUrl, ...rest } = parsed;
  const out = cleanAll(rest) as ParsedDelivery;
  if (out.deliveryId.trim() === "") out.deliveryId = `body:${stableHash(body)}`;
  if (confirmUrl !== undefined) out.confirmUrl = wellFormed(confirmUrl);
  if (reply !== undefined) out.reply = reply;
  return out;
}

/**
 * The strings (keys and values) of JSON-like data, into `out`; false when it holds something else
 * (a Date, a class instance: cleanStrings makes those plain objects, so it must see them). Data
 * already cleaned (checkAlert, checkChange) is skipped as cleanStrings skips it.
 */
function stringsOf(v: unknown, out: string[]): boolean {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) {
    for (const x of v) if (!stringsOf(x, out)) return false;
  } else if (v && typeof v === "object") {
    if (cleaned.has(v)) return true;
    if (Object.getPrototypeOf(v) !== Object.prototype) return false;
    for (const k of Object.keys(v)) {
      out.push(k);
      if (!stringsOf((v as Record<string, unknown>)[k], out)) return false;
    }
  }
  return true;
}

/**
 * cleanStrings, with one test first: data whose every string is already clean (no NUL, no lone
 * surrogate, nothing the redactor would mask: nearly every alert) is returned as it is, without a
 * copy and a cleaning per string. Parsing one single-alert Alertmanager delivery (checkAlert, then
 * cleanDelivery): best of 10 × 20,000, 29–44 → 25–26 µs over 3 alternating runs (scratch, 2026-12-07).
 */
function cleanAll<T>(v: T): T {
  const strings: string[] = [];
  if (stringsOf(v, strings)) {
    const joined = strings.join("\n");
    if (!joined.includes("\u0000") && joined.isWellFormed() && sharedRedactor().leavesUnchanged([joined], "secrets")) return v;
  }
  return cleanStrings(v);
}

function cleanStrings<T>(v: T): T {
  if (typeof v === "string") return cleanText(v) as T;
  if (Array.isArray(v)) return v.map(cleanStrings) as T;
  if (v && typeof v === "object" && cleaned.has(v)) return v;
  if (v && typeof v === "object") {
    // As Object.fromEntries(Object.entries(v).map(…)) made it, without its arrays (an alert, its labels: a storm's every delivery).
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const key = cleanText(k);
      const x = cleanStrings((v as Record<string, unknown>)[k]);
      if (key === "__proto__") Object.defineProperty(out, key, { value: x, enumerable: true, writable: true, configurable: true });
      else out[key] = x;
    }
    return out as T;
  }
  return v;
}

function stripUndefined<T extends object>(o: T): T {
  for (const [k, v] of Object.entries(o)) if (v === undefined) delete (o as Record<string, unknown>)[k];
  return o;
}

/**
 * Redelivery detection by state: the same alert in the same state with the same times is the same
 * news, whichever delivery carried it. The caller compares this with what it stored last.
 */
export function redeliveryKey(alert: Pick<Alert, "fingerprint" | "status" | "startsAt" | "endsAt">): string {
  return [alert.fingerprint, alert.status, alert.startsAt, alert.endsAt ?? ""].join("|");
}

/** Fingerprint from a label set when the sender gives none: order-independent. */
export function fingerprintFromLabels(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\u0001");
  return stableHash(sorted).slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Severity

const SEV_WORDS: Record<string, Severity> = {
  sev1: "sev1",
  "sev-1": "sev1",
  s1: "sev1",
  p1: "sev1",
  emergency: "sev1",
  fatal: "sev1",
  disaster: "sev1",
  blocker: "sev1",
  sev2: "sev2",
  "sev-2": "sev2",
  s2: "sev2",
  p2: "sev2",
  error: "sev2",
  high: "sev2",
  major: "sev2",
  severe: "sev2",
  sev3: "sev3",
  "sev-3": "sev3",
  s3: "sev3",
  p3: "sev3",
  warning: "sev3",
  warn: "sev3",
  medium: "sev3",
  moderate: "sev3",
  minor: "sev3",
  average: "sev3",
  sev4: "sev4",
  "sev-4": "sev4",
  s4: "sev4",
  p4: "sev4",
  p5: "sev4",
  info: "sev4",
  informational: "sev4",
  low: "sev4",
  notice: "sev4",
  debug: "sev4",
  none: "sev4",
  ok: "sev4",
};

const CRITICAL_WORDS = new Set(["critical", "crit", "page", "pager"]);

/**
 * One word to a severity: sevN / pN / sN taken literally; emergency, fatal → sev1; error, high,
 * major → sev2; warning, medium, minor → sev3; info, low, notice → sev4. `critical` is decided by
 * `severityFromLabels` (it depends on the other labels); alone it means sev2. Undefined when unknown.
 */
export function severityFromWord(word: string | undefined): Severity | undefined {
  if (!word) return undefined;
  const w = word.trim().toLowerCase();
  if (CRITICAL_WORDS.has(w)) return "sev2";
  return SEV_WORDS[w];
}

/**
 * Severity from Prometheus-style labels:
 * 1. an explicit `priority` / `sev` label (sevN, pN) wins;
 * 2. `severity` (or `level`): critical → **sev1** when the alert is marked as user-facing
 *    (`page="true"`, `tier` 0/1/critical, `impact` customer/users/high), otherwise **sev2**;
 *    warning → sev3; info → sev4; the other words as in `severityFromWord`;
 * 3. nothing usable → sev3.
 */
export function severityFromLabels(labels: Record<string, string>): Severity {
  for (const key of ["priority", "sev"]) {
    const explicit = SEV_WORDS[(labels[key] ?? "").trim().toLowerCase()];
    if (explicit && /^(sev-?|s|p)\d$/.test(labels[key]!.trim().toLowerCase())) return explicit;
  }
  const word = (labels.severity ?? labels.level ?? "").trim().toLowerCase();
  if (CRITICAL_WORDS.has(word)) return isUserFacing(labels) ? "sev1" : "sev2";
  return severityFromWord(word) ?? "sev3";
}

function isUserFacing(labels: Record<string, string>): boolean {
  const v = (k: string) => (labels[k] ?? "").trim().toLowerCase();
  return ["true", "yes", "1"].includes(v("page")) || ["0", "1", "tier0", "tier1", "tier-0", "tier-1", "critical"].includes(v("tier")) || ["customer", "customers", "user", "users", "user-facing", "high", "major"].includes(v("impact"));
}

// ---------------------------------------------------------------------------------------------
// Service

/** Label keys that name the service, best first. */
export const SERVICE_LABELS = ["service", "service_name", "app_kubernetes_io_name", "app", "application", "k8s_app", "deployment", "statefulset", "daemonset", "container", "job"] as const;

/** Scrape jobs and containers that name the monitoring plumbing, not the service in trouble. */
const GENERIC_NAMES = /^(kubernetes-.*|kube-state-metrics|node|node-exporter|node_exporter|prometheus|alertmanager|cadvisor|kubelet|apiserver|blackbox|blackbox-exporter|pushgateway|federate|POD|)$/i;

/**
 * The service an alert is about: the first of SERVICE_LABELS with a value that is not monitoring
 * plumbing (`job="kubernetes-pods"`, `container="POD"` …); else the workload part of a `pod`
 * label (`checkout-7d9f8b6c5-x2x4z` → `checkout`). Undefined when nothing tells.
 */
export function serviceFromLabels(labels: Record<string, string>): string | undefined {
  for (const key of SERVICE_LABELS) {
    const v = labels[key]?.trim();
    if (v && !GENERIC_NAMES.test(v)) return v;
  }
  const pod = labels.pod?.trim();
  if (pod) return workloadOfPod(pod);
  return undefined;
}

/** `checkout-7d9f8b6c5-x2x4z` (Deployment) → `checkout`; `db-0` (StatefulSet) → `db`. */
export function workloadOfPod(pod: string): string {
  const deploy = /^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$/.exec(pod);
  if (deploy) return deploy[1]!;
  const sts = /^(.+)-\d+$/.exec(pod);
  if (sts) return sts[1]!;
  const ds = /^(.+)-[a-z0-9]{5}$/.exec(pod);
  if (ds) return ds[1]!;
  return pod;
}

/** `key=value` / `key:value` tokens in free text (CloudWatch alarm names and descriptions). */
export function tagsInText(text: string | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  const re = /(?:^|[\s,;[(])(service|severity|sev|priority|team|env|environment|runbook)\s*[=:]\s*([^\s,;\])]+)/gi;
  for (const m of text.matchAll(re)) out[m[1]!.toLowerCase()] = m[2]!;
  return out;
}
