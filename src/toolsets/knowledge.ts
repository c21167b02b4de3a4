import { z } from "zod";
import type { KnowledgeBase } from "../knowledge/knowledge-base.ts";
import type { Runbook } from "../knowledge/runbook.ts";
import { matchRunbooks } from "../knowledge/runbook-match.ts";
import { findSimilar, pastIncidents } from "../knowledge/similar-incidents.ts";
import type { IncidentHistoryRepo } from "../store/repos/incident-history.ts";
import type { OncallReadPort, OncallView, ToolsetPorts } from "./ports.ts";
import { defineTool, noData, ok, type Availability, type Tool, type Toolset } from "./types.ts";

export interface RunbookHit {
  id: string;
  title: string;
  score: number;
  reasons: string[];
  /** Services of the query it applies to (empty: generic). */
  services: string[];
  actions: string[];
  risk: string;
  path?: string;
}

export interface SimilarIncident {
  id: string;
  kind: string;
  title: string;
  score: number;
  excerpt: string;
  meta: Record<string, unknown>;
  /** What fixed it (remediations that recovered the symptoms, the postmortem's resolution). */
  fixedBy?: string[];
  /** What it shares with the query. */
  reasons?: string[];
  cause?: string;
}

type KnowledgeLike = Pick<KnowledgeBase, "search" | "loadedRunbooks">;

export interface KnowledgeTools {
  runbookMatches: Tool<{ alertNames?: string[]; services?: string[]; text?: string; limit?: number }, RunbookHit[]>;
  similarIncidents: Tool<{ text: string; services?: string[]; alertNames?: string[]; excludeIncidentId?: string; limit?: number }, SimilarIncident[]>;
}

/**
 * Runbooks matching an incident's alerts, services and symptoms; similar past incidents — resolved
 * incidents with their postmortems from `history` when given (ranked by shared alerts, services,
 * cause and symptoms, with what fixed them), else the knowledge base's postmortems by text.
 */
export function knowledgeToolset(kb: KnowledgeLike, history?: Pick<IncidentHistoryRepo, "resolved">): Toolset & { t: KnowledgeTools } {
  const availability = (): Availability => ({ enabled: true });
  const runbookMatches = defineTool({
    name: "runbook_matches",
    description: "Runbooks that match alert names, services and symptom text (log errors, pod reasons, hypotheses), scored 0..1 with the reasons, and the remediation actions each names.",
    parameters: z.object({ alertNames: z.array(z.string()).max(200).optional(), services: z.array(z.string()).max(100).optional(), text: z.string().max(20_000).optional(), limit: z.number().int().min(1).max(20).default(5) }),
    availability,
    run: async (a) => {
      const runbooks: readonly Runbook[] = kb.loadedRunbooks();
      if (runbooks.length === 0) return noData("no runbooks are indexed (AISRE_RUNBOOKS_DIR)");
      const hits = matchRunbooks(runbooks, { alertNames: a.alertNames, services: a.services, symptoms: a.text }, { limit: a.limit, minScore: 0.15 });
      if (hits.length === 0) return noData("no runbook matches these alerts and symptoms");
      return ok(
        hits.map((h) => ({ id: h.runbook.id, title: h.runbook.title, score: h.score, reasons: h.reasons, services: h.services, actions: [...h.runbook.actions], risk: h.runbook.risk, ...(h.runbook.path ? { path: h.runbook.path } : {}) })),
        hits.map((h) => `${h.runbook.title} (${Math.round(h.score * 100)} %)`).join(", "),
      );
    },
  });
  const similarIncidents = defineTool({
    name: "similar_incidents",
    description: "Resolved past incidents and postmortems that resemble this one (shared alert names, services, cause and symptom words), with what fixed each.",
    parameters: z.object({
      text: z.string().min(1).max(4000),
      services: z.array(z.string()).max(100).optional(),
      alertNames: z.array(z.string()).max(200).optional(),
      excludeIncidentId: z.string().optional(),
      limit: z.number().int().min(1).max(10).default(3),
    }),
    availability,
    run: async (a) => {
      const hits: SimilarIncident[] = [];
      const known = new Set<string>();
      if (history) {
        const past = pastIncidents(await history.resolved({ excludeId: a.excludeIncidentId }));
        for (const p of past) known.add(p.incidentId);
        for (const h of findSimilar({ text: a.text, services: a.services ?? [], alertNames: a.alertNames ?? [] }, past, { limit: a.limit })) {
          hits.push({
            id: h.incident.postmortem?.id ?? `incident:${h.incident.incidentId}`,
            kind: h.incident.postmortem ? "postmortem" : "incident",
            title: h.incident.title,
            score: h.score,
            excerpt: h.incident.cause ?? h.incident.symptoms[0] ?? "",
            meta: { incidentId: h.incident.incidentId, services: h.incident.services, alertNames: h.incident.alertNames, resolvedAt: h.incident.resolvedAt ?? null },
            fixedBy: h.incident.fixes,
            reasons: h.reasons,
            ...(h.incident.cause ? { cause: h.incident.cause } : {}),
          });
        }
      }
      // Knowledge-base postmortems of incidents not in the history (imported, or not resolved here).
      if (hits.length < a.limit) {
        const seen = new Set(hits.map((h) => h.id));
        for (const h of await kb.search(a.text, { kinds: ["postmortem", "incident"], limit: a.limit })) {
          const of = typeof h.meta.incidentId === "string" ? h.meta.incidentId : undefined;
          if (seen.has(h.id) || (of && known.has(of)) || (a.excludeIncidentId && of === a.excludeIncidentId) || hits.length >= a.limit) continue;
          hits.push({ id: h.id, kind: h.kind, title: h.title, score: h.score, excerpt: h.excerpt, meta: h.meta });
        }
      }
      if (hits.length === 0) return noData("no similar past incident in the knowledge base");
      return ok(hits, hits.map((h) => `${h.title}${h.fixedBy?.length ? ` (fixed by ${h.fixedBy[0]})` : ""}`).join("; "));
    },
  });
  const t: KnowledgeTools = { runbookMatches, similarIncidents };
  return { name: "knowledge", description: "Runbooks and past incidents.", availability, tools: Object.values(t), t };
}

export interface OncallTools {
  whoIsOnCall: Tool<{ service: string }, OncallView[]>;
}

/** Who is on call for a service (PagerDuty). */
export function oncallToolset(ports: ToolsetPorts, o: { disabledReason?: string } = {}): Toolset & { t: OncallTools } {
  const availability = (): Availability => (ports.pagerduty ? { enabled: true } : { enabled: false, reason: o.disabledReason ?? "PagerDuty is not connected (set PAGERDUTY_API_TOKEN, or run the sandbox)" });
  const whoIsOnCall = defineTool({
    name: "who_is_on_call",
    description: "Who is on call for a service (PagerDuty), lowest escalation level first.",
    parameters: z.object({ service: z.string().min(1) }),
    availability,
    run: async (a) => {
      const pd: OncallReadPort = ports.pagerduty!;
      const list = [...(await pd.listOncalls(a.service))].sort((x, y) => x.level - y.level);
      if (list.length === 0) return noData(`nobody is on call for ${a.service} (no escalation policy matches it)`);
      return ok(list, list.map((x) => `L${x.level} ${x.user.name}`).join(", "));
    },
  });
  const t: OncallTools = { whoIsOnCall };
  return { name: "oncall", description: "On-call schedules.", availability, tools: Object.values(t), t };
}
