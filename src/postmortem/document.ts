import { SECTIONS, SECTION_TITLE, STATUS_LABEL, type ActionItem, type EffectivePostmortem, type NarrativeSection, type PostmortemDoc, type PostmortemFacts, type PostmortemRecord, type SectionKey } from "./model.ts";
import { parseActionItems, templateSections, type TemplateOptions } from "./template.ts";
import { clock, type KeyMoment } from "./timeline.ts";

/** Building the document, applying people's edits, and its plain-text and Markdown forms (pure). */

export function generateDoc(f: PostmortemFacts, timeline: KeyMoment[], o: TemplateOptions & { now: string; narrative?: { name: string; sections: Partial<Record<NarrativeSection, string>> } }): PostmortemDoc {
  const t = templateSections(f, o);
  const sections = { ...t.sections };
  const used = o.narrative && Object.keys(o.narrative.sections).length > 0;
  if (used) for (const [k, v] of Object.entries(o.narrative!.sections)) if (v) sections[k as NarrativeSection] = v;
  return { incidentId: f.incidentId, title: f.title, facts: f, sections, actionItems: t.actionItems, timeline, narrative: used ? o.narrative!.name : "template", generatedAt: o.now };
}

/** The generated document with people's edits on top; action items keep their Jira issues. */
export function effective(r: PostmortemRecord): EffectivePostmortem {
  const sections = { ...r.generated.sections };
  const edited: SectionKey[] = [];
  for (const k of SECTIONS) {
    const v = r.edits[k];
    if (typeof v === "string") {
      sections[k] = v;
      edited.push(k);
    }
  }
  const items: ActionItem[] = (typeof r.edits.actionItems === "string" ? parseActionItems(r.edits.actionItems) : r.generated.actionItems).map((i) => {
    const f = r.followUps[followUpKey(i.text)];
    return f ? { ...i, jiraKey: f.key, jiraUrl: f.url } : i;
  });
  return {
    incidentId: r.incidentId,
    title: r.generated.title,
    status: r.status,
    version: r.version,
    facts: r.generated.facts,
    sections,
    actionItems: items,
    timeline: r.generated.timeline,
    edited,
    narrative: r.narrative,
    generatedAt: r.generated.generatedAt,
    updatedBy: r.updatedBy,
  };
}

/** The key an action item's Jira issue is remembered by (its text, normalised). */
export const followUpKey = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim().slice(0, 200);

function itemLine(i: ActionItem, name: (owner: string) => string): string {
  return [i.text, i.owner ? `owner: ${name(i.owner)}` : "owner: unassigned", i.due ? `due ${i.due}` : "", i.jiraKey ? i.jiraKey : ""].filter(Boolean).join(" — ");
}

export interface TextOptions {
  /** Plain text for `<@U…>` mentions and Slack user ids (a name). */
  name?: (userOrActor: string) => string;
  /** Where the document lives in Slack, shown at the end. */
  slackLink?: string;
}

function unmention(text: string, name: (id: string) => string): string {
  return text.replace(/<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>/g, (_m, id: string) => `@${name(id)}`);
}

/** Jira's copy: wiki-style headings (`h3.`) and `*` bullets, readable as plain text too. */
export function toJiraText(p: EffectivePostmortem, o: TextOptions = {}): string {
  const name = o.name ?? ((x: string) => x);
  const body = (s: string) => unmention(s, name).replace(/^• /gm, "* ");
  const out: string[] = [
    `h2. Postmortem (${STATUS_LABEL[p.status]}, v${p.version}): ${p.title}`,
    `Incident ${p.incidentId} · ${p.facts.severity.toUpperCase()} · ${p.facts.services.join(", ") || "unknown service"} · narrative: ${p.narrative === "template" ? "templates" : p.narrative}${p.edited.length ? ` · edited: ${p.edited.map((k) => SECTION_TITLE[k]).join(", ")}` : ""}`,
  ];
  for (const k of SECTIONS) {
    if (k === "actionItems") continue;
    out.push("", `h3. ${SECTION_TITLE[k]}`, body(p.sections[k]));
    if (k === "detection") out.push("", "h3. Timeline (UTC)", ...p.timeline.map((m) => `* ${clock(m.at)} — ${unmention(m.text, name)}${m.kind === "message" ? ` (${name(m.actor)})` : ""}`));
  }
  out.push("", `h3. ${SECTION_TITLE.actionItems}`, ...(p.actionItems.length ? p.actionItems.map((i) => `* ${unmention(itemLine(i, name), name)}`) : ["* none yet"]));
  if (o.slackLink) out.push("", `Discussed in Slack: ${o.slackLink}`);
  return out.join("\n");
}

/** The knowledge base's copy (Markdown), searched as similar-incident material. */
export function toMarkdown(p: EffectivePostmortem, o: TextOptions = {}): string {
  const name = o.name ?? ((x: string) => x);
  const out: string[] = [`# Postmortem: ${p.title}`, "", `Incident ${p.incidentId} · ${p.facts.severity.toUpperCase()} · ${p.facts.services.join(", ") || "unknown service"} · ${p.facts.startedAt.slice(0, 10)} · ${STATUS_LABEL[p.status]}`];
  for (const k of SECTIONS) {
    if (k === "actionItems") continue;
    out.push("", `## ${SECTION_TITLE[k]}`, "", unmention(p.sections[k], name).replace(/^• /gm, "- "));
    if (k === "detection") out.push("", "## Timeline (UTC)", "", ...p.timeline.map((m) => `- ${clock(m.at)} — ${unmention(m.text, name)}${m.kind === "message" ? ` (${name(m.actor)})` : ""}`));
  }
  out.push("", `## ${SECTION_TITLE.actionItems}`, "", ...(p.actionItems.length ? p.actionItems.map((i) => `- ${unmention(itemLine(i, name), name)}`) : ["- none"]));
  return out.join("\n");
}
