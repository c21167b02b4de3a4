import type { ChangeEvent, Severity } from "../domain/alert.ts";
import type { DigestAlert, DigestAnomaly, DigestChange } from "../domain/digest.ts";

export type { DigestAlert, DigestAnomaly, DigestChange } from "../domain/digest.ts";
import type { TimelineEntry } from "../domain/incident.ts";

/**
 * The incident's digest: one thread message, edited in place, that holds what the signals show
 * (alerts, anomalies, recent changes) so they do not each become a message. It is derived from the
 * incident's timeline alone (pure), so any replica, or this one after a restart, renders the same
 * digest from the store and carries on editing it.
 */
export interface DigestView {
  incidentId: string;
  alerts: DigestAlert[];
  anomalies: DigestAnomaly[];
  changes: DigestChange[];
  /** The newest entry folded in (ISO): "updated at". */
  updatedAt?: string;
  /**
   * Set when `alerts` holds only the alerts shown first (firing, then the newest) of a larger
   * incident: how many fire and are resolved in all, and the services they name (first seen first).
   */
  alertTotals?: { firing: number; resolved: number; services: string[] };
  /** Merged into this incident: its alerts, anomalies and changes moved there, and this digest says so instead of listing them as live. */
  mergedInto?: string;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** Labels that name the alert or its grouping, not the thing it is about. */
const NOT_IDENTIFYING = new Set(["alertname", "severity", "service", "prometheus", "alertstate", "team", "receiver"]);
/** The labels that most often tell alerts apart, kept first. */
const IDENTIFYING_FIRST = ["pod", "instance", "container", "persistentvolumeclaim", "node", "device", "mountpoint", "job_name", "queue", "deployment", "namespace", "job", "endpoint"];

/** Label keys in the order they tell alerts apart: IDENTIFYING_FIRST's, then the others by name. */
export function byIdentifyingRank(a: string, b: string): number {
  const rank = (k: string) => (IDENTIFYING_FIRST.indexOf(k) + IDENTIFYING_FIRST.length + 1) % (IDENTIFYING_FIRST.length + 1);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/**
 * An alert's labels that can tell it from another of the same name on the same service (pod,
 * instance, container, …): at most 8, values cut to 100 characters. Undefined when it has none.
 */
export function identifyingLabels(labels: unknown): Record<string, string> | undefined {
  if (!labels || typeof labels !== "object") return undefined;
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>).sort(([a], [b]) => byIdentifyingRank(a, b))) {
    if (typeof v !== "string" || !v || k.startsWith("__") || NOT_IDENTIFYING.has(k)) continue;
    out[k] = v.slice(0, 100);
    if (++n >= 8) break;
  }
  return n ? out : undefined;
}

/**
 * What folding timeline entries into a digest carries from one entry to the next. `alerts` need
 * only hold the fingerprints the entries name (an incremental fold loads just those); the rest is
 * small. `seq` is the timeline id of an alert's first entry (its place among equals when listed).
 */
export interface DigestFold {
  alerts: Map<string, DigestAlert & { seq: number }>;
  anomalies: Map<string, DigestAnomaly>;
  changes: Map<string, DigestChange>;
  updatedAt?: string;
}

export const emptyFold = (): DigestFold => ({ alerts: new Map(), anomalies: new Map(), changes: new Map() });

/**
 * Folds entries into `fold` (mutated), read in timeline order (`at`, then id). An alert moved to
 * another incident leaves `alerts`. Folding entries in two parts, the later part's entries no
 * earlier than the first's, gives what folding them at once gives.
 */
export function foldTimeline(fold: DigestFold, entries: readonly TimelineEntry[]): DigestFold {
  const { alerts, anomalies, changes } = fold;
  for (const e of [...entries].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id)) {
    const d = e.data ?? {};
    if (e.kind === "alert") {
      const fp = str(d.fingerprint);
      if (!fp) continue;
      // Moved to an incident of its own (a late deploy split it off): it goes on in that thread.
      if (str(d.movedTo)) {
        alerts.delete(fp);
        continue;
      }
      const status = d.status === "resolved" ? "resolved" : "firing";
      const prev = alerts.get(fp);
      const name = e.text.split(" ")[0] ?? fp;
      const labels = identifyingLabels(d.labels) ?? prev?.labels;
      alerts.set(fp, {
        fingerprint: fp,
        name: str(d.name) ?? prev?.name ?? name,
        service: str(d.service) ?? prev?.service,
        severity: (str(d.severity) as Severity | undefined) ?? prev?.severity ?? "sev3",
        status,
        since: prev?.since ?? e.at,
        reason: prev?.reason ?? str(d.reason),
        flips: prev ? prev.flips + (prev.status !== status ? 1 : 0) : 0,
        ...(labels ? { labels } : {}),
        seq: prev?.seq ?? e.id,
      });
    } else if (e.kind === "anomaly") {
      const key = str(d.key);
      if (key && str(d.movedTo)) {
        anomalies.delete(key);
        continue;
      }
      const latest = d.latest as { explanation?: { baseline?: number; deviation?: number; since?: number }; at?: number } | undefined;
      const first = d.first as { explanation?: { baseline?: number; since?: number }; at?: number } | undefined;
      if (!key || !latest?.explanation) continue;
      // What is usual is the level before the anomaly began: a detector's baseline follows a long
      // anomaly up, and "60 % vs 59 % usual" would read as normal.
      const usual = num(first?.explanation?.baseline) ?? num(latest.explanation.baseline) ?? 0;
      const value = (num(latest.explanation.baseline) ?? 0) + (num(latest.explanation.deviation) ?? 0);
      const prev = anomalies.get(key);
      anomalies.set(key, {
        key,
        service: str(d.service) ?? prev?.service ?? "",
        sli: str(d.sli) ?? prev?.sli ?? key,
        unit: str(d.unit) ?? prev?.unit,
        value,
        usual,
        shape: str(d.shape) ?? prev?.shape,
        since: num(first?.explanation?.since) ?? num(first?.at) ?? Date.parse(e.at),
        over: d.state === "resolved",
        worsened: num(d.worsened) ?? 0,
      });
    } else if (e.kind === "change") {
      const id = str(d.id);
      if (!id || !str(d.service)) continue;
      const { reason, ...change } = d as unknown as ChangeEvent & { reason?: string };
      changes.set(id, { change, reason: reason ?? "" });
    } else continue;
    fold.updatedAt = fold.updatedAt && fold.updatedAt > e.at ? fold.updatedAt : e.at;
  }
  return fold;
}

/** The digest of an incident from its timeline entries (any order; read in timeline order). */
export function digestFromTimeline(incidentId: string, entries: readonly TimelineEntry[]): DigestView {
  const fold = foldTimeline(emptyFold(), entries);
  return { incidentId, alerts: [...fold.alerts.values()].map(({ seq: _, ...a }) => a), anomalies: [...fold.anomalies.values()], changes: [...fold.changes.values()], ...(fold.updatedAt ? { updatedAt: fold.updatedAt } : {}) };
}

/** Whether the digest has anything to show. */
export function digestIsEmpty(v: DigestView): boolean {
  return v.alerts.length === 0 && !(v.alertTotals && v.alertTotals.firing + v.alertTotals.resolved > 0) && v.anomalies.length === 0 && v.changes.length === 0;
}
