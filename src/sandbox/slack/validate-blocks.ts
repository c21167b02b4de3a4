import { LIMITS } from "./limits.ts";

/**
 * Block Kit validation as Slack does it on chat.postMessage/update and views.*: every limit at
 * Slack's boundary, unknown block/element types and properties, missing required fields. Issues
 * carry Slack's wording and a JSON pointer, e.g.
 * `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
 */
export interface BlockIssue {
  pointer: string;
  message: string;
}

export type Surface = "message" | "modal" | "home";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const INTERACTIVE = [
  "button",
  "overflow",
  "static_select",
  "multi_static_select",
  "external_select",
  "multi_external_select",
  "users_select",
  "multi_users_select",
  "conversations_select",
  "multi_conversations_select",
  "channels_select",
  "multi_channels_select",
  "datepicker",
  "timepicker",
  "datetimepicker",
  "checkboxes",
  "radio_buttons",
  "workflow_button",
];
const INPUTS = [
  "plain_text_input",
  "email_text_input",
  "url_text_input",
  "number_input",
  "rich_text_input",
  "file_input",
  "static_select",
  "multi_static_select",
  "external_select",
  "multi_external_select",
  "users_select",
  "multi_users_select",
  "conversations_select",
  "multi_conversations_select",
  "channels_select",
  "multi_channels_select",
  "datepicker",
  "timepicker",
  "datetimepicker",
  "checkboxes",
  "radio_buttons",
];
const ACCESSORIES = [
  "button",
  "overflow",
  "image",
  "static_select",
  "multi_static_select",
  "external_select",
  "multi_external_select",
  "users_select",
  "multi_users_select",
  "conversations_select",
  "multi_conversations_select",
  "channels_select",
  "multi_channels_select",
  "datepicker",
  "timepicker",
  "checkboxes",
  "radio_buttons",
  "workflow_button",
];

const SELECT_PROPS = ["type", "action_id", "placeholder", "confirm", "focus_on_load"];
const ELEMENT_PROPS: Record<string, string[]> = {
  button: ["type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"],
  workflow_button: ["type", "text", "workflow", "style", "accessibility_label", "action_id"],
  overflow: ["type", "action_id", "options", "confirm"],
  static_select: [...SELECT_PROPS, "options", "option_groups", "initial_option"],
  multi_static_select: [...SELECT_PROPS, "options", "option_groups", "initial_options", "max_selected_items"],
  external_select: [...SELECT_PROPS, "initial_option", "min_query_length"],
  multi_external_select: [...SELECT_PROPS, "initial_options", "min_query_length", "max_selected_items"],
  users_select: [...SELECT_PROPS, "initial_user"],
  multi_users_select: [...SELECT_PROPS, "initial_users", "max_selected_items"],
  conversations_select: [...SELECT_PROPS, "initial_conversation", "default_to_current_conversation", "response_url_enabled", "filter"],
  multi_conversations_select: [...SELECT_PROPS, "initial_conversations", "default_to_current_conversation", "max_selected_items", "filter"],
  channels_select: [...SELECT_PROPS, "initial_channel", "response_url_enabled"],
  multi_channels_select: [...SELECT_PROPS, "initial_channels", "max_selected_items"],
  datepicker: ["type", "action_id", "initial_date", "confirm", "focus_on_load", "placeholder"],
  timepicker: ["type", "action_id", "initial_time", "confirm", "focus_on_load", "placeholder", "timezone"],
  datetimepicker: ["type", "action_id", "initial_date_time", "confirm", "focus_on_load"],
  checkboxes: ["type", "action_id", "options", "initial_options", "confirm", "focus_on_load"],
  radio_buttons: ["type", "action_id", "options", "initial_option", "confirm", "focus_on_load"],
  plain_text_input: ["type", "action_id", "initial_value", "multiline", "min_length", "max_length", "dispatch_action_config", "focus_on_load", "placeholder"],
  email_text_input: ["type", "action_id", "initial_value", "dispatch_action_config", "focus_on_load", "placeholder"],
  url_text_input: ["type", "action_id", "initial_value", "dispatch_action_config", "focus_on_load", "placeholder"],
  number_input: ["type", "action_id", "is_decimal_allowed", "initial_value", "min_value", "max_value", "dispatch_action_config", "focus_on_load", "placeholder"],
  rich_text_input: ["type", "action_id", "initial_value", "dispatch_action_config", "focus_on_load", "placeholder"],
  file_input: ["type", "action_id", "filetypes", "max_files"],
  image: ["type", "image_url", "slack_file", "alt_text"],
  feedback_buttons: ["type", "action_id", "positive_button", "negative_button"],
  icon_button: ["type", "icon", "text", "action_id", "value", "confirm", "accessibility_label", "visible_to_user_ids"],
};

/** What a context_actions block holds (Slack's AI-app controls). */
const CONTEXT_ACTIONS = ["feedback_buttons", "icon_button"];

const BLOCK_PROPS: Record<string, string[]> = {
  section: ["type", "block_id", "text", "fields", "accessory", "expand"],
  header: ["type", "block_id", "text", "level"],
  divider: ["type", "block_id"],
  context: ["type", "block_id", "elements"],
  image: ["type", "block_id", "image_url", "slack_file", "alt_text", "title"],
  actions: ["type", "block_id", "elements"],
  input: ["type", "block_id", "label", "element", "dispatch_action", "hint", "optional"],
  markdown: ["type", "block_id", "text"],
  rich_text: ["type", "block_id", "elements"],
  file: ["type", "block_id", "external_id", "source"],
  video: ["type", "block_id", "alt_text", "author_name", "description", "provider_icon_url", "provider_name", "title", "title_url", "thumbnail_url", "video_url"],
  table: ["type", "block_id", "rows", "column_settings"],
  context_actions: ["type", "block_id", "elements"],
};

class Checker {
  readonly issues: BlockIssue[] = [];
  private readonly blockIds = new Set<string>();

  add(pointer: string, message: string): void {
    this.issues.push({ pointer, message });
  }

  props(obj: Obj, ptr: string, allowed: string[]): void {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) this.add(`${ptr}/${k}`, `unsupported property: ${k}`);
  }

  required(obj: Obj, ptr: string, field: string): boolean {
    if (obj[field] === undefined || obj[field] === null) {
      this.add(ptr, `missing required field: ${field}`);
      return false;
    }
    return true;
  }

  str(v: unknown, ptr: string, max: number, options: { min?: number } = {}): void {
    if (v === undefined) return;
    if (typeof v !== "string") return this.add(ptr, "must be a string");
    if (v.length > max) this.add(ptr, `must be less than ${max + 1} characters`);
    if (options.min !== undefined && v.length < options.min) this.add(ptr, `must be more than ${options.min - 1} characters`);
  }

  id(v: unknown, ptr: string, max: number): void {
    this.str(v, ptr, max, { min: 1 });
  }

  blockId(block: Obj, ptr: string): void {
    const id = block.block_id;
    if (id === undefined) return;
    this.id(id, `${ptr}/block_id`, LIMITS.blockId);
    if (typeof id === "string") {
      if (this.blockIds.has(id)) this.add(`${ptr}/block_id`, `duplicate block_id: ${id}`);
      this.blockIds.add(id);
    }
  }

  /** A text object; `union` when the field accepts plain_text or mrkdwn (Slack reports the union). */
  text(v: unknown, ptr: string, max: number, options: { plainOnly?: boolean; min?: number } = {}): void {
    const inner: BlockIssue[] = [];
    const push = (p: string, m: string) => inner.push({ pointer: p, message: m });
    if (!isObj(v)) {
      push(ptr, "must be an object");
    } else {
      const type = v.type;
      if (options.plainOnly ? type !== "plain_text" : type !== "plain_text" && type !== "mrkdwn") {
        push(`${ptr}/type`, options.plainOnly ? 'must be "plain_text"' : 'must be one of "plain_text", "mrkdwn"');
      }
      for (const k of Object.keys(v)) if (!["type", "text", type === "mrkdwn" ? "verbatim" : "emoji"].includes(k)) push(`${ptr}/${k}`, `unsupported property: ${k}`);
      if (typeof v.text !== "string") push(`${ptr}/text`, "must be a string");
      else if (v.text.length > max) push(`${ptr}/text`, `must be less than ${max + 1} characters`);
      else if (v.text.length < (options.min ?? 1)) push(`${ptr}/text`, `must be more than ${(options.min ?? 1) - 1} characters`);
    }
    if (inner.length && !options.plainOnly) this.add(ptr, "failed to match all allowed schemas");
    this.issues.push(...inner);
  }

  array(v: unknown, ptr: string, options: { max: number; min?: number }): unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.add(ptr, "must be an array");
      return undefined;
    }
    if (v.length > options.max) this.add(ptr, `no more than ${options.max} items allowed`);
    if (options.min !== undefined && v.length < options.min) this.add(ptr, `must provide at least ${options.min} item${options.min === 1 ? "" : "s"}`);
    return v;
  }

  confirm(v: unknown, ptr: string): void {
    if (v === undefined) return;
    if (!isObj(v)) return this.add(ptr, "must be an object");
    this.props(v, ptr, ["title", "text", "confirm", "deny", "style"]);
    for (const f of ["title", "text", "confirm", "deny"]) this.required(v, ptr, f);
    if (v.title !== undefined) this.text(v.title, `${ptr}/title`, LIMITS.confirmTitle, { plainOnly: true });
    if (v.text !== undefined) this.text(v.text, `${ptr}/text`, LIMITS.confirmText);
    if (v.confirm !== undefined) this.text(v.confirm, `${ptr}/confirm`, LIMITS.confirmButton, { plainOnly: true });
    if (v.deny !== undefined) this.text(v.deny, `${ptr}/deny`, LIMITS.confirmButton, { plainOnly: true });
    if (v.style !== undefined && v.style !== "primary" && v.style !== "danger") this.add(`${ptr}/style`, 'must be one of "primary", "danger"');
  }

  option(v: unknown, ptr: string, options: { mrkdwn?: boolean; url?: boolean } = {}): void {
    if (!isObj(v)) return this.add(ptr, "must be an object");
    this.props(v, ptr, ["text", "value", "description", ...(options.url ? ["url"] : [])]);
    if (this.required(v, ptr, "text")) this.text(v.text, `${ptr}/text`, LIMITS.optionText, { plainOnly: !options.mrkdwn });
    if (this.required(v, ptr, "value")) this.id(v.value, `${ptr}/value`, LIMITS.optionValue);
    if (v.description !== undefined) this.text(v.description, `${ptr}/description`, LIMITS.optionDescription, { plainOnly: !options.mrkdwn });
    if (v.url !== undefined) this.str(v.url, `${ptr}/url`, LIMITS.buttonUrl);
  }

  options(v: unknown, ptr: string, max: number, opts: { mrkdwn?: boolean; url?: boolean; min?: number } = {}): void {
    const list = this.array(v, ptr, { max, min: opts.min ?? 1 });
    list?.forEach((o, i) => this.option(o, `${ptr}/${i}`, opts));
  }

  element(v: unknown, ptr: string, allowed: string[]): void {
    if (!isObj(v)) return this.add(ptr, "must be an object");
    const type = v.type as string;
    if (!allowed.includes(type) || !ELEMENT_PROPS[type]) {
      this.add(ptr, "failed to match all allowed schemas");
      this.add(`${ptr}/type`, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
      return;
    }
    this.props(v, ptr, ELEMENT_PROPS[type]);
    if (v.action_id !== undefined) this.id(v.action_id, `${ptr}/action_id`, LIMITS.actionId);
    this.confirm(v.confirm, `${ptr}/confirm`);
    if (v.placeholder !== undefined) this.text(v.placeholder, `${ptr}/placeholder`, LIMITS.placeholder, { plainOnly: true });
    switch (type) {
      case "button":
        if (this.required(v, ptr, "text")) this.text(v.text, `${ptr}/text`, LIMITS.buttonText, { plainOnly: true });
        this.str(v.value, `${ptr}/value`, LIMITS.buttonValue);
        this.str(v.url, `${ptr}/url`, LIMITS.buttonUrl);
        this.str(v.accessibility_label, `${ptr}/accessibility_label`, LIMITS.buttonText);
        if (v.style !== undefined && v.style !== "primary" && v.style !== "danger") this.add(`${ptr}/style`, 'must be one of "primary", "danger"');
        break;
      case "overflow":
        if (this.required(v, ptr, "options")) this.options(v.options, `${ptr}/options`, LIMITS.overflowOptions, { url: true });
        break;
      case "static_select":
      case "multi_static_select":
        if (v.options === undefined && v.option_groups === undefined) this.add(ptr, "missing required field: options");
        if (v.options !== undefined) this.options(v.options, `${ptr}/options`, LIMITS.selectOptions);
        if (v.option_groups !== undefined) {
          const groups = this.array(v.option_groups, `${ptr}/option_groups`, { max: LIMITS.selectOptions, min: 1 });
          groups?.forEach((g, i) => {
            const gp = `${ptr}/option_groups/${i}`;
            if (!isObj(g)) return this.add(gp, "must be an object");
            this.props(g, gp, ["label", "options"]);
            if (this.required(g, gp, "label")) this.text(g.label, `${gp}/label`, LIMITS.optionText, { plainOnly: true });
            if (this.required(g, gp, "options")) this.options(g.options, `${gp}/options`, LIMITS.selectOptions);
          });
        }
        if (v.initial_option !== undefined) this.option(v.initial_option, `${ptr}/initial_option`);
        break;
      case "checkboxes":
      case "radio_buttons":
        if (this.required(v, ptr, "options")) this.options(v.options, `${ptr}/options`, 10, { mrkdwn: true });
        break;
      case "datepicker":
        if (v.initial_date !== undefined && !(typeof v.initial_date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v.initial_date))) this.add(`${ptr}/initial_date`, "must match format YYYY-MM-DD");
        break;
      case "timepicker":
        if (v.initial_time !== undefined && !(typeof v.initial_time === "string" && /^\d{2}:\d{2}$/.test(v.initial_time))) this.add(`${ptr}/initial_time`, "must match format HH:mm");
        break;
      case "plain_text_input":
        if (v.max_length !== undefined && (typeof v.max_length !== "number" || v.max_length > LIMITS.plainTextInputMax || v.max_length < 1)) this.add(`${ptr}/max_length`, `must be between 1 and ${LIMITS.plainTextInputMax}`);
        if (v.min_length !== undefined && (typeof v.min_length !== "number" || v.min_length > LIMITS.plainTextInputMax || v.min_length < 0)) this.add(`${ptr}/min_length`, `must be between 0 and ${LIMITS.plainTextInputMax}`);
        this.str(v.initial_value, `${ptr}/initial_value`, LIMITS.plainTextInputMax);
        break;
      case "image":
        this.imageSource(v, ptr);
        break;
      case "feedback_buttons":
        for (const side of ["positive_button", "negative_button"]) if (this.required(v, ptr, side)) this.feedbackButton(v[side], `${ptr}/${side}`);
        break;
      case "icon_button":
        if (this.required(v, ptr, "icon")) this.str(v.icon, `${ptr}/icon`, LIMITS.actionId, { min: 1 });
        if (this.required(v, ptr, "text")) this.text(v.text, `${ptr}/text`, LIMITS.buttonText, { plainOnly: true });
        this.str(v.value, `${ptr}/value`, LIMITS.buttonValue);
        this.str(v.accessibility_label, `${ptr}/accessibility_label`, LIMITS.buttonText);
        break;
    }
  }

  /** One side of a feedback_buttons element: plain_text `text` (75), `value` (2,000), optional `accessibility_label` (75). */
  feedbackButton(v: unknown, ptr: string): void {
    if (!isObj(v)) return this.add(ptr, "must be an object");
    this.props(v, ptr, ["text", "value", "accessibility_label"]);
    if (this.required(v, ptr, "text")) this.text(v.text, `${ptr}/text`, LIMITS.buttonText, { plainOnly: true });
    if (this.required(v, ptr, "value")) this.str(v.value, `${ptr}/value`, LIMITS.buttonValue, { min: 1 });
    this.str(v.accessibility_label, `${ptr}/accessibility_label`, LIMITS.buttonText);
  }

  imageSource(v: Obj, ptr: string): void {
    if (v.image_url === undefined && v.slack_file === undefined) this.add(ptr, "missing required field: image_url");
    this.str(v.image_url, `${ptr}/image_url`, LIMITS.imageUrl);
    if (this.required(v, ptr, "alt_text")) this.str(v.alt_text, `${ptr}/alt_text`, LIMITS.altText, { min: 1 });
  }

  block(v: unknown, ptr: string, surface: Surface): void {
    if (!isObj(v)) return this.add(ptr, "must be an object");
    const type = v.type as string;
    const allowedProps = BLOCK_PROPS[type];
    if (!allowedProps) {
      this.add(ptr, "failed to match all allowed schemas");
      this.add(`${ptr}/type`, `unsupported type: ${String(type)}`);
      return;
    }
    this.props(v, ptr, allowedProps);
    this.blockId(v, ptr);
    switch (type) {
      case "section":
        if (v.text === undefined && v.fields === undefined) this.add(ptr, "must provide either text or fields");
        if (v.text !== undefined) this.text(v.text, `${ptr}/text`, LIMITS.sectionText);
        if (v.fields !== undefined) {
          const fields = this.array(v.fields, `${ptr}/fields`, { max: LIMITS.sectionFields, min: 1 });
          fields?.forEach((f, i) => this.text(f, `${ptr}/fields/${i}`, LIMITS.fieldText));
        }
        if (v.accessory !== undefined) this.element(v.accessory, `${ptr}/accessory`, ACCESSORIES);
        break;
      case "header":
        if (this.required(v, ptr, "text")) this.text(v.text, `${ptr}/text`, LIMITS.headerText, { plainOnly: true });
        break;
      case "context": {
        const els = this.required(v, ptr, "elements") ? this.array(v.elements, `${ptr}/elements`, { max: LIMITS.contextElements, min: 1 }) : undefined;
        els?.forEach((e, i) => {
          const ep = `${ptr}/elements/${i}`;
          if (isObj(e) && e.type === "image") {
            this.props(e, ep, ELEMENT_PROPS.image ?? []);
            this.imageSource(e, ep);
          } else this.text(e, ep, LIMITS.contextText);
        });
        break;
      }
      case "image":
        this.imageSource(v, ptr);
        if (v.title !== undefined) this.text(v.title, `${ptr}/title`, LIMITS.altText, { plainOnly: true });
        break;
      case "actions": {
        const els = this.required(v, ptr, "elements") ? this.array(v.elements, `${ptr}/elements`, { max: LIMITS.actionsElements, min: 1 }) : undefined;
        els?.forEach((e, i) => this.element(e, `${ptr}/elements/${i}`, INTERACTIVE));
        this.uniqueActionIds(els, `${ptr}/elements`);
        break;
      }
      case "input":
        if (this.required(v, ptr, "label")) this.text(v.label, `${ptr}/label`, LIMITS.inputLabel, { plainOnly: true });
        if (this.required(v, ptr, "element")) this.element(v.element, `${ptr}/element`, INPUTS);
        if (v.hint !== undefined) this.text(v.hint, `${ptr}/hint`, LIMITS.inputHint, { plainOnly: true });
        void surface;
        break;
      case "markdown":
        if (this.required(v, ptr, "text")) this.str(v.text, `${ptr}/text`, LIMITS.markdownBlockText, { min: 1 });
        break;
      case "rich_text":
        if (this.required(v, ptr, "elements")) this.array(v.elements, `${ptr}/elements`, { max: 1000 });
        break;
      case "context_actions": {
        const els = this.required(v, ptr, "elements") ? this.array(v.elements, `${ptr}/elements`, { max: LIMITS.contextActionsElements, min: 1 }) : undefined;
        els?.forEach((e, i) => this.element(e, `${ptr}/elements/${i}`, CONTEXT_ACTIONS));
        this.uniqueActionIds(els, `${ptr}/elements`);
        break;
      }
      case "table":
        if (this.required(v, ptr, "rows")) this.array(v.rows, `${ptr}/rows`, { max: 100, min: 1 });
        break;
    }
  }

  uniqueActionIds(els: unknown[] | undefined, ptr: string): void {
    const seen = new Set<string>();
    els?.forEach((e, i) => {
      if (!isObj(e) || typeof e.action_id !== "string") return;
      if (seen.has(e.action_id)) this.add(`${ptr}/${i}/action_id`, `duplicate action_id: ${e.action_id}`);
      seen.add(e.action_id);
    });
  }
}

/** Validates a blocks array; `root` is the JSON pointer of the array (`/blocks`, `/view/blocks`). */
export function validateBlocks(blocks: unknown, options: { root: string; surface: Surface }): BlockIssue[] {
  const c = new Checker();
  const max = options.surface === "message" ? LIMITS.blocksPerMessage : LIMITS.blocksPerModal;
  const list = c.array(blocks, options.root, { max });
  list?.forEach((b, i) => c.block(b, `${options.root}/${i}`, options.surface));
  return c.issues;
}

/** Validates a modal or Home tab view object (pointers under `/view`). */
export function validateView(view: unknown): BlockIssue[] {
  const c = new Checker();
  if (!isObj(view)) return [{ pointer: "/view", message: "must be an object" }];
  const type = view.type;
  if (type !== "modal" && type !== "home") {
    c.add("/view/type", 'must be one of "modal", "home"');
    return c.issues;
  }
  const props = ["type", "blocks", "private_metadata", "callback_id", "external_id", "title", "close", "submit", "clear_on_close", "notify_on_close", "submit_disabled", "id", "team_id", "state", "hash", "app_id", "bot_id", "root_view_id", "previous_view_id", "app_installed_team_id"];
  if (type === "home") props.push("title");
  c.props(view, "/view", props);
  if (type === "modal") {
    if (c.required(view, "/view", "title")) c.text(view.title, "/view/title", LIMITS.viewTitle, { plainOnly: true });
    if (view.submit !== undefined) c.text(view.submit, "/view/submit", LIMITS.viewButton, { plainOnly: true });
    if (view.close !== undefined) c.text(view.close, "/view/close", LIMITS.viewButton, { plainOnly: true });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === "input");
    if (hasInput && view.submit === undefined) c.add("/view", "missing required field: submit");
  }
  c.str(view.private_metadata, "/view/private_metadata", LIMITS.privateMetadata);
  c.str(view.callback_id, "/view/callback_id", LIMITS.callbackId);
  c.str(view.external_id, "/view/external_id", LIMITS.externalId);
  if (c.required(view, "/view", "blocks")) {
    const list = c.array(view.blocks, "/view/blocks", { max: LIMITS.blocksPerModal });
    list?.forEach((b, i) => c.block(b, `/view/blocks/${i}`, type));
  }
  return c.issues;
}

/** Slack's two renderings of the issues: `errors` and `response_metadata.messages`. */
export function describeIssues(issues: BlockIssue[]): { errors: string[]; messages: string[] } {
  const errors = issues.map((i) => `${i.message} [json-pointer:${i.pointer}]`);
  return { errors, messages: errors.map((e) => `[ERROR] ${e}`) };
}

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const shortId = () => Array.from({ length: 5 }, () => ID_CHARS[Math.floor(Math.random() * ID_CHARS.length)]).join("");

/**
 * What Slack stores: blocks get a generated `block_id` when they have none, interactive elements
 * a generated `action_id`. (Clicks carry these back, so the bot sees what it would see on Slack.)
 */
export function normalizeBlocks<T>(blocks: T[]): T[] {
  return blocks.map((b) => {
    if (!isObj(b)) return b;
    const out: Obj = { ...b };
    if (out.block_id === undefined && out.type !== undefined) out.block_id = shortId();
    const fix = (e: unknown) => (isObj(e) && e.type !== "image" && typeof e.type === "string" && ELEMENT_PROPS[e.type] && e.action_id === undefined ? { ...e, action_id: shortId() } : e);
    if (Array.isArray(out.elements) && (out.type === "actions" || out.type === "input" || out.type === "context_actions")) out.elements = out.elements.map(fix);
    if (out.accessory !== undefined) out.accessory = fix(out.accessory);
    if (out.element !== undefined) out.element = fix(out.element);
    return out as T;
  });
}
