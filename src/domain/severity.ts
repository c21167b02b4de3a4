import { SEVERITIES, type Severity } from "./alert.ts";
import type { Incident, TimelineEntry } from "./incident.ts";

const isSeverity = (v: unknown): v is Severity => typeof v === "string" && (SEVERITIES as readonly string[]).includes(v);
const rank = (s: Severity) => SEVERITIES.indexOf(s);
/** Timeline entries in the order they happened (time, then id). */
const chronological = (entries: readonly TimelineEntry[]) => [...entries].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);

/**
 * The highest severity the incident held (pure, from its severity changes in the timeline): what
 * a resolved card and the postmortem show, since severity follows the alerts down as they resolve
 * (a SEV2 that paged ends at SEV3 a minute before its resolution). A person who set the severity
 * by hand made a judgement: what it held before their change no longer counts.
 */
export function peakSeverity(incident: Pick<Incident, "severity">, entries: readonly TimelineEntry[]): Severity {
  let peak: Severity | undefined;
  for (const e of chronological(entries)) {
    if (e.kind !== "status" || !isSeverity(e.data.to)) continue;
    const from = isSeverity(e.data.from) ? e.data.from : undefined;
    if (e.actor !== "aisre") peak = e.data.to;
    else for (const s of [from, e.data.to]) if (s && (!peak || rank(s) < rank(peak))) peak = s;
  }
  return peak && rank(peak) < rank(incident.severity) ? peak : incident.severity;
}

/**
 * Whether the incident's latest change to `severity` returns it to a level it had held before (it
 * fell and rose again as its alerts came and went), rather than reaching a new peak. Pure, from its
 * severity changes in the timeline.
 */
export function returnsToEarlierPeak(entries: readonly TimelineEntry[], severity: Severity): boolean {
  const changes = chronological(entries).filter((e) => e.kind === "status" && isSeverity(e.data.to));
  const last = changes.findLastIndex((e) => e.data.to === severity);
  return changes.slice(0, Math.max(0, last)).some((e) => rank(e.data.to as Severity) <= rank(severity) || (isSeverity(e.data.from) && rank(e.data.from) <= rank(severity)));
}
