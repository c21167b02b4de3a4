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
  const firstFired = new Set<string>();
  const lastResolved = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.kind === "alert" && e.data.status === "resolved") lastResolved.set(alertKey(e), i);
  });
  const kept: TimelineEntry[] = [];
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
      return void kept.push(e);
    }
    if (e.kind === "message" && o.messages === false) return;
    kept.push(e);
  });
  return keyTimelineOfKept({ head: kept, tail: kept, kept: kept.length, repeats }, o);
}

/** How many of the first and of the last kept moments a summary of at most `maxLines` shows. */
export function keptEnds(maxLines = 80): { head: number; tail: number } {
  return { head: Math.max(maxLines, Math.ceil((maxLines - 1) / 2)), tail: Math.floor((maxLines - 1) / 2) };
}

/**
 * Key moments from the entries a summary keeps (the first firing and last resolution of each alert,
 * everything else but left-out messages), given as the first `keptEnds().head` and the last
 * `keptEnds().tail` of them, with how many are kept and how many alert repeats were folded: what a
 * store computes without handing over a storm's whole timeline. The same moments as `keyTimeline`.
 */
export function keyTimelineOfKept(k: { head: TimelineEntry[]; tail: TimelineEntry[]; kept: number; repeats: number }, o: KeyTimelineOptions = {}): KeyMoment[] {
  const maxText = o.maxText ?? 240;
  // "X fired on svc — why it joined": the reason is for the thread, not the timeline.
  const moment = (e: TimelineEntry): KeyMoment => ({ at: momentAt(e), kind: e.kind, actor: e.actor, text: e.kind === "alert" ? clip(e.text.split(" — ")[0] ?? e.text, maxText) : clip(e.text.replace(/\s+/g, " ").trim(), maxText) });
  const max = o.maxLines ?? 80;
  if (k.kept > max) {
    const dropped = k.kept - max + 1;
    // Keep the first and the last moments; the middle is what gets cut.
    const head = inOrder(k.head.slice(0, Math.ceil((max - 1) / 2)).map(moment));
    const tail = inOrder(k.tail.slice(k.tail.length - Math.floor((max - 1) / 2)).map(moment));
    return [...head, { at: tail[0]?.at ?? head.at(-1)!.at, kind: "note", actor: "aisre", text: `… ${dropped} more moments in the full timeline` }, ...tail];
  }
  const out = inOrder(k.head.slice(0, k.kept).map(moment));
  if (k.repeats > 0 && out.length > 0) {
    // Nothing lost silently: say how many repeated alert events were folded.
    out.push({ at: out.at(-1)!.at, kind: "note", actor: "aisre", text: `(${k.repeats} repeated alert events folded into the lines above)` });
  }
  return out;
}

/**
 * When a moment happened: a deploy or config change at its own time, not when it was attached to
 * the incident (bad-deploy's postmortem listed "06:30:00 deploy of inventory 2.3.0 — 3 min before
 * the incident" after "06:29:45 Incident opened").
 */
function momentAt(e: TimelineEntry): string {
  const own = e.kind === "change" && typeof e.data.at === "string" ? Date.parse(e.data.at) : Number.NaN;
  return Number.isNaN(own) ? e.at : new Date(own).toISOString();
}

/**
 * Moments by time (a stable sort: entries of one time keep their order), alert lines that say the
 * same at the same time folded into one ("KubePodCrashLooping fired on cart ×2": two pods' alerts).
 */
const inOrder = (ms: KeyMoment[]): KeyMoment[] => {
  const sorted = ms
    .map((m, i) => ({ m, i, t: Date.parse(m.at) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.m);
  const out: Array<KeyMoment & { n: number }> = [];
  for (const m of sorted) {
    const same = m.kind === "alert" ? out.findLast((x) => x.at === m.at && x.kind === "alert" && x.text === m.text) : undefined;
    if (same) same.n++;
    else out.push({ ...m, n: 1 });
  }
  return out.map(({ n, ...m }) => (n > 1 ? { ...m, text: `${m.text} ×${n}` } : m));
};

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
