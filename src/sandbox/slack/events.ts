import type { Delivery } from "./delivery.ts";
import { slackId } from "./ids.ts";
import { sharedLinks } from "./links.ts";
import { apiMessage, apiView, mentionedUsers, type UrlBase } from "./message-shape.ts";
import type { Json, SandboxMessage, WorkspaceChange } from "./types.ts";
import type { SlackWorkspace } from "./workspace.ts";

/** The bot events the app subscribes to (manifest.yml `settings.event_subscriptions.bot_events`). */
export const DEFAULT_BOT_EVENTS = ["app_mention", "message.channels", "message.groups", "app_home_opened", "message.im", "assistant_thread_started", "assistant_thread_context_changed", "link_shared", "app_uninstalled", "tokens_revoked"] as const;

/** Wraps an event in Slack's `event_callback` envelope. */
export function eventEnvelope(ws: SlackWorkspace, event: Json, verificationToken: string, teamId: string = ws.team.id): Json {
  const eventTime = Math.floor(Date.now() / 1000);
  return {
    token: verificationToken,
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: ws.appId,
    event,
    type: "event_callback",
    event_id: slackId("Ev"),
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: ws.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ tid: teamId, aid: ws.appId, cid: (event.channel as string) ?? "" })).toString("base64url")}`,
  };
}

/**
 * Turns workspace changes into the Events API deliveries Slack would make to the app: `message`
 * (new, `message_changed`, `message_deleted`) in channels the bot is in, and `app_mention` when a
 * message mentions the bot.
 */
export class EventDispatcher {
  private readonly ws: SlackWorkspace;
  private readonly delivery: Delivery;
  private readonly urls: UrlBase;
  private readonly token: string;
  private readonly subscriptions: Set<string>;
  private readonly unfurlDomains: string[];
  private readonly pending = new Set<Promise<boolean>>();
  private readonly unsubscribe: () => void;

  constructor(options: { workspace: SlackWorkspace; delivery: Delivery; urls: UrlBase; verificationToken: string; botEvents?: readonly string[]; unfurlDomains?: string[] }) {
    this.ws = options.workspace;
    this.delivery = options.delivery;
    this.urls = options.urls;
    this.token = options.verificationToken;
    this.subscriptions = new Set(options.botEvents ?? DEFAULT_BOT_EVENTS);
    this.unfurlDomains = options.unfurlDomains ?? [];
    this.unsubscribe = this.ws.subscribe((c) => this.onChange(c));
  }

  /** Resolves when every delivery started so far has finished (retries included). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  close(): void {
    this.unsubscribe();
  }

  /**
   * A person opens the app's Home tab: `app_home_opened` (tab `home`, the app home's `D…` channel,
   * and the current Home view once one was published), when the app subscribes to it. Resolves
   * with whether the app acknowledged it (false when not subscribed).
   */
  appHomeOpened(user: string): Promise<boolean> {
    if (!this.subscriptions.has("app_home_opened")) return Promise.resolve(false);
    const home = this.ws.home(user);
    const eventTs = this.ws.nextTs();
    return this.send({ type: "app_home_opened", user, channel: this.ws.appHomeChannel(user), tab: "home", ...(home ? { view: apiView(this.ws, home) } : {}), event_ts: eventTs });
  }

  /**
   * The app was uninstalled from a workspace: `tokens_revoked` (its bot user) then `app_uninstalled`,
   * as Slack sends them, each when subscribed, in that workspace's envelope.
   */
  async uninstalled(teamId: string): Promise<string[]> {
    const sent: string[] = [];
    if (this.subscriptions.has("tokens_revoked") && (await this.send({ type: "tokens_revoked", tokens: { oauth: [], bot: [this.ws.botUserId] }, event_ts: this.ws.nextTs() }, teamId))) sent.push("tokens_revoked");
    if (this.subscriptions.has("app_uninstalled") && (await this.send({ type: "app_uninstalled", event_ts: this.ws.nextTs() }, teamId))) sent.push("app_uninstalled");
    return sent;
  }

  /** Delivers an event in the envelope of its workspace: the one named, else its channel's (the sandbox's for DMs). */
  private send(event: Json, teamId?: string): Promise<boolean> {
    const team = teamId ?? this.ws.teamOf(typeof event.channel === "string" ? event.channel : undefined);
    const p = this.delivery.event(eventEnvelope(this.ws, event, this.token, team));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  /** Delivers an event of a type the app subscribed to (assistant threads, link_shared, …); false if it did not. */
  deliver(event: Json): boolean {
    if (!this.subscriptions.has(String(event.type))) return false;
    this.send(event);
    return true;
  }

  subscribed(eventType: string): boolean {
    return this.subscriptions.has(eventType);
  }

  private subscribedToMessages(channelId: string): boolean {
    const ch = this.ws.channel(channelId);
    if (!ch?.members.has(this.ws.botUserId)) return false;
    return this.subscriptions.has(ch.isIm ? "message.im" : ch.isPrivate ? "message.groups" : "message.channels");
  }

  private channelType(channelId: string): string {
    const ch = this.ws.channel(channelId);
    return ch?.isIm ? "im" : ch?.isPrivate ? "group" : "channel";
  }

  private onChange(c: WorkspaceChange): void {
    if (c.kind === "message_posted") return this.posted(c.message);
    if (c.kind === "message_changed") {
      // Reply counts and pins re-render the parent on the page; Slack sends no event for those.
      if (c.previous === c.message || c.message.visibleTo || !this.subscribedToMessages(c.message.channel)) return;
      const eventTs = this.ws.nextTs();
      this.send({
        type: "message",
        subtype: "message_changed",
        message: { ...apiMessage(this.ws, c.message, this.urls), ...(c.message.threadTs ? { thread_ts: c.message.threadTs } : {}) },
        channel: c.message.channel,
        hidden: true,
        previous_message: apiMessage(this.ws, c.previous, this.urls),
        event_ts: eventTs,
        ts: eventTs,
        channel_type: this.channelType(c.message.channel),
      });
      return;
    }
    if (c.kind === "message_deleted") {
      if (c.message.visibleTo || !this.subscribedToMessages(c.message.channel)) return;
      const eventTs = this.ws.nextTs();
      this.send({
        type: "message",
        subtype: "message_deleted",
        previous_message: apiMessage(this.ws, c.message, this.urls),
        channel: c.message.channel,
        hidden: true,
        deleted_ts: c.message.ts,
        event_ts: eventTs,
        ts: eventTs,
        channel_type: this.channelType(c.message.channel),
      });
      return;
    }
    if (c.kind === "member_joined" && this.subscriptions.has("member_joined_channel") && c.channel.members.has(this.ws.botUserId)) {
      this.send({ type: "member_joined_channel", user: c.user, channel: c.channel.id, channel_type: c.channel.isPrivate ? "G" : "C", team: this.ws.teamOf(c.channel.id), inviter: c.inviter, event_ts: this.ws.nextTs() });
    }
  }

  private posted(m: SandboxMessage): void {
    if (m.visibleTo) return;
    const botInChannel = this.ws.isMember(m.channel, this.ws.botUserId);
    const base = apiMessage(this.ws, m, this.urls);
    delete base.reply_count;
    delete base.reply_users;
    delete base.reply_users_count;
    delete base.latest_reply;
    if (this.subscribedToMessages(m.channel)) {
      const ev: Json = { ...base, channel: m.channel, event_ts: m.ts, channel_type: this.channelType(m.channel) };
      if (m.files?.length && !m.subtype) ev.subtype = "file_share";
      this.send(ev);
    }
    // A person's link to a domain the app registered: `link_shared` (never for the app's own posts).
    const links = m.botId || m.user === "USLACKBOT" ? [] : sharedLinks(m.text, this.unfurlDomains);
    if (links.length && this.subscriptions.has("link_shared")) {
      const ev: Json = { type: "link_shared", channel: m.channel, is_bot_user_member: botInChannel, user: m.user, message_ts: m.ts, unfurl_id: `${m.channel}.${m.ts}.${slackId("", 16).toLowerCase()}`, source: "conversations_history", links, event_ts: this.ws.nextTs() };
      if (m.threadTs && m.threadTs !== m.ts) ev.thread_ts = m.threadTs;
      this.send(ev);
    }
    const mentionsBot = !m.botId && mentionedUsers(m.text).includes(this.ws.botUserId);
    if (mentionsBot && botInChannel && this.subscriptions.has("app_mention")) {
      const ev: Json = { type: "app_mention", user: m.user, text: m.text, ts: m.ts, team: this.ws.teamOf(m.channel), channel: m.channel, event_ts: m.ts };
      if (m.clientMsgId) ev.client_msg_id = m.clientMsgId;
      if (m.blocks) ev.blocks = m.blocks;
      if (m.threadTs) {
        ev.thread_ts = m.threadTs;
        const parent = this.ws.message(m.channel, m.threadTs);
        if (parent) ev.parent_user_id = parent.user;
      }
      this.send(ev);
    }
  }
}
