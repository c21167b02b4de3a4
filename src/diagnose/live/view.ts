import type { Incident } from "../../domain/incident.ts";
import type { SlackMessage } from "../../incident/presenter.ts";
import type { HypothesisChange } from "../adapters.ts";
import type { Diagnosis, EvidenceItem, Hypothesis } from "../types.ts";
import { escapeText } from "../../text/slack-markup.ts";
import type { ToolRun } from "./assemble.ts";

/** What the thread shows of a diagnosis: plain data, laid out by a presenter (Block Kit in blocks/). */
export interface AnalysisView {
  incident: Incident;
  diagnosis: Diagnosis;
  /** unix ms */
  window: { start: number; onset: number; end: number };
  symptom?: { service: string; metric?: string; alert: string };
  tools: ToolRun[];
  oncall?: { service: string; people: Array<{ name: string; level: number; email?: string }> };
  /** Resolved incidents that looked like this one, and what fixed them. */
  similar: Array<{ title: string; excerpt: string; incidentId?: string; fixedBy?: string[] }>;
  runbooks: Array<{ title: string; service?: string; score: number; path?: string }>;
  recommendation?: RecommendationView;
}

export interface RecommendationView {
  action: string;
  service: string;
  pod?: string;
  why: string;
  /** What remediation answered ("offered", "already recommended", "forbidden by the policy"…). */
  outcome: string;
}

export interface UpdateView {
  incident: Incident;
  changes: HypothesisChange[];
  diagnosis: Diagnosis;
  /** What prompted the re-ranking ("2 alerts joined: …", "deploy of search", "new data"). */
  trigger: string;
  recommendation?: RecommendationView;
}

/** Renders diagnosis messages; implemented with Block Kit in blocks/diagnosis.ts. */
export interface DiagnosisPresenter {
  /** The first analysis: the ranked list with evidence, counter-evidence and gaps. */
  analysis(v: AnalysisView): SlackMessage;
  /** One message per change of the ranking: "Hypothesis strengthened / weakened / new". */
  update(v: UpdateView): SlackMessage;
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

export function evidenceLine(e: EvidenceItem): string {
  return `[${e.kind}] ${e.summary}`;
}

function hypothesisText(h: Hypothesis): string {
  const ev = h.evidence.slice(0, 4).map((e) => `  + ${evidenceLine(e)}`);
  const ce = h.counterEvidence.slice(0, 2).map((e) => `  - ${evidenceLine(e)}`);
  return [`${h.rank}. ${h.service} (${pct(h.confidence)}): ${h.cause}`, ...ev, ...ce].join("\n");
}

/** A plain-text presenter (tests, and anywhere Block Kit is not wanted). */
export const plainDiagnosisPresenter: DiagnosisPresenter = {
  analysis(v) {
    const d = v.diagnosis;
    const text = [`Diagnosis: ${d.headline}`, ...d.hypotheses.slice(0, 3).map(hypothesisText), d.gaps.length ? `Investigation gaps: ${d.gaps.slice(0, 5).join("; ")}` : "", v.recommendation ? `Recommended: ${v.recommendation.action} on ${v.recommendation.service} (${v.recommendation.outcome})` : ""]
      .filter(Boolean)
      .join("\n");
    return { text: escapeText(text), blocks: [] };
  },
  update(v) {
    return { text: escapeText(v.changes.map((c) => c.text).join("\n")), blocks: [] };
  },
};
