import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../src/incident/presenter.ts";
import { pagingSummary, type ExternalUpdate, type PagingView, type SyncPresenter } from "../src/sync/presenter.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn, link, personRef as who } from "./mrkdwn.ts";

/** The paging card in the thread: who is paged or on call, and the "Page on-call" / "Escalate" buttons. */
export function pagingCardMessage(v: PagingView): SlackMessage {
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: fitSection(pagingSummary(v)) } }];
  const levels = [...new Set(v.oncall.map((o) => o.level))].sort((a, b) => a - b);
  if (levels.length) {
    const line = levels
      .map(
        (l) =>
          `L${l}: ${v.oncall
            .filter((o) => o.level === l)
            .map((o) => `${who(o)}${o.schedule ? ` (${escapeMrkdwn(o.schedule)})` : ""}`)
            .join(", ")}`,
      )
      .join(" · ");
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fit(`On call${v.service ? ` for ${escapeMrkdwn(v.service)}` : ""} — ${line}`, SLACK_LIMITS.sectionText) }] });
  }
  if (v.problem) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fit(`:warning: ${escapeMrkdwn(v.problem)}`, SLACK_LIMITS.sectionText) }] });
  const open = v.incidentStatus !== "resolved";
  const paged = v.page && v.page.status !== "resolved";
  const buttons = [];
  if (open && !paged) {
    buttons.push({
      type: "button" as const,
      action_id: ACTION.pagingPage,
      value: v.incidentId,
      style: "danger" as const,
      text: { type: "plain_text" as const, text: "Page on-call" },
      confirm: {
        title: { type: "plain_text" as const, text: "Page the on-call?" },
        text: {
          type: "mrkdwn" as const,
          text: fit(
            `This pages ${
              v.oncall.length
                ? v.oncall
                    .filter((o) => o.level === levels[0])
                    .map(who)
                    .join(", ")
                : "the on-call"
            } through PagerDuty${v.service ? ` for ${escapeMrkdwn(v.service)}` : ""}.`,
            SLACK_LIMITS.confirmText,
          ),
        },
        confirm: { type: "plain_text" as const, text: "Page" },
        deny: { type: "plain_text" as const, text: "Cancel" },
      },
    });
  }
  if (open && paged) {
    const next = v.oncall.filter((o) => o.level === (v.page?.level ?? 1) + 1);
    buttons.push({
      type: "button" as const,
      action_id: ACTION.pagingEscalate,
      value: v.incidentId,
      text: { type: "plain_text" as const, text: "Escalate" },
      confirm: {
        title: { type: "plain_text" as const, text: "Escalate the page?" },
        text: { type: "mrkdwn" as const, text: fit(`This moves PagerDuty #${escapeMrkdwn(String(v.page?.number ?? v.page?.id))} to the next escalation level${next.length ? ` (${next.map(who).join(", ")})` : ""}.`, SLACK_LIMITS.confirmText) },
        confirm: { type: "plain_text" as const, text: "Escalate" },
        deny: { type: "plain_text" as const, text: "Cancel" },
      },
    });
  }
  if (buttons.length) blocks.push({ type: "actions", block_id: BLOCK.pagingActions, elements: buttons });
  return { text: pagingSummary(v).replace(/<([^|>]+)\|([^>]+)>/g, "$2"), blocks };
}

export function externalUpdateMessage(u: ExternalUpdate): SlackMessage {
  const icon = u.system === "jira" ? ":ticket:" : ":pager:";
  const ref = link(u.url, u.ref);
  const blocks: KnownBlock[] = [
    { type: "context", elements: [{ type: "mrkdwn", text: fit(`${icon} ${ref} · ${u.system === "jira" ? "Jira" : "PagerDuty"}`, SLACK_LIMITS.sectionText) }] },
    { type: "section", text: { type: "mrkdwn", text: fitSection(u.text) } },
  ];
  if (u.quote) blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(`>${escapeMrkdwn(u.quote).replace(/\n/g, "\n>")}`) } });
  return { text: `${escapeMrkdwn(u.ref)}: ${u.text.replace(/[*_]/g, "")}`, blocks };
}

export const blockKitSyncPresenter: SyncPresenter = {
  pagingCard: pagingCardMessage,
  externalUpdate: externalUpdateMessage,
  note: (text) => ({ text, blocks: [{ type: "section", text: { type: "mrkdwn", text: fitSection(text) } }] }),
};
