import { randomUUID } from "node:crypto";
import type { SlackCore } from "./core.ts";
import type { DeliveryResult } from "./delivery.ts";
import { describeIssues, normalizeBlocks, validateView } from "./validate-blocks.ts";
import { actionEntry, feedbackSide, findElement, initialInput, interactiveElements, isEmptyState, payloadTeam, payloadUser, stateValue } from "./interactions.ts";
import { encodeMentions, richTextBlock } from "./mentions.ts";
import { apiMessage, apiView, mentionedUsers } from "./message-shape.ts";
import { applyResponse } from "./response-urls.ts";
import type { Json, SandboxChannel, SandboxMessage, SandboxUser, SandboxView } from "./types.ts";

/** A refused user action: the control API answers with this status and code. */
export class ActionError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, detail?: string) {
    super(detail ?? code);
    this.status = status;
    this.code = code;
  }
}

export interface ActionOutcome {
  /** The app acknowledged in time (always true for plain messages). */
  ok: boolean;
  /** Why delivery to the app failed: http_timeout, http_error, connection_failed. */
  error?: string;
  /** Input errors shown in a modal (required fields, or the app's `response_action: errors`). */
  errors?: Record<string, string>;
}

export interface ClickInput {
  channel: string;
  ts: string;
  action_id: string;
  block_id?: string;
  /** For buttons: which button (when several share an action_id); for selects/overflow: the option value; for date pickers: the date. */
  value?: unknown;
}

type Obj = Record<string, unknown>;

/**
 * What a person does in the workspace, producing exactly the requests Slack would send the app:
 * messages (and thus `message`/`app_mention` events), slash commands, clicks (`block_actions`),
 * modal submissions (`view_submission`) and closes (`view_closed`).
 */
export class UserActions {
  private readonly core: SlackCore;
  constructor(core: SlackCore) {
    this.core = core;
  }

  person(ref: string): SandboxUser {
    const u = this.core.ws.findUser(ref);
    if (!u || u.isBot)
      throw new ActionError(
        404,
        "user_not_found",
        `no person "${ref}"; people: ${this.core.ws
          .people()
          .map((p) => p.id)
          .join(", ")}`,
      );
    return u;
  }

  channelFor(user: SandboxUser, ref: string): SandboxChannel {
    const ch = this.core.ws.channel(ref);
    if (!ch || (ch.isPrivate && !ch.members.has(user.id))) throw new ActionError(404, "channel_not_found", `no channel "${ref}"`);
    return ch;
  }

  private joinIfNeeded(user: SandboxUser, ch: SandboxChannel): void {
    if (ch.members.has(user.id)) return;
    this.core.ws.addMember(ch.id, user.id);
    this.core.ws.post({ channel: ch.id, user: user.id, text: `<@${user.id}> has joined the channel`, subtype: "channel_join" });
  }

  /** A person posts a message (top level or in a thread). */
  postMessage(userRef: string, channelRef: string, text: string, threadTs?: string): SandboxMessage {
    const user = this.person(userRef);
    const ch = this.channelFor(user, channelRef);
    if (!text?.trim()) throw new ActionError(400, "no_text");
    let parentTs: string | undefined;
    if (threadTs) {
      const parent = this.core.ws.message(ch.id, threadTs);
      if (!parent || parent.visibleTo) throw new ActionError(404, "thread_not_found");
      parentTs = parent.threadTs && parent.threadTs !== parent.ts ? parent.threadTs : parent.ts;
    }
    this.joinIfNeeded(user, ch);
    const encoded = encodeMentions(this.core.ws, text);
    const m = this.core.ws.post({
      channel: ch.id,
      user: user.id,
      text: encoded,
      blocks: [richTextBlock(encoded, randomUUID().slice(0, 5))],
      threadTs: parentTs,
      clientMsgId: randomUUID(),
      ...(ch.team ? { team: ch.team } : {}),
    });
    const bot = this.core.ws.botUserId;
    if (mentionedUsers(encoded).includes(bot) && !ch.members.has(bot)) {
      this.slackbotSays(user, ch, `You mentioned <@${bot}>, but they're not in this channel. Add them with \`/invite <@${bot}>\`.`, parentTs);
    }
    return m;
  }

  private slackbotSays(user: SandboxUser, ch: SandboxChannel, text: string, threadTs?: string): void {
    this.core.ws.post({ channel: ch.id, user: "USLACKBOT", text, visibleTo: user.id, threadTs });
  }

  /** A person runs a slash command: Slack's form-encoded request, with a response_url and a trigger_id. */
  async command(userRef: string, channelRef: string, command: string, text: string, threadTs?: string): Promise<ActionOutcome> {
    const user = this.person(userRef);
    const ch = this.channelFor(user, channelRef);
    const cmd = command.startsWith("/") ? command : `/${command}`;
    if (cmd === "/invite" && !this.core.commands.includes(cmd)) return this.invite(user, ch, text, threadTs);
    if (!this.core.commands.includes(cmd)) {
      this.slackbotSays(user, ch, `${cmd} is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`, threadTs);
      return { ok: false, error: "unknown_command" };
    }
    const triggerId = this.core.triggers.issue({ user: user.id, channel: ch.id });
    const hook = this.core.responseUrls.create({ user: user.id, channel: ch.id, threadTs }, "commands");
    // Where the person was when they ran it: the channel's workspace.
    const team = payloadTeam(this.core.ws, this.core.ws.teamOf(ch.id)) as { id: string; domain: string };
    const fields: Record<string, string> = {
      token: this.core.verificationToken,
      team_id: team.id,
      team_domain: team.domain,
      channel_id: ch.id,
      channel_name: ch.isPrivate ? "privategroup" : ch.name,
      user_id: user.id,
      user_name: user.name,
      command: cmd,
      text: encodeMentions(this.core.ws, text ?? ""),
      api_app_id: this.core.ws.appId,
      is_enterprise_install: "false",
      response_url: hook.url,
      trigger_id: triggerId,
    };
    const r = await this.core.delivery.form("command", fields, triggerId);
    if (!r.ok) {
      this.slackbotSays(user, ch, `${cmd} failed with the error "${r.reason === "http_timeout" ? "operation_timeout" : "dispatch_failed"}"`, threadTs);
      return { ok: false, error: r.reason };
    }
    const body = this.ackBody(r);
    if (body) applyResponse(this.core.ws, hook.context, body);
    return { ok: true };
  }

  /** Slack's built-in `/invite @name…`: adds people (or the bot) to the channel. */
  private invite(user: SandboxUser, ch: SandboxChannel, text: string, threadTs?: string): ActionOutcome {
    const ids = mentionedUsers(encodeMentions(this.core.ws, text ?? ""));
    if (!ids.length) {
      this.slackbotSays(user, ch, "Usage: `/invite @name`", threadTs);
      return { ok: false, error: "no_user" };
    }
    for (const id of ids) {
      if (!this.core.ws.user(id) || ch.members.has(id)) continue;
      this.core.ws.addMember(ch.id, id, user.id);
      this.core.ws.post({ channel: ch.id, user: id, text: `<@${id}> has joined the channel`, subtype: "channel_join" });
    }
    return { ok: true };
  }

  /** A command's or submission's immediate answer: JSON, plain text, or nothing. */
  private ackBody(r: DeliveryResult): Json | undefined {
    const text = r.body.trim();
    if (!text) return undefined;
    if (r.contentType.includes("json") || text.startsWith("{")) {
      try {
        return JSON.parse(text) as Json;
      } catch {
        return { text };
      }
    }
    return { text };
  }

  /** A person clicks a button, or picks from a select/overflow/date picker, in a message. */
  async click(userRef: string, input: ClickInput): Promise<ActionOutcome> {
    const user = this.person(userRef);
    const ch = this.channelFor(user, input.channel);
    const m = this.core.ws.message(ch.id, input.ts);
    if (!m || (m.visibleTo && m.visibleTo !== user.id)) throw new ActionError(404, "message_not_found", `no message ${input.ts} in ${input.channel}`);
    const found = findElement(m.blocks, { action_id: input.action_id, block_id: input.block_id, value: input.value === undefined ? undefined : String(input.value) });
    if (!found) throw new ActionError(404, "action_not_found", `no element with action_id "${input.action_id}" in that message`);
    if (found.element.type === "feedback_buttons" && !feedbackSide(found.element, input.value)) throw new ActionError(400, "invalid_value", 'a feedback_buttons click needs "value": the positive or negative button\'s value (or "positive" / "negative")');
    const actionTs = this.core.ws.nextTs();
    const action = actionEntry(found, input.value, actionTs);
    const values: Record<string, Record<string, Json>> = {};
    for (const f of interactiveElements(m.blocks)) {
      if (f.element.type === "button" || f.element.type === "overflow" || f.element.type === "feedback_buttons" || f.element.type === "icon_button" || typeof f.element.action_id !== "string") continue;
      const given = f === found || (f.blockId === found.blockId && f.element.action_id === found.element.action_id) ? input.value : initialInput(f.element);
      (values[f.blockId] ??= {})[f.element.action_id] = stateValue(f.element, given);
    }
    const threadTs = m.threadTs && m.threadTs !== m.ts ? m.threadTs : undefined;
    const triggerId = this.core.triggers.issue({ user: user.id, channel: ch.id });
    const hook = this.core.responseUrls.create({ user: user.id, channel: ch.id, originalTs: m.ts, threadTs }, "actions");
    const team = this.core.ws.teamOf(ch.id);
    const payload: Json = {
      type: "block_actions",
      user: payloadUser(this.core.ws, user, team),
      api_app_id: this.core.ws.appId,
      token: this.core.verificationToken,
      container: { type: "message", message_ts: m.ts, channel_id: ch.id, is_ephemeral: !!m.visibleTo, ...(threadTs ? { thread_ts: threadTs } : {}) },
      trigger_id: triggerId,
      team: payloadTeam(this.core.ws, team),
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: ch.id, name: ch.isPrivate ? "privategroup" : ch.name },
      ...(m.visibleTo ? {} : { message: apiMessage(this.core.ws, m, this.core.urls) }),
      state: { values },
      response_url: hook.url,
      actions: [action],
    };
    const r = await this.core.delivery.form("interaction", { payload: JSON.stringify(payload) }, triggerId);
    return r.ok ? { ok: true } : { ok: false, error: r.reason };
  }

  private openView(user: SandboxUser, viewId: string, options: { home?: boolean } = {}): SandboxView {
    const v = this.core.ws.view(viewId);
    const usable = v && v.user === user.id && (v.type === "modal" ? v.open : options.home === true);
    if (!usable) throw new ActionError(404, "view_not_found", `no open modal ${viewId} for ${user.id}`);
    return v;
  }

  /** The modal's state from what the person entered (by block_id/action_id, or by action_id alone). */
  private viewState(v: SandboxView, values: Obj): { values: Record<string, Record<string, Json>>; missing: Record<string, string> } {
    const state: Record<string, Record<string, Json>> = {};
    const missing: Record<string, string> = {};
    const blocks = (v.view.blocks as Obj[]) ?? [];
    for (const b of blocks) {
      const inputs = b.type === "input" ? [b.element as Obj] : b.type === "actions" ? ((b.elements as Obj[]) ?? []).filter((e) => e.type !== "button" && e.type !== "overflow") : [];
      for (const e of inputs) {
        if (!e || typeof e.action_id !== "string") continue;
        const blockId = String(b.block_id);
        const byBlock = values[blockId];
        let given: unknown = typeof byBlock === "object" && byBlock !== null && !Array.isArray(byBlock) ? (byBlock as Obj)[e.action_id] : undefined;
        if (given === undefined && values[e.action_id] !== undefined) given = values[e.action_id];
        if (given === undefined && (typeof byBlock === "string" || Array.isArray(byBlock))) given = byBlock;
        if (given === undefined) given = v.state.values[blockId]?.[e.action_id] ?? initialInput(e);
        const s = stateValue(e, given);
        (state[blockId] ??= {})[e.action_id] = s;
        if (b.type === "input" && b.optional !== true && isEmptyState(s)) missing[blockId] = "This field is required.";
      }
    }
    return { values: state, missing };
  }

  /** A person submits a modal: `view_submission`, then the app's `response_action` (or close). */
  async submitView(userRef: string, viewId: string, values: Obj = {}): Promise<ActionOutcome> {
    const user = this.person(userRef);
    const v = this.openView(user, viewId);
    const stack = this.core.ws.modalStack(user.id);
    if (stack.at(-1)?.id !== v.id) throw new ActionError(409, "not_top_view", "only the top modal of the stack can be submitted");
    if (!v.view.submit) throw new ActionError(400, "no_submit", "this modal has no submit button");
    const { values: state, missing } = this.viewState(v, values);
    v.state = { values: state };
    if (Object.keys(missing).length) {
      this.core.ws.setViewErrors(v, missing);
      return { ok: false, error: "required_fields", errors: missing };
    }
    const triggerId = this.core.triggers.issue({ user: user.id, viewId: v.id });
    const payload: Json = {
      type: "view_submission",
      team: payloadTeam(this.core.ws, v.team),
      user: payloadUser(this.core.ws, user, v.team),
      api_app_id: this.core.ws.appId,
      token: this.core.verificationToken,
      trigger_id: triggerId,
      view: apiView(this.core.ws, v),
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const r = await this.core.delivery.form("interaction", { payload: JSON.stringify(payload) }, triggerId);
    if (!r.ok) {
      const errors = { "": "We had some trouble connecting. Try again?" };
      this.core.ws.setViewErrors(v, errors);
      return { ok: false, error: r.reason, errors };
    }
    return this.applyViewResponse(user, v, this.ackBody(r));
  }

  private applyViewResponse(user: SandboxUser, v: SandboxView, body: Json | undefined): ActionOutcome {
    const action = body?.response_action;
    if (action === "errors") {
      const errors = (body?.errors as Record<string, string>) ?? {};
      this.core.ws.setViewErrors(v, errors);
      return { ok: true, errors };
    }
    if (action === "update" || action === "push") {
      const issues = validateView(body?.view);
      if (issues.length) {
        const errors = { "": `The app's response was invalid: ${describeIssues(issues).errors.join("; ")}` };
        this.core.ws.setViewErrors(v, errors);
        return { ok: false, error: "invalid_view", errors };
      }
      const view = { ...(body!.view as Json) };
      view.blocks = normalizeBlocks(view.blocks as Json[]);
      if (action === "update") this.core.ws.updateView(v, view);
      else this.core.ws.openModal(user.id, view, { push: true });
      return { ok: true };
    }
    if (action === "clear") {
      for (const x of this.core.ws.modalStack(user.id).reverse()) this.core.ws.closeView(x);
      return { ok: true };
    }
    this.core.ws.closeView(v);
    return { ok: true };
  }

  /** A person closes (cancels) a modal: `view_closed` when the app asked for `notify_on_close`. */
  async closeView(userRef: string, viewId: string): Promise<ActionOutcome> {
    const user = this.person(userRef);
    const v = this.openView(user, viewId);
    this.core.ws.closeView(v);
    if (v.view.notify_on_close !== true) return { ok: true };
    const payload: Json = {
      type: "view_closed",
      team: payloadTeam(this.core.ws, v.team),
      user: payloadUser(this.core.ws, user, v.team),
      api_app_id: this.core.ws.appId,
      token: this.core.verificationToken,
      view: apiView(this.core.ws, v),
      is_cleared: false,
      is_enterprise_install: false,
      enterprise: null,
    };
    const r = await this.core.delivery.form("interaction", { payload: JSON.stringify(payload) }, v.id);
    return r.ok ? { ok: true } : { ok: false, error: r.reason };
  }

  /** A person clicks a button or changes a select in a modal or their Home tab: `block_actions` with a view container. */
  async viewAction(userRef: string, viewId: string, input: Omit<ClickInput, "channel" | "ts">): Promise<ActionOutcome> {
    const user = this.person(userRef);
    const v = this.openView(user, viewId, { home: true });
    const found = findElement(v.view.blocks as unknown[], { action_id: input.action_id, block_id: input.block_id, value: input.value === undefined ? undefined : String(input.value) });
    if (!found) throw new ActionError(404, "action_not_found", `no element with action_id "${input.action_id}" in that modal`);
    if (found.element.type !== "button" && found.element.type !== "overflow") {
      (v.state.values[found.blockId] ??= {})[String(found.element.action_id)] = stateValue(found.element, input.value);
    }
    const triggerId = this.core.triggers.issue({ user: user.id, viewId: v.id });
    const payload: Json = {
      type: "block_actions",
      user: payloadUser(this.core.ws, user, v.team),
      api_app_id: this.core.ws.appId,
      token: this.core.verificationToken,
      container: { type: "view", view_id: v.id },
      trigger_id: triggerId,
      team: payloadTeam(this.core.ws, v.team),
      enterprise: null,
      is_enterprise_install: false,
      view: apiView(this.core.ws, v),
      actions: [actionEntry(found, input.value, this.core.ws.nextTs())],
    };
    const r = await this.core.delivery.form("interaction", { payload: JSON.stringify(payload) }, triggerId);
    return r.ok ? { ok: true } : { ok: false, error: r.reason };
  }
}
