import type { KnownBlock } from "@slack/types";
import type { AuditEntry } from "../src/store/repos/audit.ts";
import type { AutomationState } from "../src/remediate/kill-switch.ts";
import type { RemediationAction } from "../src/remediate/types.ts";
import { fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn as esc, inlineCode, mentionUser, slackDate } from "./mrkdwn.ts";

/** `/aisre autonomy status` and `/aisre audit`: what automation may do now, and what it did. */

const section = (text: string): KnownBlock => ({ type: "section", text: { type: "mrkdwn", text: fitSection(text) } });
const actionLine = (a: RemediationAction) => `• *${esc(a.detail.title)}* ${inlineCode(a.target.service)} — ${esc(a.state)}${a.approvedBy.length ? ` (approved by ${a.approvedBy.map(mentionUser).join(", ")})` : ""} · ${esc(a.incidentId)}`;

export function autonomyStatusBlocks(s: { automation: AutomationState; policy: string; lastHour: number; maxPerHour: number; running: RemediationAction[]; pending: RemediationAction[] }): KnownBlock[] {
  const a = s.automation;
  const where = a.workspace ? ` in workspace ${esc(a.workspace)}` : "";
  const head = a.enabled
    ? `:large_green_circle: *Automation is on*${where}: actions run under the policy (approve: on a click; auto: by themselves).`
    : `:red_circle: *Automation is off*${where}${a.by ? ` since ${slackDate(a.at ?? "", "{date_short_pretty} {time}")} (by ${mentionUser(a.by)})` : ""}${a.reason ? `: ${esc(a.reason)}` : ""}. Nothing runs, automatic or approved. \`/aisre autonomy on\` (approvers only) turns it back on.`;
  const blocks: KnownBlock[] = [section(head), section(`*Circuit breaker*: ${s.lastHour}/${s.maxPerHour} actions in the last hour${s.lastHour >= s.maxPerHour ? " — *open*: nothing more runs until the hour rolls over" : ""}.\n*Policy*: ${esc(s.policy)}`)];
  if (s.running.length) blocks.push(section(`*Running now*\n${s.running.map(actionLine).join("\n")}`));
  if (s.pending.length) blocks.push(section(`*Waiting for approval*\n${s.pending.slice(0, 20).map(actionLine).join("\n")}${s.pending.length > 20 ? `\n…and ${s.pending.length - 20} more` : ""}`));
  return blocks;
}

function entryLine(e: AuditEntry): string {
  const d = e.detail as Record<string, unknown>;
  const who = mentionUser(e.actor);
  const what = esc(e.action.replace(/^remediation\./, ""));
  const type = typeof d.type === "string" ? ` ${esc(d.type)}` : "";
  const result = typeof d.result === "string" ? `: ${esc(d.result)}` : typeof d.reason === "string" ? `: ${esc(d.reason)}` : "";
  return `${inlineCode(`#${e.seq}`)} ${slackDate(e.at, "{time_secs}")} ${who} *${what}*${type}${e.target ? ` on ${inlineCode(e.target)}` : ""}${result}`;
}

/** The incident's audit entries, newest last, cut to fit one message. */
export function auditEntriesBlocks(incidentId: string, entries: AuditEntry[], chain?: { ok: boolean; entries: number; brokenAt?: number; reason?: string }): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: "header", text: { type: "plain_text", text: esc(`Audit log: ${incidentId}`).slice(0, SLACK_LIMITS.headerText) } }];
  if (entries.length === 0) blocks.push(section("No audit entries for this incident yet."));
  let chunk = "";
  let shown = 0;
  const budget = SLACK_LIMITS.blocksPerMessage - 3;
  for (const line of entries.map(entryLine)) {
    if (chunk.length + line.length + 1 > SLACK_LIMITS.sectionText - 50) {
      if (blocks.length >= budget) break;
      blocks.push(section(chunk));
      chunk = "";
    }
    chunk += `${chunk ? "\n" : ""}${line}`;
    shown++;
  }
  if (chunk && blocks.length < budget) blocks.push(section(chunk));
  if (shown < entries.length) blocks.push(section(`…${entries.length - shown} more: ${inlineCode(`aisre audit list ${incidentId}`)} prints them all.`));
  if (chain) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: chain.ok ? `:lock: Hash chain intact (${chain.entries} entries).` : `:rotating_light: Hash chain BROKEN at entry #${chain.brokenAt} (${esc(chain.reason ?? "")}).` }] });
  return blocks;
}
