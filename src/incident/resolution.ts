import type { Incident, TimelineEntry } from "../domain/incident.ts";
import { isSlackUserId, mentionUser } from "../text/slack-markup.ts";

const minutes = (ms: number) => {
  const m = Math.max(0, Math.round(ms / 60_000));
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
};

const lastResolve = (entries: readonly TimelineEntry[]) => [...entries].reverse().find((e) => e.kind === "status" && e.data.to === "resolved");

/** The Slack user who resolved the incident, when a person did (the mention the summary may keep live). */
export function resolverOf(entries: readonly TimelineEntry[]): string | undefined {
  const actor = lastResolve(entries)?.actor;
  return actor && isSlackUserId(actor) ? actor : undefined;
}

/**
 * How a resolved incident ended, in one sentence for its card: who or what resolved it and why, the
 * remediation that ran (verified or not), and how long it lasted. Pure, from the timeline.
 */
export function resolutionSummary(incident: Incident, entries: readonly TimelineEntry[]): string {
  const resolvedAt = incident.resolvedAt ?? incident.updatedAt;
  const resolve = lastResolve(entries);
  const by = !resolve || resolve.actor === "aisre" ? "aisre" : resolve.actor.startsWith("U") ? mentionUser(resolve.actor) : resolve.actor;
  const why = typeof resolve?.data.why === "string" ? resolve.data.why : undefined;
  const done = entries.filter((e) => e.kind === "action" && (e.data.event === "verified" || e.data.event === "executed") && Date.parse(e.at) <= Date.parse(resolvedAt));
  const lastDone = done.at(-1);
  const verified = done.some((e) => e.data.event === "verified" && e.data.actionId === lastDone?.data.actionId);
  const target = lastDone?.data.target as { service?: string; pod?: string } | undefined;
  const action = lastDone ? `${String(lastDone.data.type).replace(/_/g, " ")} of ${target?.pod ?? target?.service ?? "the target"}${verified ? " (verified)" : ""}` : undefined;
  const lasted = minutes(Date.parse(resolvedAt) - Date.parse(incident.createdAt));
  // Folded into another incident (one failure seen from two sides): that thread carries on.
  // The card says why in a clause ("both explain X on Y"); the dependency chains are in the surviving thread.
  if (typeof resolve?.data.mergedInto === "string") return `Merged into ${resolve.data.mergedInto}${typeof resolve.data.why === "string" ? ` (${resolve.data.why.replace(/^merged into \S+: /, "").split(": ")[0]})` : ""}: it goes on there. Lasted ${lasted}.`;
  return `Resolved by ${by}${why ? `: ${why}` : ""}.${action ? ` Fix: ${action}.` : ""} Lasted ${lasted}.`;
}
