import type { Severity } from "../domain/alert.ts";
import { STATUS_LABEL, type PostmortemStatus } from "../domain/postmortem.ts";
import type { StoredPostmortem } from "../store/repos/postmortems.ts";
import type { KeyMoment } from "./timeline.ts";

/** A postmortem's lifecycle: drafted by aisre, reviewed by people, then final (and in the knowledge base). */
export { STATUS_LABEL, type PostmortemStatus };

/** The text sections of the standard template, in order. The timeline is built, not written. */
export const SECTIONS = ["summary", "impact", "rootCause", "trigger", "detection", "resolution", "wentWell", "wentWrong", "actionItems", "lessons"] as const;
export type SectionKey = (typeof SECTIONS)[number];

export const SECTION_TITLE: Record<SectionKey, string> = {
  summary: "Summary",
  impact: "Impact",
  rootCause: "Root cause",
  trigger: "Trigger",
  detection: "Detection",
  resolution: "Resolution",
  wentWell: "What went well",
  wentWrong: "What went wrong",
  actionItems: "Action items",
  lessons: "Lessons learned",
};

/** Sections an LLM may write (the others are facts: impact, detection, action items). */
export const NARRATIVE_SECTIONS = ["summary", "rootCause", "trigger", "resolution", "wentWell", "wentWrong", "lessons"] as const satisfies readonly SectionKey[];
export type NarrativeSection = (typeof NARRATIVE_SECTIONS)[number];

export interface ActionItem {
  text: string;
  /** A Slack user id (`U…`) or a name. */
  owner?: string;
  /** YYYY-MM-DD. */
  due?: string;
  /** The Jira issue created for it, once the postmortem is final. */
  jiraKey?: string;
  jiraUrl?: string;
}

export interface ErrorBudget {
  objective: number;
  windowDays: number;
  budgetMinutes: number;
  /** Minutes counted against the budget. */
  usedMinutes: number;
  usedPercent: number;
  /** The share of requests that failed, when the incident's impact said (else minutes count in full). */
  failingShare?: number;
  /** How the figure was arrived at, in a sentence. */
  basis: string;
  /**
   * From measured requests: the service whose failures used the most, its requests and failed
   * requests over the impact window, and the failed requests its SLO allows over the period at that traffic.
   */
  measured?: { service: string; total: number; failed: number; allowed: number };
}

/** What the incident's own records say, computed without any judgement. */
export interface PostmortemFacts {
  incidentId: string;
  title: string;
  /** The highest severity the incident held (it falls with its alerts before the resolution). */
  severity: Severity;
  /** The severity it ended at, when lower than its peak. */
  severityAtEnd?: Severity;
  services: string[];
  /** When the first symptom started (earliest alert start, else the incident's creation). */
  startedAt: string;
  /** When aisre opened the incident (detection). */
  detectedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  resolvedWhy?: string;
  /** Whole minutes; undefined while unresolved. */
  durationMinutes?: number;
  timeToDetectMinutes: number;
  timeToAcknowledgeMinutes?: number;
  timeToResolveMinutes?: number;
  detectedBy: string;
  alerts: Array<{ name: string; service?: string; severity: string; source: string; firstAt: string; count: number }>;
  alertCount: number;
  changes: Array<{ kind: string; service: string; version?: string; previousVersion?: string; author?: string; at: string; minutesBefore: number }>;
  /** What was believed while it ran: a recorded ranking's leader, with its service. */
  hypotheses: Array<{ text: string; confidence?: number; at?: string; service?: string }>;
  /** The leading cause, with the service the last ranking before the resolution led with. */
  leadingCause?: { text: string; confidence?: number; verdict?: string; service?: string };
  /** Runbooks the diagnosis matched to the leading cause while the incident ran (their titles). */
  runbooks?: string[];
  actions: Array<{ text: string; event: string; type?: string; at: string; actor: string }>;
  /** Messages people wrote in the thread. */
  messages: Array<{ at: string; actor: string; text: string }>;
  responders: string[];
  /** The first thing a person did in the incident (a message, an approval, a status change), minutes after the first symptom. */
  firstResponse?: { at: string; by: string; minutes: number };
  paged?: { ref: string; url?: string };
  ticket?: { key: string; url?: string };
  reopened: number;
  errorBudget: ErrorBudget;
  impactNote?: string;
}

export interface PostmortemDoc {
  incidentId: string;
  title: string;
  facts: PostmortemFacts;
  sections: Record<SectionKey, string>;
  actionItems: ActionItem[];
  timeline: KeyMoment[];
  /** "template" or the model that wrote the narrative parts. */
  narrative: string;
  generatedAt: string;
}

/** A stored postmortem: the generated document, people's edits on top, its status. */
export type PostmortemRecord = StoredPostmortem<PostmortemDoc, SectionKey>;

/** The document as people see it: generated sections with their edits applied. */
export interface EffectivePostmortem {
  incidentId: string;
  title: string;
  status: PostmortemStatus;
  version: number;
  facts: PostmortemFacts;
  sections: Record<SectionKey, string>;
  actionItems: ActionItem[];
  timeline: KeyMoment[];
  edited: SectionKey[];
  narrative: string;
  generatedAt: string;
  updatedBy?: string;
}
