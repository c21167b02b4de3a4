import type { Incident, TimelineEntry } from "../domain/incident.ts";
import type { IncidentCard } from "../store/repos/incidents.ts";
import type { StoredAlert } from "../store/repos/alerts.ts";
import type { Store } from "../store/store.ts";

/**
 * What the assistant knows about an incident without asking Slack: the incident, its card (impact,
 * diagnosis summary), its alerts and its timeline — including the questions people asked the bot in
 * the thread and the answers it gave (recorded when the mention arrived), which is the
 * conversation's memory. Slack history is never re-read.
 */

/** One root-cause hypothesis as the diagnosis recorded it on the timeline. */
export interface HypothesisView {
  rank?: number;
  service?: string;
  text: string;
  confidence?: number;
  evidence: string[];
  counterEvidence: string[];
  gaps: string[];
  at: string;
}

/** A question someone asked the bot in this incident, and the gist of the answer. */
export interface ConversationTurn {
  at: string;
  user: string;
  question: string;
  intent?: string;
  service?: string;
  metric?: string;
  answer?: string;
}

export interface IncidentContext {
  incident: Incident;
  card: IncidentCard;
  alerts: StoredAlert[];
  timeline: TimelineEntry[];
  hypotheses: HypothesisView[];
  conversation: ConversationTurn[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Evidence may be recorded as strings or as the engine's items (`{ summary }`). */
function lines(v: unknown): string[] {
  if (!Array.isArray(v)) return typeof v === "string" && v ? [v] : [];
  return v.map((x) => (typeof x === "string" ? x : (str((x as { summary?: unknown })?.summary) ?? str((x as { text?: unknown })?.text)))).filter((x): x is string => Boolean(x));
}

interface SnapshotHypothesis {
  rank?: number;
  service?: string;
  cause?: string;
  confidence?: number;
  evidence?: unknown;
  counterEvidence?: unknown;
  gaps?: unknown;
}

/** Evidence items of the engine (`{ kind, summary }`) as lines: "[change] deploy 2.3.0 …". */
function evidenceLines(v: unknown): string[] {
  if (!Array.isArray(v)) return lines(v);
  return v
    .map((x) => {
      if (typeof x === "string") return x;
      const o = x as { kind?: unknown; summary?: unknown };
      const summary = str(o?.summary);
      return summary ? `${str(o.kind) ? `[${o.kind}] ` : ""}${summary}` : undefined;
    })
    .filter((x): x is string => Boolean(x));
}

/**
 * The hypotheses of the latest diagnosis (pure). The live diagnosis records a snapshot of its
 * ranking on each hypothesis entry (`data.snapshot.hypotheses`); entries without one (older or
 * other writers) count one hypothesis each, the newest per suspected service winning.
 */
export function hypothesesFrom(timeline: readonly TimelineEntry[]): HypothesisView[] {
  const entries = timeline.filter((e) => e.kind === "hypothesis");
  const withSnapshot = [...entries].reverse().find((e) => Array.isArray((e.data?.snapshot as { hypotheses?: unknown } | undefined)?.hypotheses));
  if (withSnapshot) {
    const hs = (withSnapshot.data.snapshot as { hypotheses: SnapshotHypothesis[] }).hypotheses;
    return hs
      .map((h, i) => {
        const v: HypothesisView = { rank: num(h.rank) ?? i + 1, text: str(h.cause) ?? `${h.service ?? "unknown"} is the likely origin`, evidence: evidenceLines(h.evidence), counterEvidence: evidenceLines(h.counterEvidence), gaps: lines(h.gaps), at: withSnapshot.at };
        if (str(h.service)) v.service = h.service;
        if (num(h.confidence) !== undefined) v.confidence = h.confidence;
        return v;
      })
      .sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99));
  }
  const latest = new Map<string, HypothesisView>();
  for (const e of entries) {
    const d = e.data ?? {};
    const h: HypothesisView = { text: e.text, evidence: evidenceLines(d.evidence), counterEvidence: evidenceLines(d.counterEvidence ?? d.counter), gaps: lines(d.gaps), at: e.at };
    const rank = num(d.rank);
    if (rank !== undefined) h.rank = rank;
    const service = str(d.service);
    if (service) h.service = service;
    const confidence = num(d.confidence);
    if (confidence !== undefined) h.confidence = confidence;
    latest.set(service ?? e.text.toLowerCase(), h);
  }
  return [...latest.values()].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99) || (b.confidence ?? 0) - (a.confidence ?? 0) || b.at.localeCompare(a.at));
}

/** The questions asked of the bot in the thread, from the message entries the mention listener recorded. */
export function conversationFrom(timeline: readonly TimelineEntry[]): ConversationTurn[] {
  return timeline
    .filter((e) => e.kind === "message" && e.data?.mention === true)
    .map((e) => {
      const d = e.data;
      const a = (d.answer ?? {}) as { text?: unknown };
      const t: ConversationTurn = { at: e.at, user: e.actor, question: str(d.question) ?? e.text };
      if (str(d.intent)) t.intent = d.intent as string;
      if (str(d.service)) t.service = d.service as string;
      if (str(d.metric)) t.metric = d.metric as string;
      if (str(a.text)) t.answer = a.text as string;
      return t;
    });
}

export async function loadIncidentContext(store: Store, incidentId: string): Promise<IncidentContext | undefined> {
  const incident = await store.incidents.get(incidentId);
  if (!incident) return undefined;
  const [card, alerts, timeline] = await Promise.all([store.incidents.card(incidentId), store.alerts.byIncident(incidentId), store.timeline.list(incidentId)]);
  return { incident, card, alerts, timeline, hypotheses: hypothesesFrom(timeline), conversation: conversationFrom(timeline) };
}

/**
 * Records the gist of an answer on the question's timeline entry, so the next question in the
 * thread (and the LLM) knows what was said. The timeline repository only appends; this one field
 * of the bot's own entry is the exception.
 */
export async function recordAnswer(store: Store, entryId: number, answer: { text: string; mode: string; intent?: string }): Promise<void> {
  await store.timeline.mergeData(entryId, { answer: { text: answer.text.slice(0, 600), mode: answer.mode, ...(answer.intent ? { intent: answer.intent } : {}) } });
}

const hhmm = (iso: string): string => iso.slice(11, 16);

/** The incident as text for the LLM's first message (it is redacted before it leaves). */
export function contextText(ctx: IncidentContext | undefined, nowIso: string, extra: { channel?: string; services?: readonly string[] } = {}): string {
  const out: string[] = [`Current time (the monitored system's clock): ${nowIso}`];
  if (extra.services?.length) out.push(`Known services: ${extra.services.join(", ")}`);
  if (!ctx) {
    out.push("This question was not asked in an incident thread: there is no incident context.");
    return out.join("\n");
  }
  const { incident: i, card } = ctx;
  out.push(`Incident ${i.id}: ${i.title}`, `Status ${i.status}, severity ${i.severity.toUpperCase()}, started ${i.createdAt}, services: ${i.services.join(", ") || "unknown"}`);
  if (card.impact) out.push(`Impact: ${card.impact}`);
  const d = card.diagnosis;
  if (d?.summary) out.push(`What's going on: ${d.summary}`);
  if (d?.cause) out.push(`Leading cause: ${d.cause}${d.confidence !== undefined ? ` (confidence ${Math.round(d.confidence * 100)}%)` : ""}${d.verdict ? ` [${d.verdict}]` : ""}`);
  if (d?.nextSteps?.length) out.push(`Next steps on the card: ${d.nextSteps.join("; ")}`);
  for (const h of ctx.hypotheses.slice(0, 4)) {
    out.push(`Hypothesis${h.rank ? ` #${h.rank}` : ""}: ${h.text}${h.confidence !== undefined ? ` (${Math.round(h.confidence * 100)}%)` : ""}${h.evidence.length ? `; evidence: ${h.evidence.slice(0, 5).join("; ")}` : ""}${h.gaps.length ? `; gaps: ${h.gaps.slice(0, 3).join("; ")}` : ""}`);
  }
  const firing = ctx.alerts.filter((a) => a.status === "firing");
  if (ctx.alerts.length) out.push(`Alerts (${firing.length} firing of ${ctx.alerts.length}): ${[...new Set(ctx.alerts.map((a) => `${a.name}${a.service ? `/${a.service}` : ""} ${a.status}`))].slice(0, 12).join(", ")}`);
  const moments = ctx.timeline.filter((e) => e.kind !== "alert" && !(e.kind === "message" && e.data?.mention === true)).slice(-25);
  if (moments.length) {
    out.push("Recent timeline:");
    for (const e of moments) out.push(`- ${hhmm(e.at)} ${e.kind} ${e.actor}: ${e.text.replace(/\s+/g, " ").slice(0, 240)}`);
  }
  const turns = ctx.conversation.slice(-6);
  if (turns.length) {
    out.push("Earlier questions in this thread:");
    for (const t of turns) out.push(`- ${t.user} asked: ${t.question.slice(0, 200)}${t.answer ? `\n  aisre answered: ${t.answer.replace(/\s+/g, " ").slice(0, 300)}` : ""}`);
  }
  return out.join("\n");
}
