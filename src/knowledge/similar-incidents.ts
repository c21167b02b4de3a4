import type { IncidentHistoryRow } from "../store/repos/incident-history.ts";
import type { KbEntry } from "../store/repos/knowledge.ts";
import { KbRanker } from "./ranking.ts";
import { nameKey } from "./text-terms.ts";

/**
 * "Have we seen this before?": resolved incidents and their postmortems ranked against the incident
 * at hand by what they share — alert names, services, and the words of their cause and symptoms —
 * with what fixed them. Pure.
 *
 * score = 0.45 · text + 0.35 · alerts + 0.2 · services, where
 * - text: the field-aware ranking of the past incident's title, alert names, cause, symptoms and
 *   fix (src/knowledge/ranking.ts) for the query, relative to 40 % of the query's score against
 *   itself (capped at 1);
 * - alerts: the share of the current alert names the past incident also had;
 * - services: the share of the current services it also involved.
 * A past incident sharing neither an alert nor a service needs text ≥ 0.5 to be listed at all, and
 * every hit a score of 0.2.
 */

export interface PastIncident {
  incidentId: string;
  title: string;
  services: string[];
  alertNames: string[];
  /** Root cause: the final postmortem's, else the diagnosis' leading cause. */
  cause?: string;
  /** Alert summaries, the postmortem's trigger. */
  symptoms: string[];
  /** What fixed it: remediations that recovered the symptoms, the postmortem's resolution. */
  fixes: string[];
  postmortem?: { id: string; status?: string };
  resolvedAt?: string;
}

export interface SimilarQuery {
  services: readonly string[];
  alertNames: readonly string[];
  /** Free text: title, alert summaries, the diagnosis' cause. */
  text: string;
}

export interface SimilarHit {
  incident: PastIncident;
  score: number;
  reasons: string[];
}

/** Share of the query's self-score that counts as a full textual match. */
const TEXT_FULL = 0.4;

export const SIMILAR_WEIGHTS = { text: 0.45, alerts: 0.35, services: 0.2 } as const;

/** A markdown section's text ("## Resolution" up to the next heading of that level or above). */
export function markdownSection(body: string, title: string): string | undefined {
  const re = new RegExp(`^#{1,3}\\s*${title}\\s*$([\\s\\S]*?)(?=^#{1,3}\\s|(?![\\s\\S]))`, "im");
  const m = re.exec(body);
  const text = m?.[1]?.replace(/\s+/g, " ").trim();
  return text || undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

function fixOf(a: { type: string; service?: string; state: string }): string | undefined {
  if (a.state !== "verified") return undefined;
  return `${a.type}${a.service ? ` of ${a.service}` : ""} (symptoms recovered)`;
}

/** History rows → past incidents (the postmortem's words win over the live diagnosis'). */
export function pastIncidents(rows: readonly IncidentHistoryRow[]): PastIncident[] {
  return rows.map((r) => {
    const pm = r.postmortem;
    const resolution = pm ? markdownSection(pm.body, "Resolution") : undefined;
    const fixes = [...new Set(r.actions.map(fixOf).filter((x): x is string => !!x))];
    if (resolution) fixes.push(resolution.slice(0, 300));
    const trigger = str(pm?.meta.trigger);
    return {
      incidentId: r.id,
      title: r.title,
      services: r.services,
      alertNames: [...new Set(r.alerts.map((a) => a.name))],
      cause: str(pm?.meta.rootCause) ?? str(r.cause),
      symptoms: [...r.alerts.map((a) => a.summary).filter(Boolean), ...(trigger ? [trigger] : [])],
      fixes,
      ...(pm ? { postmortem: { id: pm.id, ...(str(pm.meta.status) ? { status: str(pm.meta.status) } : {}) } } : {}),
      ...(r.resolvedAt ? { resolvedAt: r.resolvedAt } : {}),
    };
  });
}

function entryOf(p: PastIncident): KbEntry {
  return {
    id: p.incidentId,
    kind: "incident",
    title: p.title,
    body: [...p.symptoms, ...p.fixes].join("\n"),
    meta: { alerts: p.alertNames, symptoms: p.cause ? [p.cause] : [], services: p.services },
  };
}

const SELF = "\u0000query";

const overlap = (want: readonly string[], have: readonly string[], key: (s: string) => string): string[] => {
  const h = new Set(have.map(key));
  return [...new Set(want)].filter((w) => h.has(key(w)));
};

export function findSimilar(q: SimilarQuery, past: readonly PastIncident[], options: { limit?: number; minScore?: number } = {}): SimilarHit[] {
  if (past.length === 0) return [];
  const text = [q.text, ...q.alertNames].join(". ");
  // The query joins the index as a document of its own: its score against itself is the scale
  // (a past incident saying all the query says, in the same fields, scores about 1).
  const self: PastIncident = { incidentId: SELF, title: q.text, services: [...q.services], alertNames: [...q.alertNames], symptoms: [], fixes: [] };
  const ranked = new KbRanker([...past.map(entryOf), entryOf(self)]).rank(text, { limit: past.length + 1, names: false });
  const scale = ranked.find((r) => r.id === SELF)?.score ?? 0;
  const textScore = new Map(ranked.map((r) => [r.id, scale > 0 ? Math.min(1, r.score / (TEXT_FULL * scale)) : 0]));
  const hits: SimilarHit[] = [];
  for (const p of past) {
    const t = Math.min(1, textScore.get(p.incidentId) ?? 0);
    const alerts = overlap(q.alertNames, p.alertNames, nameKey);
    const services = overlap(q.services, p.services, (s) => s.toLowerCase());
    const a = q.alertNames.length ? alerts.length / new Set(q.alertNames).size : 0;
    const s = q.services.length ? services.length / new Set(q.services).size : 0;
    if (alerts.length === 0 && services.length === 0 && t < 0.5) continue;
    const score = SIMILAR_WEIGHTS.text * t + SIMILAR_WEIGHTS.alerts * a + SIMILAR_WEIGHTS.services * s;
    if (score < (options.minScore ?? 0.2)) continue;
    const reasons: string[] = [];
    if (alerts.length) reasons.push(`same alert${alerts.length > 1 ? "s" : ""}: ${alerts.slice(0, 3).join(", ")}`);
    if (services.length) reasons.push(`same service${services.length > 1 ? "s" : ""}: ${services.slice(0, 3).join(", ")}`);
    if (t >= 0.3) reasons.push(p.cause ? `similar cause and symptoms (${Math.round(t * 100)} %)` : `similar symptoms (${Math.round(t * 100)} %)`);
    hits.push({ incident: p, score: Number(score.toFixed(3)), reasons });
  }
  hits.sort((x, y) => y.score - x.score || (y.incident.resolvedAt ?? "").localeCompare(x.incident.resolvedAt ?? "") || x.incident.incidentId.localeCompare(y.incident.incidentId));
  return hits.slice(0, options.limit ?? 5);
}

/** One line: what it was and what fixed it. */
export function similarLine(h: SimilarHit): string {
  const p = h.incident;
  const fix = p.fixes.length ? ` Fixed by: ${p.fixes.slice(0, 2).join("; ")}.` : " No recorded fix.";
  return `${p.incidentId} "${p.title}"${p.cause ? `: ${p.cause.replace(/\.$/, "")}` : ""}.${fix}`;
}
