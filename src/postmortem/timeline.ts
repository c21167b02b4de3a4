import type { TimelineEntry } from "../domain/incident.ts";

/**
 * The incident's key moments from its full timeline (pure): every status change, change event,
 * hypothesis, action, sync event and note, the first firing and the resolution of each alert (a
 * storm of repeats is counted, not listed), and what people wrote in the thread.
 */

export interface KeyMoment {
  at: string;
  kind: TimelineEntry["kind"];
  actor: string;
  text: string;
}

export interface KeyTimelineOptions {
  /** At most this many lines; the rest is summarised in one line. */
  maxLines?: number;
  /** Longest text of one line. */
  maxText?: number;
  /** Include messages people wrote in the thread. */
  messages?: boolean;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function keyTimeline(entries: TimelineEntry[], o: KeyTimelineOptions = {}): KeyMoment[] {
  const maxText = o.maxText ?? 240;
  const firstFired = new Set<string>();
  const lastResolved = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.kind === "alert" && e.data.status === "resolved") lastResolved.set(alertKey(e), i);
  });
  const out: KeyMoment[] = [];
  let repeats = 0;
  entries.forEach((e, i) => {
    if (e.kind === "alert") {
      const key = alertKey(e);
      if (e.data.status === "resolved") {
        if (lastResolved.get(key) !== i) return void repeats++;
      } else if (firstFired.has(key)) {
        return void repeats++;
      } else {
        firstFired.add(key);
      }
      // "X fired on svc — why it joined": the reason is for the thread, not the timeline.
      return void out.push({ at: e.at, kind: e.kind, actor: e.actor, text: clip(e.text.split(" — ")[0] ?? e.text, maxText) });
    }
    if (e.kind === "message" && o.messages === false) return;
    out.push({ at: e.at, kind: e.kind, actor: e.actor, text: clip(e.text.replace(/\s+/g, " ").trim(), maxText) });
  });
  const max = o.maxLines ?? 80;
  if (out.length > max) {
    const dropped = out.length - max + 1;
    // Keep the first and the last moments; the middle is what gets cut.
    const head = out.slice(0, Math.ceil((max - 1) / 2));
    const tail = out.slice(out.length - Math.floor((max - 1) / 2));
    return [...head, { at: tail[0]?.at ?? head.at(-1)!.at, kind: "note", actor: "aisre", text: `… ${dropped} more moments in the full timeline` }, ...tail];
  }
  if (repeats > 0 && out.length > 0) {
    // Nothing lost silently: say how many repeated alert events were folded.
    out.push({ at: out.at(-1)!.at, kind: "note", actor: "aisre", text: `(${repeats} repeated alert events folded into the lines above)` });
  }
  return out;
}

function alertKey(e: TimelineEntry): string {
  return String(e.data.fingerprint ?? e.text.split(" ")[0]);
}

/** "14:03:07 UTC" */
export function clock(at: string): string {
  return `${new Date(at).toISOString().slice(11, 19)} UTC`;
}

/** One plain line per moment, for Jira and the knowledge base. */
export function timelineLines(moments: KeyMoment[], actorName: (actor: string) => string = (a) => a): string[] {
  return moments.map((m) => `${clock(m.at)} — ${m.text}${m.kind === "message" ? ` (${actorName(m.actor)})` : ""}`);
}
