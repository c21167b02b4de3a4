import type { KnowledgeBase } from "../knowledge/knowledge-base.ts";
import type { RemediationAction } from "../remediate/types.ts";
import type { Store } from "../store/store.ts";
import type { Toolsets } from "../toolsets/index.ts";
import type { IncidentContext } from "./context.ts";
import type { Intent, ParsedQuestion } from "./intents.ts";
import type { ChartImage } from "./metric-chart.ts";
import type { OncallEntry, ServiceHealth } from "./service-health.ts";

/** What happened to an action the LLM proposed. */
export interface ProposalOutcome {
  type: string;
  service: string;
  reason: string;
  /** Posted as a remediation card (with buttons when the policy asks for approval). */
  offered: boolean;
  note: string;
}

/** One answer to a question, whichever way it was produced. */
export interface Answer {
  intent: Intent;
  /** Slack mrkdwn. */
  text: string;
  /** The evidence it rests on: one line per tool call or record read ("recent_changes: 1 change(s)…"). */
  sources: string[];
  /** Gaps, caveats, and why the LLM was not used when it failed. */
  notes: string[];
  chart?: ChartImage;
  /** rules: the deterministic router; llm: the tool loop; fallback: rules after the LLM failed. */
  mode: "rules" | "llm" | "fallback";
  proposals?: ProposalOutcome[];
  /** LLM figures, when it answered. */
  llm?: { model: string; steps: number; tokens: number; elapsedMs: number };
}

/** What the deterministic answers read. */
export interface AnswerDeps {
  toolsets: Toolsets;
  store: Store;
  knowledge: Pick<KnowledgeBase, "search" | "loadedRunbooks">;
  /** Services known to exist (topology, cluster, open incidents), for names in questions. */
  knownServices(): Promise<string[]>;
  /** A service's health (with the topology's dependencies); default: without them. */
  health?: (service: string) => Promise<ServiceHealth>;
  /** On-call with Slack users (the PagerDuty sync), when available. */
  oncall?: (service: string) => Promise<OncallEntry[]>;
  /** Remediation actions of an incident (pending buttons are the first thing to do). */
  actions?: (incidentId: string) => Promise<RemediationAction[]>;
  serviceLabel?: string;
  /** A link to an incident's thread (its root message's permalink), when Slack gives one. */
  permalink?: (incidentId: string) => Promise<string | undefined>;
}

export interface AnswerInput {
  question: ParsedQuestion;
  text: string;
  /** The incident the question is about (its thread, or the only open one in the channel). */
  ctx?: IncidentContext;
  /** Other open incidents when the channel has several (the question could not be tied to one). */
  openElsewhere?: Array<{ id: string; title: string }>;
}
