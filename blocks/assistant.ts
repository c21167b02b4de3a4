import type { KnownBlock } from "@slack/types";
import { fit, fitHeader, fitSection } from "./limits.ts";
import { escapeMrkdwn as esc, inlineCode, mentionUser } from "./mrkdwn.ts";
import { shareActions, shareValue } from "./status-card.ts";
import { runbookMatch } from "../src/text/words.ts";

/** `/aisre oncall`: who is on call, grouped by roster. */
export function oncallMessage(services: string[], text: string, o: { shareable?: boolean; sharedBy?: string } = {}): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: fitSection(`:pager: *On call now*\n${text}`) } },
    { type: "context", elements: [{ type: "mrkdwn", text: o.sharedBy ? `Shared by ${mentionUser(o.sharedBy)} via \`/aisre oncall\`` : "From PagerDuty's escalation policies, lowest level first." }] },
  ];
  if (o.shareable) blocks.push(shareActions(shareValue("oncall", services.join(","))));
  return { text: fit(`On call: ${text.replace(/[*<>@]/g, "")}`, 3000), blocks };
}

export interface RunbookResult {
  title: string;
  score: number;
  excerpt: string;
  path?: string;
  risk?: string;
  actions: string[];
  services: string[];
  steps: string[];
}

/** `/aisre runbook <query>`: the best matching runbooks with their first mitigation steps. */
export function runbookMessage(query: string, results: RunbookResult[], o: { shareable?: boolean; sharedBy?: string } = {}): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: "header", text: { type: "plain_text", text: fitHeader(esc(`Runbooks for "${query}"`)), emoji: true } }];
  if (results.length === 0) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(`No runbook matches _${esc(query)}_. Try other words (an alert name, a symptom such as _OOMKilled_ or _connection pool_), or \`/aisre runbook deploy\`.`) } });
  }
  for (const r of results.slice(0, 5)) {
    const meta = [r.risk ? `risk ${esc(r.risk)}` : "", r.actions.length ? `actions: ${esc(r.actions.map((x) => x.replace(/_/g, " ")).join(", "))}` : "", r.services.length && !r.services.includes("*") ? `services: ${esc(r.services.join(", "))}` : "", r.path ? inlineCode(r.path) : ""].filter(Boolean).join(" · ");
    const steps = r.steps.length ? `\n${r.steps.map((s, i) => `${i + 1}. ${esc(s)}`).join("\n")}` : r.excerpt ? `\n> ${esc(r.excerpt.replace(/\s+/g, " ").slice(0, 300))}` : "";
    blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(`${runbookMatch(esc(r.title), r.score)}${meta ? `\n_${meta}_` : ""}${steps}`) } });
  }
  if (o.sharedBy) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `Shared by ${mentionUser(o.sharedBy)} via \`/aisre runbook\`` }] });
  if (o.shareable && results.length) blocks.push(shareActions(shareValue("runbook", query)));
  return { text: fit(esc(`Runbooks for "${query}": ${results.map((r) => r.title).join(", ") || "none"}`), 3000), blocks };
}
