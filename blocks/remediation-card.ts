import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../src/incident/presenter.ts";
import type { ActionCardView, RemediationPresenter } from "../src/remediate/presenter.ts";
import type { ActionState, RemediationAction } from "../src/remediate/types.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitButton, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeKeepingMentions, escapeMrkdwn as esc, escapeMrkdwn, inlineCode, mentionGroup, mentionUser } from "./mrkdwn.ts";
import { blocksWithSlackTimes } from "../src/text/slack-markup.ts";

/** The action card in the incident thread: what, where, why, evidence, rollback, state; buttons while pending. */

const STATE_WORD: Record<ActionState, string> = {
  advised: "advice",
  pending: "waiting for approval",
  running: "running",
  verifying: "verifying",
  verified: "verified",
  unverified: "unverified",
  failed: "failed",
  refused: "stopped",
  skipped: "skipped",
  rejected: "dismissed",
  stale: "withdrawn",
};

const users = (ids: string[]) => ids.map(mentionUser).join(", ");
const approverEntries = (entries: string[]) => entries.map((e) => (e.startsWith("@") ? inlineCode(e) : /^[UW]/.test(e) ? mentionUser(e) : mentionGroup(e))).join(", ");
const known = (a: RemediationAction) => [...a.approvedBy, a.proposedBy, ...a.detail.steps.map((s) => s.by)];
const stepText = (a: RemediationAction, s: RemediationAction["detail"]["steps"][number]) => `${escapeKeepingMentions(s.text, known(a))}${s.by ? ` by ${mentionUser(s.by)}` : ""}`;
const lastStep = (a: RemediationAction) => {
  const s = a.detail.steps.at(-1);
  return s ? stepText(a, s) : undefined;
};

function statusLine(a: RemediationAction): string {
  const n = `${a.approvedBy.length}/${a.requiredApprovals}`;
  const auto = a.detail.autonomy === "auto" && a.approvedBy.length === 0;
  switch (a.state) {
    case "advised":
      return a.detail.autonomy === "observe" ? ":eyes: Observe only" : ":bulb: *Advice only*: no button (policy: advise). Run it by hand if you agree.";
    case "pending":
      return a.approvedBy.length ? `:hourglass_flowing_sand: *Approved by ${users(a.approvedBy)} (${n})*: ${a.requiredApprovals - a.approvedBy.length} more approver needed (${approverEntries(a.detail.approvers)}).` : `:hourglass_flowing_sand: *Waiting for approval* (${n}) from ${approverEntries(a.detail.approvers)}.`;
    case "running":
      return `:gear: *Running*${auto ? " automatically (policy: auto)" : ` — approved by ${users(a.approvedBy)} (${n})`}.`;
    case "verifying":
      return `:mag: *Verifying*: executed${auto ? " automatically" : `, approved by ${users(a.approvedBy)}`}; watching the symptoms.`;
    case "verified":
      return `:white_check_mark: *Verified*: the symptoms recovered${auto ? " (ran automatically, policy: auto)" : ` (approved by ${users(a.approvedBy)})`}.`;
    case "unverified":
      return `:warning: *Unverified*: it ran, but the symptoms did not recover.${a.detail.escalation ? ` Escalation: ${esc(a.detail.escalation)}.` : ""}`;
    case "failed":
      return `:x: *Failed*: ${lastStep(a) ?? "the change failed"}`;
    case "refused":
      return `:no_entry: *Stopped before any change*: ${lastStep(a) ?? ""}`;
    case "skipped":
      return ":white_check_mark: *Skipped*: the symptoms had already recovered.";
    case "rejected":
      return `:no_entry_sign: *Dismissed*. ${lastStep(a) ?? ""}`;
    case "stale": {
      const into = (a.result as { mergedInto?: unknown } | undefined)?.mergedInto;
      return typeof into === "string" ? `:hourglass: *Withdrawn*: this incident was merged into ${esc(into)} before it ran; its remedy is decided in that thread.` : ":hourglass: *Withdrawn*: the incident was resolved before it ran.";
    }
  }
}

/** The confirm dialog (300 characters at most): what changes, where, the evidence, the rollback path. */
export function confirmText(a: RemediationAction): string {
  const budget = SLACK_LIMITS.confirmText;
  const parts = [`Change: ${a.detail.change}`, `Where: ${a.detail.where}.`, a.detail.evidence[0] ? `Evidence: ${a.detail.evidence[0]}` : "", `Rollback: ${a.detail.rollback}`].filter(Boolean).map((p) => p.replaceAll("`", ""));
  const each = Math.floor((budget - parts.length) / parts.length);
  const text = parts.map((p) => esc(fit(p, each))).join("\n");
  return fit(text, budget);
}

function buttons(a: RemediationAction): KnownBlock {
  const n = a.approvedBy.length;
  const label = a.requiredApprovals > 1 ? `Approve (${n}/${a.requiredApprovals})` : "Approve and run";
  return {
    type: "actions",
    block_id: BLOCK.remediationActions,
    elements: [
      {
        type: "button",
        action_id: ACTION.remediationApprove,
        text: { type: "plain_text", text: fitButton(label) },
        style: "primary",
        value: a.id,
        confirm: {
          title: { type: "plain_text", text: fit(esc(`${a.detail.title} ${a.target.service}?`), SLACK_LIMITS.confirmTitle) },
          text: { type: "plain_text", text: confirmText(a) },
          confirm: { type: "plain_text", text: a.requiredApprovals - n > 1 ? "Approve" : "Approve and run" },
          deny: { type: "plain_text", text: "Cancel" },
          style: a.risk === "caution" ? "danger" : "primary",
        },
      },
      { type: "button", action_id: ACTION.remediationReject, text: { type: "plain_text", text: "Dismiss" }, value: a.id },
    ],
  };
}

/**
 * The steps the card lists: all but the last when the status line already says it (a failure, a
 * stop or a dismissal quotes it; a withdrawal restates it), so no line appears twice.
 */
function listedSteps(a: RemediationAction): RemediationAction["detail"]["steps"] {
  const last = a.detail.steps.at(-1);
  const said = a.state === "failed" || a.state === "refused" || a.state === "rejected" || (a.state === "stale" && last?.text.startsWith("Withdrawn"));
  return said ? a.detail.steps.slice(0, -1) : a.detail.steps;
}

function stepsText(a: RemediationAction): string {
  const lines = listedSteps(a).map((s) => `${s.ok === false ? ":x:" : s.ok ? ":heavy_check_mark:" : "•"} ${stepText(a, s)}`);
  let out = "";
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = `${lines[i]}\n${out}`;
    if (next.length > SLACK_LIMITS.sectionText - 40) return fitSection(`…${lines.length - i - 1} earlier steps\n${out}`);
    out = next;
  }
  return out.trimEnd();
}

const AUTONOMY: Record<string, string> = {
  observe: "observed only: nothing is offered or run",
  advise: "advice only: run it yourself",
  approve: "runs only once approved",
  autonomous: "runs on its own, within its guardrails",
};

/** A policy reason without its internals: "rule 4 (action=kill_db_query): approve, 2 approvers" → "rule 4, for kill db query". */
function policyWords(reason: string): string {
  const rule = /^rule (\d+) \(([^)]*)\)/.exec(reason);
  if (!rule) return reason.replace(/_/g, " ");
  const what = (rule[2] ?? "")
    .split(/,\s*/)
    .map((m) =>
      m
        .replace(/^[a-z]+=/, "")
        .replace(/_/g, " ")
        .replace(/\|/g, " or "),
    )
    .join(", ");
  return `rule ${rule[1]}, for ${what}`;
}

/** Why this action needs (or does not need) approval, in words: not the policy's internals. */
function autonomyWords(a: RemediationAction): string {
  const mode = AUTONOMY[a.detail.autonomy] ?? escapeMrkdwn(a.detail.autonomy);
  const approvers = a.requiredApprovals > 1 ? ` by ${a.requiredApprovals} approvers` : "";
  const reason = a.detail.because.at(-1) ?? "";
  const why = !reason || reason.startsWith("default") ? "the default for actions" : `remediation policy: ${escapeMrkdwn(policyWords(reason))}`;
  return `:lock: ${mode}${a.detail.autonomy === "approve" ? approvers : ""} (${why})`;
}

export function actionCardMessage({ action: a, buttons: withButtons }: ActionCardView): SlackMessage {
  const header = `:wrench: *${esc(a.detail.title)}* ${inlineCode(a.target.service)}${
    a.params && Object.keys(a.params).length
      ? ` (${esc(
          Object.entries(a.params)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(", "),
        )})`
      : ""
  } — ${esc(a.risk)}, ${a.detail.reversible ? "reversible" : "*not reversible*"}`;
  const why = `*Why:* ${escapeMrkdwn(a.reason)}${a.detail.hypothesisRef ? ` _(hypothesis ${esc(a.detail.hypothesisRef)})_` : ""}`;
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: fitSection(`${header}\n${why}`) } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: fit(`*What changes*\n${esc(a.detail.change)}`, SLACK_LIMITS.sectionFieldText) },
        { type: "mrkdwn", text: fit(`*Where*\n${esc(a.detail.where)}`, SLACK_LIMITS.sectionFieldText) },
        { type: "mrkdwn", text: fit(`*Rollback path*\n${esc(a.detail.rollback)}`, SLACK_LIMITS.sectionFieldText) },
        { type: "mrkdwn", text: fit(`*Blast radius*\n${esc(a.detail.blastRadius)}`, SLACK_LIMITS.sectionFieldText) },
      ],
    },
  ];
  if (a.detail.evidence.length) blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(`*Evidence*\n${a.detail.evidence.map((e) => `• ${escapeMrkdwn(e)}`).join("\n")}`) } });
  blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(statusLine(a)) } });
  if (listedSteps(a).length) blocks.push({ type: "section", text: { type: "mrkdwn", text: stepsText(a) } });
  const context = [autonomyWords(a), a.detail.note ? esc(a.detail.note) : "", `audit: ${inlineCode(`/aisre audit ${a.id}`)}`].filter(Boolean).join(" · ");
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fit(context, 2000) }] });
  if (withButtons) blocks.push(buttons(a));
  return { text: fit(esc(`${a.detail.title} ${a.target.service}: ${STATE_WORD[a.state]}`), 3000), blocks: blocksWithSlackTimes(blocks, Date.parse(a.detail.proposedAt ?? a.createdAt)) };
}

export function actionMentionMessage(a: RemediationAction): SlackMessage {
  const text = `:eyes: aisre would suggest *${esc(a.detail.title)}* on ${inlineCode(a.target.service)}: ${esc(a.reason)} _(observe only: nothing is offered or run)_`;
  return { text: fit(esc(`aisre would suggest ${a.detail.title} on ${a.target.service} (observe only)`), 3000), blocks: [{ type: "section", text: { type: "mrkdwn", text: fitSection(text) } }] };
}

export function actionNoteMessage(_a: RemediationAction, text: string): SlackMessage {
  return { text: fit(text, 3000), blocks: [{ type: "section", text: { type: "mrkdwn", text: fitSection(text) } }] };
}

export const blockKitRemediationPresenter: RemediationPresenter = {
  actionCard: actionCardMessage,
  mention: actionMentionMessage,
  note: actionNoteMessage,
};
