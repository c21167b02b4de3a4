import type { SectionBlock } from "@slack/types";
import type { Severity } from "../domain/alert.ts";
import type { IncidentStatus } from "../domain/incident.ts";
import type { SlackMessage } from "../incident/presenter.ts";
import { escapeText, link, personRef } from "../text/slack-markup.ts";

/** Someone on call for a service, with their Slack user when the same email exists in Slack. */
export interface OncallPerson {
  name: string;
  email?: string;
  slackUserId?: string;
  level: number;
  schedule?: string;
}

/** What the paging card in the thread shows. */
export interface PagingView {
  incidentId: string;
  incidentStatus: IncidentStatus;
  severity: Severity;
  service?: string;
  /** The PagerDuty incident, once paged. */
  page?: {
    id: string;
    number?: number;
    url?: string;
    status: "triggered" | "acknowledged" | "resolved";
    assignees: Array<{ name: string; slackUserId?: string }>;
    level?: number;
  };
  /** Why nobody was paged (below the paging threshold, PagerDuty off…). */
  notPaged?: string;
  oncall: OncallPerson[];
  /** The last problem talking to PagerDuty, shown until the next success. */
  problem?: string;
}

/** A change made in Jira or PagerDuty, shown in the thread. */
export interface ExternalUpdate {
  system: "jira" | "pagerduty";
  /** "OPS-12" or "#42". */
  ref: string;
  url?: string;
  actor: string;
  /** What happened, in a sentence: mrkdwn, with every outside value in it already escaped. */
  text: string;
  /** A quoted body (a comment or a note), raw: the presenter escapes it. */
  quote?: string;
}

/**
 * Renders sync messages. The Block Kit implementation (with the "Page on-call" and "Escalate"
 * buttons) lives in blocks/paging.ts and is bound by the Slack layer; this plain one keeps src/
 * free of presentation and works without it.
 */
export interface SyncPresenter {
  pagingCard(view: PagingView): SlackMessage;
  externalUpdate(u: ExternalUpdate): SlackMessage;
  note(text: string): SlackMessage;
}

const section = (text: string): SectionBlock => ({ type: "section", text: { type: "mrkdwn", text: text.length > 3000 ? `${text.slice(0, 2990)}…` : text } });

export function pagingSummary(v: PagingView): string {
  const who = personRef;
  if (v.page) {
    const ref = link(v.page.url, `PagerDuty #${v.page.number ?? v.page.id}`);
    return `:pager: ${ref} ${escapeText(v.page.status)}${v.page.assignees.length ? `, assigned to ${v.page.assignees.map(who).join(", ")}` : ""}${v.page.level ? ` (level ${v.page.level})` : ""}`;
  }
  const oncall = v.oncall.filter((o) => o.level === Math.min(...v.oncall.map((x) => x.level)));
  return `:pager: Not paged${v.notPaged ? `: ${escapeText(v.notPaged)}` : ""}.${oncall.length ? ` On call${v.service ? ` for ${escapeText(v.service)}` : ""}: ${oncall.map(who).join(", ")}.` : ""}`;
}

export const plainSyncPresenter: SyncPresenter = {
  pagingCard(v) {
    const text = `${pagingSummary(v)}${v.problem ? `\n:warning: ${escapeText(v.problem)}` : ""}`;
    return { text, blocks: [section(text)] };
  },
  externalUpdate(u) {
    const text = `${u.system === "jira" ? ":ticket:" : ":pager:"} ${link(u.url, u.ref)}: ${u.text}${u.quote ? `\n>${escapeText(u.quote).replace(/\n/g, "\n>")}` : ""}`;
    return { text, blocks: [section(text)] };
  },
  note(text) {
    return { text, blocks: [section(text)] };
  },
};
