import type { Alert } from "../domain/alert.ts";

/**
 * The knowledge-search query for an alert: its name, the labels that say what broke (not where),
 * and its summary and description, with instance detail stripped — hostnames, IP addresses,
 * pod-template and ReplicaSet hashes, UUIDs, hex ids, numbers and units — so the words that
 * remain are the ones a runbook shares. Pure.
 */

/** Labels that describe the failure; the rest (instance, pod, node, namespace…) locate it. */
const TELLING_LABELS = ["alertname", "reason", "container", "job", "service", "component", "resource", "condition", "phase", "type", "verb", "code", "status"];

/** Instance detail removed outright. */
const NOISE: RegExp[] = [
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, // UUID
  /\bhttps?:\/\/\S+/gi, // URL
  /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, // IPv4[:port]
  /\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/gi, // IPv6
  /\b[a-z0-9-]+(?:\.[a-z0-9-]+){2,}(?::\d+)?\b/gi, // host.domain.tld[:port]
  /\b(?=[a-f]*\d)[0-9a-f]{7,}\b/gi, // hex ids, commit shas
  /(?<![A-Za-z0-9])[-+]?\d+(?:[.,]\d+)?\s*(?:%|ms|s|m|h|d|ki?b|mi?b|gi?b|ti?b|bytes?)?(?![A-Za-z0-9])/g, // numbers and units
];
/** Pod names: workload name, then a ReplicaSet hash and a pod hash, or a single pod hash. */
const POD = /\b([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*?)((?:-[a-z0-9]{8,10})?-[a-z0-9]{5})\b/g;

/** A hash has a digit or no vowel; "-redis" or "-proxy" is part of a name. */
function looksLikeHash(suffix: string): boolean {
  return suffix
    .split("-")
    .filter(Boolean)
    .every((p) => /\d/.test(p) || !/[aeiouy]/.test(p));
}

/** Removes instance detail from a text (see above); keeps a pod's workload name. */
export function stripInstanceDetail(text: string): string {
  let out = text.replace(/\{\{[^}]*\}\}/g, " "); // unrendered templates
  out = out.replace(POD, (match: string, name: string, suffix: string) => (looksLikeHash(suffix) ? name : match));
  for (const re of NOISE) out = out.replace(re, " ");
  return out
    .replace(/\s+/g, " ")
    .replace(/\s+([.,;:])/g, "$1")
    .trim();
}

export function alertQuery(alert: Pick<Alert, "name" | "summary" | "description" | "labels">): string {
  const labels = alert.labels ?? {};
  const parts = [alert.name];
  for (const k of TELLING_LABELS) {
    const v = labels[k];
    if (v && v !== alert.name && !parts.includes(v)) parts.push(v);
  }
  if (alert.summary && alert.summary !== alert.name) parts.push(alert.summary);
  if (alert.description) parts.push(alert.description);
  return stripInstanceDetail(parts.join(". "));
}
