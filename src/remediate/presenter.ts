import type { SectionBlock } from "@slack/types";
import type { SlackMessage } from "../incident/presenter.ts";
import { escapeText } from "../text/slack-markup.ts";
import type { RemediationAction } from "./types.ts";

export interface ActionCardView {
  action: RemediationAction;
  /** Show Approve / Dismiss buttons (pending, policy approve, automation on). */
  buttons: boolean;
}

/**
 * Renders remediation messages. Implemented with Block Kit in blocks/remediation-card.ts and bound
 * by the Slack layer (src/ stays free of presentation); the plain one below is the fallback.
 */
export interface RemediationPresenter {
  /** The action card: what, where, why, evidence, rollback path, state; updated in place. */
  actionCard(view: ActionCardView): SlackMessage;
  /** Observe level: one line that names the action without offering it. */
  mention(action: RemediationAction): SlackMessage;
  /** A short note in the thread (failure, escalation). */
  note(action: RemediationAction, text: string): SlackMessage;
}

const section = (text: string): SectionBlock => ({ type: "section", text: { type: "mrkdwn", text: text.slice(0, 3000) } });

export const plainRemediationPresenter: RemediationPresenter = {
  actionCard: ({ action: a }) => {
    const text = escapeText(`${a.detail.title} on ${a.target.service}: ${a.state}. ${a.detail.change}`);
    return { text, blocks: [section(text)] };
  },
  mention: (a) => {
    const text = escapeText(`aisre would suggest: ${a.detail.title} on ${a.target.service} (observe only; nothing offered).`);
    return { text, blocks: [section(text)] };
  },
  note: (_a, text) => ({ text, blocks: [section(text)] }),
};
