import type { KnownBlock } from "@slack/types";
import type { Severity } from "../domain/alert.ts";
import type { Incident, IncidentStatus } from "../domain/incident.ts";
import type { DigestView } from "./digest.ts";

/** A Slack message body: text (notifications, screen readers) plus Block Kit blocks (typed by `@slack/types`). */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** The diagnosis summary shown on the root card (filled by the diagnosis engine). */
export interface CardDiagnosis {
  /** "What's going on": symptoms in a sentence. */
  summary?: string;
  /** "What caused it": the leading hypothesis, or a statement of uncertainty. */
  cause?: string;
  confidence?: number;
  verdict?: string;
  /** "What to do next". */
  nextSteps?: string[];
}

export interface IncidentCardView {
  incident: Incident;
  /** The current best understanding (impact, leading cause once confident); the title until there is one. */
  headline?: string;
  /** Once resolved: how it ended, in a sentence (replaces impact, recommendations and actions). */
  resolution?: string;
  /** Who resolved it, when a person did: the one mention the resolution summary keeps live. */
  resolvedBy?: string;
  /** Once resolved: the highest severity it held, when above the one it ended at (severity follows the alerts down). */
  peakSeverity?: Severity;
  alerts: { total: number; firing: number; names: string[] };
  impact?: string;
  diagnosis?: CardDiagnosis;
  links: { jira?: { key: string; url?: string }; pagerduty?: { id: string; url?: string }; runbooks?: Array<{ title: string; url?: string }>; postmortem?: string };
}

/**
 * Renders incident messages. Implemented with Block Kit in blocks/ and injected by the composition
 * root, so src/ stays free of presentation.
 */
export interface IncidentPresenter {
  rootCard(view: IncidentCardView): SlackMessage;
  /** The digest: alerts, anomalies and recent changes in one thread message edited in place. */
  digest(view: DigestView): SlackMessage;
  statusChanged(incident: Incident, from: IncidentStatus, to: IncidentStatus, by: string, why: string): SlackMessage;
  note(incident: Incident, text: string): SlackMessage;
}
