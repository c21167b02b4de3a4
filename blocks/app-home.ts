import type { KnownBlock } from "@slack/types";
import { GRADE_LABELS } from "../src/domain/grades.ts";
import { ageText, type HomeView } from "../src/home/home-view.ts";
import type { HomePresenter, HomeTabView } from "../src/home/presenter.ts";
import { ACTION } from "./ids.ts";
import { fit, fitHeader, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn as esc, inlineCode, link, mentionUser, personRef, slackDate } from "./mrkdwn.ts";

/**
 * aisre's Home tab, per person: open incidents (severity, age, leading cause, a link to the
 * thread), the actions waiting for their approval, who is on call, the automation switch (who
 * changed it and when), and the last resolved incidents with how right aisre was. Pure.
 */

const MAX_OPEN = 15;
const MAX_APPROVALS = 10;
const MAX_ONCALL = 8;

const section = (text: string): KnownBlock => ({ type: "section", text: { type: "mrkdwn", text: fitSection(text) } });
const header = (text: string): KnownBlock => ({ type: "header", text: { type: "plain_text", text: fitHeader(text), emoji: true } });
const context = (text: string): KnownBlock => ({ type: "context", elements: [{ type: "mrkdwn", text: fit(text, SLACK_LIMITS.sectionText) }] });
const pct = (x: number): string => `${Math.round(x * 100)} %`;
const when = (at: string | number): string => slackDate(at, "{date_short_pretty} {time}");
const more = (n: number, shown: number, what: string): KnownBlock[] => (n > shown ? [context(`…and ${n - shown} more ${what}`)] : []);

function openIncidents(v: HomeView): KnownBlock[] {
  const blocks: KnownBlock[] = [header(`:rotating_light: Open incidents (${v.open.length})`)];
  if (v.open.length === 0) return [...blocks, section(":white_check_mark: No open incidents.")];
  for (const i of v.open.slice(0, MAX_OPEN)) {
    const cause = i.cause ? `\nLeading cause: ${esc(fit(i.cause, 400))}${i.confidence !== undefined ? ` (${pct(i.confidence)})` : ""}` : "\n_No leading cause yet._";
    const services = i.services.length ? ` · ${esc(i.services.slice(0, 5).join(", "))}` : "";
    blocks.push(section(`*${esc(i.severity.toUpperCase())}* ${link(i.permalink, fit(i.title, 200))} · ${esc(i.status)} for ${ageText(i.ageMs)}${services} · ${inlineCode(i.id)}${cause}`));
  }
  return [...blocks, ...more(v.open.length, MAX_OPEN, "open incidents")];
}

function approvals(v: HomeView): KnownBlock[] {
  const blocks: KnownBlock[] = [header(`:raised_hand: Waiting for your approval (${v.approvals.length})`)];
  if (v.approvals.length === 0) return [...blocks, section("Nothing waits for you.")];
  const lines = v.approvals.slice(0, MAX_APPROVALS).map((a) => `• ${link(a.permalink, fit(a.title, 150))} on ${inlineCode(a.service)} · ${inlineCode(a.incidentId)} · ${a.approvals}/${a.required} approvals`);
  return [...blocks, section(lines.join("\n")), ...more(v.approvals.length, MAX_APPROVALS, "waiting")];
}

function oncall(v: HomeView): KnownBlock[] {
  const blocks: KnownBlock[] = [header(":bust_in_silhouette: On call")];
  const rows = v.oncall.filter((o) => o.people.length).slice(0, MAX_ONCALL);
  if (rows.length === 0) return [...blocks, section(v.oncallNote ? `_${esc(v.oncallNote)}_` : "_Nobody is listed as on call._")];
  const lines = rows.map(
    (o) =>
      `*${esc(o.service)}*: ${o.people
        .slice(0, 3)
        .map((p) => `${personRef(p)} (L${Number(p.level)})`)
        .join(", ")}`,
  );
  return [...blocks, section(lines.join("\n"))];
}

function automation(v: HomeView): KnownBlock[] {
  const a = v.automation;
  const who = a.by ? ` · turned ${a.enabled ? "on" : "off"} by ${mentionUser(a.by)}${a.at ? ` ${when(a.at)}` : ""}` : " · never switched (the default)";
  const where = a.workspace ? ` in workspace ${esc(a.workspace)}` : "";
  const text = a.enabled ? `:large_green_circle: *Automation is on*${where}${who}` : `:red_circle: *Automation is off*${where}${who}${a.reason ? `: ${esc(fit(a.reason, 300))}` : ""}. Nothing runs, automatic or approved.`;
  return [header(":robot_face: Automation"), section(`${text}\n\`/aisre autonomy on|off\` switches it (approvers turn it back on).`)];
}

function resolved(v: HomeView): KnownBlock[] {
  const blocks: KnownBlock[] = [header(":dart: Recently resolved: how right was aisre?")];
  if (v.resolved.length === 0) return [...blocks, section("_No resolved incidents yet._")];
  const lines = v.resolved.map((r) => {
    const said = r.cause ? `aisre said: ${esc(fit(r.cause, 200))}${r.confidence !== undefined ? ` (${pct(r.confidence)})` : ""}` : "aisre named no cause";
    const graded = r.score !== undefined && r.grade ? `*${GRADE_LABELS[r.grade]}* ${r.score}/100 (${r.graders} grade${r.graders === 1 ? "" : "s"})` : "_not graded yet_";
    return `• ${link(r.permalink, fit(r.title, 150))} · resolved ${when(r.resolvedAt)}\n    ${said} · ${graded}`;
  });
  blocks.push(section(lines.join("\n")));
  if (v.accuracy) blocks.push(context(`Mean grade ${v.accuracy.meanScore}/100 over ${v.accuracy.graded} graded incident${v.accuracy.graded === 1 ? "" : "s"} (right 100 · partly 65 · wrong 35 · no idea 0). Grade with "Was this the cause?" in each resolved thread.`));
  return blocks;
}

export function appHomeView(v: HomeView): HomeTabView {
  const blocks: KnownBlock[] = [
    section(`:wave: Hi ${mentionUser(v.user)}: what is going on right now.`),
    { type: "actions", elements: [{ type: "button", action_id: ACTION.homeRefresh, text: { type: "plain_text", text: "Refresh" }, value: "refresh" }] },
    context(`Updated ${when(v.now)}`),
    ...openIncidents(v),
    { type: "divider" },
    ...approvals(v),
    { type: "divider" },
    ...oncall(v),
    { type: "divider" },
    ...automation(v),
    { type: "divider" },
    ...resolved(v),
  ];
  return { type: "home", callback_id: "aisre_home", blocks: blocks.slice(0, SLACK_LIMITS.blocksPerModal) };
}

export const blockKitHomePresenter: HomePresenter = { home: appHomeView };
