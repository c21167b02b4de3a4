import { SANDBOX_TEAMS } from "./defaults.ts";
import type { Json, SandboxUser } from "./types.ts";
import type { SlackWorkspace } from "./workspace.ts";

/** Interactivity payload pieces and element lookups, shaped as Slack sends them. */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The person as an interaction payload names them, in the workspace the interaction happens in (default the sandbox's). */
export function payloadUser(ws: SlackWorkspace, u: SandboxUser, teamId: string = ws.team.id): Json {
  return { id: u.id, username: u.name, name: u.name, team_id: teamId };
}

/** The payload's `team`: the workspace the interaction happens in (the channel's, or the view's), default the sandbox's. */
export function payloadTeam(ws: SlackWorkspace, teamId: string = ws.team.id): Json {
  const t = SANDBOX_TEAMS.find((x) => x.id === teamId) ?? ws.team;
  return { id: t.id, domain: t.domain };
}

/** An interactive element found in blocks, with the block that holds it. */
export interface FoundElement {
  blockId: string;
  element: Obj;
}

/** Every interactive element in blocks: actions elements, section accessories, input elements. */
export function interactiveElements(blocks: unknown[] | undefined): FoundElement[] {
  const out: FoundElement[] = [];
  for (const b of blocks ?? []) {
    if (!isObj(b)) continue;
    const blockId = String(b.block_id ?? "");
    if (b.type === "actions" && Array.isArray(b.elements)) for (const e of b.elements) if (isObj(e)) out.push({ blockId, element: e });
    if (b.type === "section" && isObj(b.accessory) && b.accessory.type !== "image") out.push({ blockId, element: b.accessory });
    if (b.type === "input" && isObj(b.element)) out.push({ blockId, element: b.element });
    if (b.type === "context_actions" && Array.isArray(b.elements)) for (const e of b.elements) if (isObj(e)) out.push({ blockId, element: e });
  }
  return out;
}

/** Finds the element a click names: by action_id, then block_id, then (for same-id buttons) value. */
export function findElement(blocks: unknown[] | undefined, q: { action_id: string; block_id?: string; value?: string }): FoundElement | undefined {
  const all = interactiveElements(blocks).filter((f) => f.element.action_id === q.action_id && (!q.block_id || f.blockId === q.block_id));
  if (all.length <= 1) return all[0];
  return all.find((f) => f.element.type === "button" && q.value !== undefined && f.element.value === q.value) ?? all[0];
}

/**
 * Which side of a feedback_buttons element a click picks: by the button's `value`, or by
 * `positive`/`negative` (`up`/`down`). Undefined when it names neither.
 */
export function feedbackSide(element: Obj, input: unknown): Obj | undefined {
  const pos = isObj(element.positive_button) ? element.positive_button : undefined;
  const neg = isObj(element.negative_button) ? element.negative_button : undefined;
  const v = input === undefined || input === null ? "" : String(input);
  if (pos && (v === pos.value || v === "positive" || v === "up")) return pos;
  if (neg && (v === neg.value || v === "negative" || v === "down")) return neg;
  return undefined;
}

/** All options of a select-like element (option_groups flattened). */
export function optionsOf(element: Obj): Obj[] {
  const direct = Array.isArray(element.options) ? (element.options as Obj[]) : [];
  const grouped = Array.isArray(element.option_groups) ? (element.option_groups as Obj[]).flatMap((g) => (Array.isArray(g.options) ? (g.options as Obj[]) : [])) : [];
  return [...direct, ...grouped];
}

function findOption(element: Obj, value: unknown): Obj | null {
  if (isObj(value) && value.value !== undefined) return value;
  if (value === undefined || value === null || value === "") return null;
  const v = String(value);
  return optionsOf(element).find((o) => o.value === v || (isObj(o.text) && o.text.text === v)) ?? null;
}

function many(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((x) => (isObj(x) ? String(x.value) : String(x)));
  if (value === undefined || value === null || value === "") return [];
  return String(value)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The state value Slack reports for an element given what the user entered: `value` for text
 * inputs, `selected_option(s)` for selects, `selected_date` for date pickers, and so on. A value that
 * is already in Slack's state shape (an object with `type`) is taken as is.
 */
export function stateValue(element: Obj, input: unknown): Json {
  if (isObj(input) && typeof input.type === "string") return input;
  const type = String(element.type);
  switch (type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input":
      return { type, value: input === undefined || input === null || input === "" ? null : String(input) };
    case "static_select":
    case "external_select":
    case "radio_buttons":
      return { type, selected_option: findOption(element, input) };
    case "multi_static_select":
    case "multi_external_select":
    case "checkboxes":
      return {
        type,
        selected_options: many(input)
          .map((v) => findOption(element, v))
          .filter((o): o is Obj => !!o),
      };
    case "datepicker":
      return { type, selected_date: input ? String(input) : null };
    case "timepicker":
      return { type, selected_time: input ? String(input) : null };
    case "datetimepicker":
      return { type, selected_date_time: input ? Number(input) : null };
    case "users_select":
      return { type, selected_user: input ? String(input) : null };
    case "multi_users_select":
      return { type, selected_users: many(input) };
    case "conversations_select":
      return { type, selected_conversation: input ? String(input) : null };
    case "multi_conversations_select":
      return { type, selected_conversations: many(input) };
    case "channels_select":
      return { type, selected_channel: input ? String(input) : null };
    case "multi_channels_select":
      return { type, selected_channels: many(input) };
    default:
      return { type, value: input ?? null };
  }
}

/** The initial value an element shows before the user touches it. */
export function initialInput(element: Obj): unknown {
  return element.initial_value ?? element.initial_option ?? element.initial_options ?? element.initial_date ?? element.initial_time ?? element.initial_date_time ?? element.initial_user ?? element.initial_users ?? element.initial_conversation ?? element.initial_channel;
}

/** Is this state value empty (a required input left blank)? */
export function isEmptyState(s: Json): boolean {
  const v = Object.entries(s).find(([k]) => k !== "type")?.[1];
  return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
}

/** The `actions[0]` entry of a block_actions payload for a clicked/changed element. */
export function actionEntry(found: FoundElement, input: unknown, actionTs: string): Json {
  const e = found.element;
  const base: Json = { type: e.type, action_id: e.action_id, block_id: found.blockId };
  if (e.type === "button") {
    Object.assign(base, { text: e.text, ...(e.value !== undefined ? { value: e.value } : {}), ...(e.style ? { style: e.style } : {}), ...(e.url ? { url: e.url } : {}) });
  } else if (e.type === "feedback_buttons") {
    // Slack sends the clicked side's text and value (FeedbackButtonsAction).
    const side = feedbackSide(e, input);
    Object.assign(base, { text: side?.text, value: side?.value });
  } else if (e.type === "icon_button") {
    Object.assign(base, { icon: e.icon, text: e.text, ...(e.value !== undefined ? { value: e.value } : {}) });
  } else if (e.type === "overflow") {
    base.selected_option = findOption(e, input);
  } else {
    Object.assign(base, stateValue(e, input));
    if (e.placeholder) base.placeholder = e.placeholder;
    if (e.type === "datepicker" && e.initial_date) base.initial_date = e.initial_date;
  }
  base.action_ts = actionTs;
  return base;
}
