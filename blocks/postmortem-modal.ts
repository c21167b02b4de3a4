import type { View } from "@slack/types";
import { SECTIONS, SECTION_TITLE, type EffectivePostmortem, type SectionKey } from "../src/postmortem/model.ts";
import { actionItemsText } from "../src/postmortem/template.ts";
import { BLOCK, INPUT, VIEW } from "./ids.ts";
import { fit } from "./limits.ts";
import { escapeMrkdwn as esc } from "./mrkdwn.ts";

/** plain_text_input's largest max_length. */
const MAX_INPUT = 3000;

const HINT: Partial<Record<SectionKey, string>> = {
  actionItems: "One per line: what | owner (@name or <@U…>) | due (YYYY-MM-DD)",
  wentWell: "One point per line",
  wentWrong: "One point per line",
  lessons: "One point per line",
};

/** The text a section shows in the modal (action items as `text | owner | due` lines). */
export function sectionEditText(p: EffectivePostmortem, k: SectionKey): string {
  return k === "actionItems" ? actionItemsText(p.actionItems) : p.sections[k];
}

/** A short hash of a text (to recognise a prefilled value submitted unchanged). */
export function textHash(text: string): string {
  let h = 5381;
  for (let i = 0; i < text.length; i++) h = ((h * 33) ^ text.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

/**
 * The "Edit" modal: one multi-line input per section, prefilled with what the thread shows. A
 * section longer than an input holds is prefilled cut; the metadata remembers it, so submitting it
 * unchanged does not replace the whole section with the cut text.
 */
export function postmortemEditModal(p: EffectivePostmortem, meta: { channel?: string }): View {
  const cut: Record<string, string> = {};
  for (const k of SECTIONS) {
    const full = sectionEditText(p, k);
    if (full.length > MAX_INPUT) cut[k] = textHash(fit(full, MAX_INPUT).trim());
  }
  return {
    type: "modal",
    callback_id: VIEW.postmortemEdit,
    private_metadata: JSON.stringify({ incidentId: p.incidentId, version: p.version, channel: meta.channel, cut }),
    title: { type: "plain_text", text: "Edit postmortem" },
    submit: { type: "plain_text", text: "Save" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      { type: "context", elements: [{ type: "mrkdwn", text: fit(`${esc(p.incidentId)} · v${p.version}. Your text is kept when the draft is regenerated; clear a section to go back to aisre's text.`, 3000) }] },
      ...SECTIONS.map((k) => ({
        type: "input" as const,
        block_id: `${BLOCK.postmortemSectionPrefix}${k}`,
        optional: true,
        label: { type: "plain_text" as const, text: SECTION_TITLE[k] },
        ...(HINT[k] ? { hint: { type: "plain_text" as const, text: HINT[k]! } } : {}),
        element: { type: "plain_text_input" as const, action_id: INPUT.postmortemText, multiline: true, max_length: MAX_INPUT, initial_value: fit(sectionEditText(p, k), MAX_INPUT) },
      })),
    ],
  };
}

/**
 * Reads the submitted sections; an emptied section means "back to the generated text", and a cut
 * section submitted as it was prefilled is no edit. `cut` is the modal metadata's.
 */
export function readPostmortemEdits(values: Record<string, Record<string, { value?: string | null }>>, cut: Record<string, string> = {}): { edits: Partial<Record<SectionKey, string>>; cleared: SectionKey[] } {
  const edits: Partial<Record<SectionKey, string>> = {};
  const cleared: SectionKey[] = [];
  for (const k of SECTIONS) {
    const v = values[`${BLOCK.postmortemSectionPrefix}${k}`]?.[INPUT.postmortemText]?.value;
    if (v === undefined) continue;
    if (v === null || v.trim() === "") cleared.push(k);
    else if (cut[k] !== undefined && textHash(v.trim()) === cut[k]) continue;
    else edits[k] = v;
  }
  return { edits, cleared };
}
