import type { Alert } from "../domain/alert.ts";
import { relation, type Topology } from "../domain/topology.ts";

/** What the correlator needs to know about an open incident. */
export interface OpenIncidentView {
  id: string;
  services: string[];
  /** Last time an alert joined or fired in it (ms). */
  lastActivityMs: number;
  /** Labels shared by its alerts (cluster, namespace, alertname…). */
  labelSets: Array<Record<string, string>>;
}

export interface GroupingOptions {
  /** How long after an incident's last activity a related alert still joins it. */
  windowMs: number;
  /** How far apart in the topology two services may be and still be one failure. */
  maxHops: number;
  /** Label similarity (0..1) that groups alerts without a known service. */
  minLabelSimilarity: number;
}

export const DEFAULT_GROUPING: GroupingOptions = { windowMs: 30 * 60_000, maxHops: 2, minLabelSimilarity: 0.6 };

export type GroupingDecision = { kind: "join"; incidentId: string; reason: string; score: number } | { kind: "new"; reason: string };

/** Labels that say where an alert is, not what it is about: compared for similarity. */
const LOCATION_LABELS = ["cluster", "namespace", "env", "environment", "region", "job", "alertname", "instance"];

export function labelSimilarity(a: Record<string, string>, b: Record<string, string>): number {
  let shared = 0;
  let union = 0;
  for (const k of LOCATION_LABELS) {
    if (a[k] === undefined && b[k] === undefined) continue;
    union++;
    if (a[k] !== undefined && a[k] === b[k]) shared++;
  }
  return union === 0 ? 0 : shared / union;
}

/**
 * Decides which open incident an alert belongs to, and says why in words a responder can check.
 * (An alert already in an incident stays there; that is decided before grouping.)
 * Preference: same service, then the closest service in the topology,
 * then label similarity; the most recently active incident wins ties.
 */
export function groupAlert(alert: Alert, nowMs: number, open: OpenIncidentView[], topology: Topology, options: GroupingOptions = DEFAULT_GROUPING): GroupingDecision {
  let best: { incidentId: string; reason: string; score: number; activity: number } | undefined;
  const consider = (inc: OpenIncidentView, score: number, reason: string) => {
    if (!best || score > best.score || (score === best.score && inc.lastActivityMs > best.activity)) best = { incidentId: inc.id, reason, score, activity: inc.lastActivityMs };
  };
  for (const inc of open) {
    if (nowMs - inc.lastActivityMs > options.windowMs) continue;
    const minutes = Math.max(0, Math.round((nowMs - inc.lastActivityMs) / 60_000));
    const when = minutes === 0 ? "within the last minute" : `${minutes} min after the incident's last alert`;
    if (alert.service) {
      if (inc.services.includes(alert.service)) {
        consider(inc, 5, `same service (${alert.service}), ${when}`);
        continue;
      }
      let closest: { hops: number; path: string[]; via: string } | undefined;
      for (const s of inc.services) {
        const r = relation(topology, alert.service, s, options.maxHops);
        if (r && (!closest || r.hops < closest.hops)) closest = { ...r, via: s };
      }
      if (closest) {
        consider(inc, 4 - closest.hops, `${alert.service} is ${closest.hops} hop${closest.hops > 1 ? "s" : ""} from ${closest.via} in the topology (${closest.path.join(", ")}), ${when}`);
        continue;
      }
    }
    const sim = Math.max(0, ...inc.labelSets.map((l) => labelSimilarity(alert.labels, l)));
    if (!alert.service && sim >= options.minLabelSimilarity) consider(inc, 1 + sim, `labels ${Math.round(sim * 100)}% alike (${LOCATION_LABELS.filter((k) => alert.labels[k]).join(", ")}), ${when}`);
  }
  if (best) return { kind: "join", incidentId: best.incidentId, reason: best.reason, score: best.score };
  if (!alert.service) return { kind: "new", reason: "no open incident with similar labels" };
  return { kind: "new", reason: `no open incident on ${alert.service} or a service near it in the topology` };
}
