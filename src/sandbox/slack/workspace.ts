import { APP_ID, DEFAULT_BOT_ID, DEFAULT_BOT_USER_ID, DEFAULT_CHANNELS, DEFAULT_USERGROUPS, PEOPLE, SLACKBOT, TEAM } from "./defaults.ts";
import { SlackApiError } from "./errors.ts";
import { randomHex, slackId, TsClock } from "./ids.ts";
import type { AssistantThreadState, Json, SandboxChannel, SandboxFile, SandboxMessage, SandboxUser, SandboxView, WorkspaceChange } from "./types.ts";

/** Slack drops an assistant thread's status after two minutes without a reply. */
export const ASSISTANT_STATUS_TTL_MS = 120_000;

export interface Usergroup {
  id: string;
  handle: string;
  name: string;
  description: string;
  users: string[];
  created: number;
}

export interface PostInput {
  channel: string;
  user: string;
  text: string;
  blocks?: Json[];
  attachments?: Json[];
  metadata?: Json;
  threadTs?: string;
  replyBroadcast?: boolean;
  subtype?: string;
  files?: string[];
  clientMsgId?: string;
  /** Ephemeral: only this user sees it. */
  visibleTo?: string;
  stream?: SandboxMessage["stream"];
  assistantThread?: SandboxMessage["assistantThread"];
  /** The poster's workspace when not the sandbox's (the app installed in the organization's other workspace). */
  team?: string;
}

const nowSec = () => Math.floor(Date.now() / 1000);

/**
 * The state of the sandbox Slack workspace: people, the bot, channels and their members, messages
 * with threads, edits and reactions, ephemeral messages per user, user groups, views and files.
 * Pure state: the Web API (api/*), event delivery and the page are built on top of it and learn
 * about every change through `subscribe`.
 */
export class SlackWorkspace {
  readonly team = TEAM;
  readonly appId = APP_ID;
  readonly botUserId: string;
  readonly botId: string;
  readonly botName: string;
  private readonly users = new Map<string, SandboxUser>();
  private readonly channels = new Map<string, SandboxChannel>();
  private readonly messages = new Map<string, SandboxMessage[]>();
  private readonly byKey = new Map<string, SandboxMessage>();
  /** Replies (ephemeral ones included) by `channel:thread_ts`, in ts order. */
  private readonly threads = new Map<string, SandboxMessage[]>();
  private readonly usergroups = new Map<string, Usergroup>();
  private readonly views = new Map<string, SandboxView>();
  private readonly files = new Map<string, SandboxFile>();
  private readonly assistantThreads = new Map<string, AssistantThreadState>();
  private readonly listeners = new Set<(c: WorkspaceChange) => void>();
  private readonly clock = new TsClock();
  /** The time messages are stamped with (ts): the simulation's in sandbox mode, like what they say. */
  private readonly now: () => number;

  constructor(options: { botUserId?: string; botId?: string; botName?: string; now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.botUserId = options.botUserId ?? DEFAULT_BOT_USER_ID;
    this.botId = options.botId ?? DEFAULT_BOT_ID;
    this.botName = options.botName ?? "aisre";
    for (const p of PEOPLE) this.users.set(p.id, { ...p });
    this.users.set(SLACKBOT.id, { ...SLACKBOT });
    this.users.set(this.botUserId, {
      id: this.botUserId,
      name: this.botName,
      realName: this.botName,
      title: "",
      email: "",
      isBot: true,
      botId: this.botId,
      appId: this.appId,
      isAdmin: false,
      tz: "America/Los_Angeles",
      color: "3b82f6",
    });
    for (const c of DEFAULT_CHANNELS) {
      const ch = this.createChannel({ name: c.name, creator: "U_CAROL", members: [...PEOPLE.map((p) => p.id), this.botUserId], ...(c.team ? { team: c.team } : {}) });
      ch.purpose = { value: c.purpose, creator: "U_CAROL", last_set: ch.created };
    }
    for (const g of DEFAULT_USERGROUPS) this.usergroups.set(g.id, { ...g, users: [...g.users], created: nowSec() });
  }

  // ---- persistence ----------------------------------------------------------------------------

  /** Everything the workspace holds, as JSON (sets and file bytes encoded), for `restore`. */
  snapshot(): string {
    // A channel's members are its one set. Encoded here rather than by a replacer, which JSON.stringify
    // would call for every value of every message (the whole workspace, written after each change).
    return JSON.stringify({
      version: 1,
      users: [...this.users.values()],
      channels: [...this.channels.values()].map((c) => ({ ...c, members: { $set: [...c.members] } })),
      messages: [...this.messages.values()].flat(),
      usergroups: [...this.usergroups.values()],
      views: [...this.views.values()],
      files: [...this.files.values()],
    });
  }

  /** Replaces the workspace's state with a snapshot (a restarted sandbox picks up where it was). */
  restore(json: string): void {
    const data = JSON.parse(json, (_k, v: unknown) => {
      if (v && typeof v === "object" && "$set" in v) return new Set((v as { $set: unknown[] }).$set);
      if (v && typeof v === "object" && (v as { type?: unknown }).type === "Buffer" && Array.isArray((v as { data?: unknown }).data)) return Buffer.from((v as { data: number[] }).data);
      return v;
    }) as { users: SandboxUser[]; channels: SandboxChannel[]; messages: SandboxMessage[]; usergroups: Usergroup[]; views: SandboxView[]; files: SandboxFile[] };
    for (const m of [this.users, this.channels, this.messages, this.byKey, this.threads, this.usergroups, this.views, this.files] as Array<Map<string, unknown>>) m.clear();
    for (const u of data.users) this.users.set(u.id, u);
    for (const c of data.channels) {
      this.channels.set(c.id, c);
      this.messages.set(c.id, []);
    }
    let lastTs = 0;
    for (const m of [...data.messages].sort((a, b) => Number(a.ts) - Number(b.ts))) {
      this.messages.get(m.channel)?.push(m);
      this.byKey.set(this.key(m.channel, m.ts), m);
      lastTs = Math.max(lastTs, Number(m.ts));
      if (m.threadTs) {
        const k = this.key(m.channel, m.threadTs);
        this.threads.set(k, [...(this.threads.get(k) ?? []), m]);
      }
    }
    for (const g of data.usergroups) this.usergroups.set(g.id, g);
    for (const v of data.views) this.views.set(v.id, v);
    for (const f of data.files) this.files.set(f.id, f);
    // New messages get later timestamps than every restored one.
    this.clock.next(lastTs * 1000);
  }

  // ---- change feed ----------------------------------------------------------------------------

  subscribe(listener: (c: WorkspaceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: WorkspaceChange): void {
    for (const l of [...this.listeners]) l(change);
  }

  /** A new message ts: the stamping clock's time, unique and increasing across the workspace. */
  nextTs(): string {
    return this.clock.next(this.now());
  }

  // ---- people ---------------------------------------------------------------------------------

  user(id: string): SandboxUser | undefined {
    return this.users.get(id);
  }

  /** Finds a person by id (`U_ALICE`), name (`alice`) or `@alice`. */
  findUser(ref: string): SandboxUser | undefined {
    const r = ref.replace(/^@/, "");
    return this.users.get(r) ?? this.users.get(r.toUpperCase()) ?? [...this.users.values()].find((u) => u.name === r.toLowerCase());
  }

  listUsers(): SandboxUser[] {
    return [...this.users.values()];
  }

  /** The people (not bots) a page visitor can act as. */
  people(): SandboxUser[] {
    return this.listUsers().filter((u) => !u.isBot);
  }

  addUser(user: Omit<SandboxUser, "isBot" | "isAdmin" | "tz" | "color"> & Partial<SandboxUser>): SandboxUser {
    const u: SandboxUser = { isBot: false, isAdmin: false, tz: "UTC", color: "888888", ...user };
    this.users.set(u.id, u);
    return u;
  }

  listUsergroups(): Usergroup[] {
    return [...this.usergroups.values()];
  }

  usergroup(idOrHandle: string): Usergroup | undefined {
    return this.usergroups.get(idOrHandle) ?? [...this.usergroups.values()].find((g) => g.handle === idOrHandle.replace(/^@/, ""));
  }

  // ---- channels -------------------------------------------------------------------------------

  createChannel(input: { name: string; creator: string; isPrivate?: boolean; members?: string[]; team?: string }): SandboxChannel {
    const created = nowSec();
    const ch: SandboxChannel = {
      id: slackId(input.isPrivate ? "G" : "C"),
      name: input.name,
      created,
      creator: input.creator,
      isPrivate: input.isPrivate ?? false,
      isArchived: false,
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: "", creator: "", last_set: 0 },
      members: new Set([input.creator, ...(input.members ?? [])]),
      bookmarks: [],
      ...(input.team && input.team !== this.team.id ? { team: input.team } : {}),
    };
    this.channels.set(ch.id, ch);
    this.messages.set(ch.id, []);
    this.emit({ kind: "channel", channel: ch });
    return ch;
  }

  /**
   * The app's direct message with a person (its Messages tab and assistant container), created on
   * first use, as Slack does when someone opens the app.
   */
  openIm(user: string): SandboxChannel {
    const existing = [...this.channels.values()].find((c) => c.isIm && c.imUser === user);
    if (existing) return existing;
    const created = nowSec();
    const ch: SandboxChannel = {
      id: slackId("D"),
      name: user,
      created,
      creator: user,
      isPrivate: true,
      isArchived: false,
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: "", creator: "", last_set: 0 },
      members: new Set([user, this.botUserId]),
      bookmarks: [],
      isIm: true,
      imUser: user,
    };
    this.channels.set(ch.id, ch);
    this.messages.set(ch.id, []);
    this.emit({ kind: "channel", channel: ch });
    return ch;
  }

  /** A channel by id, `#name` or name. */
  channel(ref: string): SandboxChannel | undefined {
    if (!ref) return undefined;
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, "");
    return [...this.channels.values()].find((c) => c.name === name && !c.isIm);
  }

  /**
   * The workspace a conversation belongs to: its own team, else the sandbox's (direct messages and
   * unknown ids too). What the events, commands and clicks from it carry as `team_id`.
   */
  teamOf(channelRef: string | undefined): string {
    return (channelRef ? this.channel(channelRef)?.team : undefined) ?? this.team.id;
  }

  /** Channels (public and private), not direct messages. */
  listChannels(): SandboxChannel[] {
    return [...this.channels.values()].filter((c) => !c.isIm);
  }

  /** The app's direct messages with people. */
  listIms(): SandboxChannel[] {
    return [...this.channels.values()].filter((c) => c.isIm);
  }

  /** Channels a user can see: every public one and the private ones they are in. */
  visibleChannels(user: string): SandboxChannel[] {
    return this.listChannels().filter((c) => !c.isPrivate || c.members.has(user));
  }

  isMember(channel: string, user: string): boolean {
    return this.channels.get(channel)?.members.has(user) ?? false;
  }

  /** Adds a member; returns false if they already were one. */
  addMember(channel: string, user: string, inviter?: string): boolean {
    const ch = this.channels.get(channel);
    if (!ch) throw new SlackApiError("channel_not_found");
    if (ch.members.has(user)) return false;
    ch.members.add(user);
    this.emit({ kind: "member_joined", channel: ch, user, inviter });
    return true;
  }

  setTopic(channel: string, topic: string, by: string): SandboxChannel {
    const ch = this.channels.get(channel);
    if (!ch) throw new SlackApiError("channel_not_found");
    ch.topic = { value: topic, creator: by, last_set: nowSec() };
    this.emit({ kind: "channel", channel: ch });
    return ch;
  }

  addBookmark(channel: string, bookmark: Json): void {
    const ch = this.channels.get(channel);
    if (!ch) throw new SlackApiError("channel_not_found");
    ch.bookmarks.push(bookmark);
    this.emit({ kind: "channel", channel: ch });
  }

  // ---- messages -------------------------------------------------------------------------------

  private key(channel: string, ts: string): string {
    return `${channel}:${ts}`;
  }

  post(input: PostInput): SandboxMessage {
    const list = this.messages.get(input.channel);
    if (!list) throw new SlackApiError("channel_not_found");
    const author = this.users.get(input.user);
    const m: SandboxMessage = {
      ts: this.nextTs(),
      channel: input.channel,
      user: input.user,
      botId: author?.botId,
      appId: author?.appId,
      text: input.text,
      blocks: input.blocks,
      attachments: input.attachments,
      metadata: input.metadata,
      subtype: input.subtype,
      threadTs: input.threadTs,
      replyBroadcast: input.replyBroadcast,
      files: input.files,
      reactions: [],
      pinned: false,
      visibleTo: input.visibleTo,
      clientMsgId: input.clientMsgId,
      stream: input.stream,
      assistantThread: input.assistantThread,
      ...(input.team ? { team: input.team } : {}),
    };
    list.push(m);
    this.byKey.set(this.key(m.channel, m.ts), m);
    if (m.threadTs) {
      const k = this.key(m.channel, m.threadTs);
      const replies = this.threads.get(k) ?? [];
      replies.push(m);
      this.threads.set(k, replies);
    }
    this.emit({ kind: "message_posted", message: m });
    // The app's reply in an assistant thread ends its "is working…" status.
    const thread = m.threadTs ? this.assistantThreads.get(this.key(m.channel, m.threadTs)) : undefined;
    if (thread?.status && m.user === this.botUserId) this.setAssistantStatus(thread, "", []);
    if (m.threadTs && !m.visibleTo) {
      const parent = this.byKey.get(this.key(m.channel, m.threadTs));
      // The parent's reply count and reply users change: the page re-renders it.
      if (parent) this.emit({ kind: "message_changed", message: parent, previous: parent });
    }
    return m;
  }

  /** A message (ephemeral ones included) by channel and ts. */
  message(channel: string, ts: string): SandboxMessage | undefined {
    return this.byKey.get(this.key(channel, ts));
  }

  update(channel: string, ts: string, patch: Partial<Pick<SandboxMessage, "text" | "blocks" | "attachments" | "metadata" | "files" | "stream" | "assistantThread" | "unfurls">>, editor?: string): SandboxMessage {
    const m = this.byKey.get(this.key(channel, ts));
    if (!m) throw new SlackApiError("message_not_found");
    const previous = { ...m };
    Object.assign(m, patch);
    if (editor && !m.visibleTo) m.edited = { user: editor, ts: this.nextTs() };
    this.emit({ kind: "message_changed", message: m, previous });
    return m;
  }

  delete(channel: string, ts: string): SandboxMessage {
    const m = this.byKey.get(this.key(channel, ts));
    if (!m) throw new SlackApiError("message_not_found");
    const list = this.messages.get(channel)!;
    const hasReplies = !m.threadTs || m.threadTs === m.ts ? this.replies(channel, ts).length > 0 : false;
    if (hasReplies && !m.visibleTo) {
      // Slack keeps a deleted thread parent as a tombstone so the replies stay reachable.
      const previous = { ...m };
      Object.assign(m, { tombstone: true, subtype: "tombstone", text: "This message was deleted.", blocks: undefined, attachments: undefined, files: undefined, user: "USLACKBOT", botId: undefined, appId: undefined });
      this.emit({ kind: "message_changed", message: m, previous });
      return m;
    }
    list.splice(list.indexOf(m), 1);
    this.byKey.delete(this.key(channel, ts));
    if (m.threadTs) {
      const replies = this.threads.get(this.key(channel, m.threadTs));
      replies?.splice(replies.indexOf(m), 1);
    }
    this.emit({ kind: "message_deleted", message: m });
    if (m.threadTs && m.threadTs !== m.ts) {
      const parent = this.byKey.get(this.key(channel, m.threadTs));
      if (parent) this.emit({ kind: "message_changed", message: parent, previous: parent });
    }
    return m;
  }

  /** Top-level messages (and broadcast replies) in ts order; ephemeral ones only for `forUser`. */
  history(channel: string, forUser?: string): SandboxMessage[] {
    return (this.messages.get(channel) ?? []).filter((m) => (!m.threadTs || m.threadTs === m.ts || m.replyBroadcast) && this.visible(m, forUser));
  }

  /** Replies of a thread in ts order (without the parent); ephemeral ones only for `forUser`. */
  replies(channel: string, threadTs: string, forUser?: string): SandboxMessage[] {
    return (this.threads.get(this.key(channel, threadTs)) ?? []).filter((m) => m.ts !== threadTs && this.visible(m, forUser));
  }

  private visible(m: SandboxMessage, forUser?: string): boolean {
    return !m.visibleTo || m.visibleTo === forUser;
  }

  threadSummary(parent: SandboxMessage): { replyCount: number; replyUsers: string[]; latestReply?: string } {
    const replies = this.replies(parent.channel, parent.ts);
    const users: string[] = [];
    for (const r of replies) if (!users.includes(r.user)) users.push(r.user);
    return { replyCount: replies.length, replyUsers: users, latestReply: replies.at(-1)?.ts };
  }

  addReaction(channel: string, ts: string, name: string, user: string): SandboxMessage {
    const m = this.byKey.get(this.key(channel, ts));
    if (!m || m.visibleTo) throw new SlackApiError("message_not_found");
    let r = m.reactions.find((x) => x.name === name);
    if (r?.users.includes(user)) throw new SlackApiError("already_reacted");
    if (!r) {
      if (m.reactions.length >= 23) throw new SlackApiError("too_many_emoji");
      r = { name, users: [] };
      m.reactions.push(r);
    }
    r.users.push(user);
    this.emit({ kind: "reaction", message: m });
    return m;
  }

  pin(channel: string, ts: string): SandboxMessage {
    const m = this.byKey.get(this.key(channel, ts));
    if (!m || m.visibleTo) throw new SlackApiError("message_not_found");
    if (m.pinned) throw new SlackApiError("already_pinned");
    m.pinned = true;
    this.emit({ kind: "message_changed", message: m, previous: m });
    return m;
  }

  pinned(channel: string): SandboxMessage[] {
    return (this.messages.get(channel) ?? []).filter((m) => m.pinned);
  }

  // ---- assistant threads -----------------------------------------------------------------------

  /** Starts an assistant thread in a person's DM with the app: its root message (subtype `assistant_app_thread`). */
  startAssistantThread(user: string, context: Json): { channel: SandboxChannel; root: SandboxMessage; thread: AssistantThreadState } {
    const channel = this.openIm(user);
    const root = this.post({ channel: channel.id, user: this.botUserId, text: "New Assistant Thread", subtype: "assistant_app_thread", assistantThread: { title: "", context } });
    const thread: AssistantThreadState = { channel: channel.id, threadTs: root.ts, user, status: "", loadingMessages: [], statusSetAt: 0 };
    this.assistantThreads.set(this.key(channel.id, root.ts), thread);
    this.emit({ kind: "assistant_thread", thread });
    return { channel, root, thread };
  }

  /** The assistant thread at `channel:threadTs`, its status expired after two minutes. */
  assistantThread(channel: string, threadTs: string, now = Date.now()): AssistantThreadState | undefined {
    const t = this.assistantThreads.get(this.key(channel, threadTs));
    if (t?.status && now - t.statusSetAt >= ASSISTANT_STATUS_TTL_MS) {
      t.status = "";
      t.loadingMessages = [];
    }
    return t;
  }

  /**
   * The status holder of a thread in a channel (`assistant.threads.setStatus` with `chat:write`): made
   * the first time the app sets one, for a message that exists. Undefined for an unknown ts.
   */
  channelThread(channel: string, threadTs: string, now = Date.now()): AssistantThreadState | undefined {
    const known = this.assistantThread(channel, threadTs, now);
    if (known || !this.byKey.has(this.key(channel, threadTs))) return known;
    const thread: AssistantThreadState = { channel, threadTs, user: "", status: "", loadingMessages: [], statusSetAt: 0, inChannel: true };
    this.assistantThreads.set(this.key(channel, threadTs), thread);
    return thread;
  }

  /** Threads in channels the app shows a status in now ("aisre is looking into it…"). */
  busyChannelThreads(now = Date.now()): AssistantThreadState[] {
    return [...this.assistantThreads.values()].filter((t) => t.inChannel && this.assistantThread(t.channel, t.threadTs, now)?.status);
  }

  assistantThreadsOf(user: string): AssistantThreadState[] {
    return [...this.assistantThreads.values()].filter((t) => !t.inChannel && t.user === user).map((t) => this.assistantThread(t.channel, t.threadTs) ?? t);
  }

  setAssistantStatus(thread: AssistantThreadState, status: string, loadingMessages: string[], now = Date.now()): void {
    thread.status = status;
    thread.loadingMessages = loadingMessages;
    thread.statusSetAt = now;
    this.emit({ kind: "assistant_thread", thread });
  }

  setSuggestedPrompts(thread: AssistantThreadState, prompts: AssistantThreadState["suggestedPrompts"]): void {
    thread.suggestedPrompts = prompts;
    this.emit({ kind: "assistant_thread", thread });
  }

  setAssistantTitle(thread: AssistantThreadState, title: string): void {
    const root = this.message(thread.channel, thread.threadTs);
    if (root?.assistantThread) this.update(thread.channel, thread.threadTs, { assistantThread: { ...root.assistantThread, title } });
    this.emit({ kind: "assistant_thread", thread });
  }

  /** The person looks at another channel: the thread's context changes (the root keeps the latest). */
  setAssistantContext(thread: AssistantThreadState, context: Json): void {
    const root = this.message(thread.channel, thread.threadTs);
    if (root?.assistantThread) this.update(thread.channel, thread.threadTs, { assistantThread: { ...root.assistantThread, context } });
  }

  // ---- views ----------------------------------------------------------------------------------

  /** The user's open modal stack, bottom first. */
  modalStack(user: string): SandboxView[] {
    return [...this.views.values()].filter((v) => v.user === user && v.type === "modal" && v.open);
  }

  view(id: string): SandboxView | undefined {
    return this.views.get(id);
  }

  viewByExternalId(externalId: string): SandboxView | undefined {
    return [...this.views.values()].find((v) => v.externalId === externalId && (v.open || v.type === "home"));
  }

  home(user: string): SandboxView | undefined {
    return [...this.views.values()].find((v) => v.user === user && v.type === "home");
  }

  /** Opens a modal (replacing the user's stack) or pushes one on top of it. */
  openModal(user: string, view: Json, options: { push?: boolean; team?: string } = {}): SandboxView {
    const stack = this.modalStack(user);
    if (!options.push) for (const v of stack) this.closeQuiet(v);
    const top = options.push ? stack.at(-1) : undefined;
    const externalId = typeof view.external_id === "string" ? view.external_id : "";
    if (externalId && this.viewByExternalId(externalId)) throw new SlackApiError("duplicate_external_id");
    const id = slackId("V");
    const v: SandboxView = {
      id,
      user,
      type: "modal",
      view,
      hash: this.newHash(),
      state: { values: {} },
      previousViewId: top?.id ?? null,
      rootViewId: top?.rootViewId ?? id,
      externalId,
      open: true,
      ...(options.team && options.team !== this.team.id ? { team: options.team } : {}),
    };
    this.views.set(id, v);
    this.emit({ kind: "view", view: v, action: options.push ? "pushed" : "opened" });
    return v;
  }

  updateView(v: SandboxView, view: Json): SandboxView {
    v.view = view;
    v.hash = this.newHash();
    v.errors = undefined;
    if (typeof view.external_id === "string") v.externalId = view.external_id;
    this.emit({ kind: "view", view: v, action: "updated" });
    return v;
  }

  setViewErrors(v: SandboxView, errors: Record<string, string>): void {
    v.errors = errors;
    this.emit({ kind: "view", view: v, action: "updated" });
  }

  closeView(v: SandboxView): void {
    this.closeQuiet(v);
    this.emit({ kind: "view", view: v, action: "closed" });
  }

  private closeQuiet(v: SandboxView): void {
    v.open = false;
  }

  /** The id of the app's home (its DM with the person), as `app_home_opened` carries it: one per person, stable. */
  appHomeChannel(user: string): string {
    return this.openIm(user).id;
  }

  publishHome(user: string, view: Json, team?: string): SandboxView {
    let v = this.home(user);
    if (v) {
      v.view = view;
      v.hash = this.newHash();
      if (team && team !== this.team.id) v.team = team;
      else delete v.team;
    } else {
      const id = slackId("V");
      v = { id, user, type: "home", view, hash: this.newHash(), state: { values: {} }, previousViewId: null, rootViewId: id, externalId: "", open: true, ...(team && team !== this.team.id ? { team } : {}) };
      this.views.set(id, v);
    }
    this.emit({ kind: "view", view: v, action: "published" });
    return v;
  }

  private newHash(): string {
    return `${nowSec()}.${randomHex(4)}`;
  }

  // ---- files ----------------------------------------------------------------------------------

  createFile(input: { name: string; length: number; user: string; altText?: string }): SandboxFile {
    const id = slackId("F");
    const ext = (input.name.split(".").pop() ?? "").toLowerCase();
    const mimetypes: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", svg: "image/svg+xml", txt: "text/plain", json: "application/json", csv: "text/csv", pdf: "application/pdf" };
    const f: SandboxFile = {
      id,
      name: input.name,
      title: input.name,
      mimetype: mimetypes[ext] ?? "application/octet-stream",
      filetype: ext === "jpeg" ? "jpg" : ext || "binary",
      size: 0,
      declaredLength: input.length,
      user: input.user,
      created: nowSec(),
      altText: input.altText,
      uploadKey: randomHex(16),
      completed: false,
      channels: [],
    };
    this.files.set(id, f);
    return f;
  }

  file(id: string): SandboxFile | undefined {
    return this.files.get(id);
  }

  fileByUploadKey(key: string): SandboxFile | undefined {
    return [...this.files.values()].find((f) => f.uploadKey === key);
  }

  // ---- snapshot -------------------------------------------------------------------------------

  /** Channels for `GET /sandbox/state`: id, name, members, message and thread counts. */
  channelsSummary(): Json[] {
    return this.listChannels().map((c) => {
      const all = (this.messages.get(c.id) ?? []).filter((m) => !m.visibleTo);
      return {
        id: c.id,
        name: c.name,
        team: c.team ?? this.team.id,
        is_private: c.isPrivate,
        is_archived: c.isArchived,
        topic: c.topic.value,
        members: [...c.members],
        message_count: all.filter((m) => !m.threadTs || m.threadTs === m.ts).length,
        reply_count: all.filter((m) => m.threadTs && m.threadTs !== m.ts).length,
        latest_ts: all.at(-1)?.ts ?? null,
      };
    });
  }
}
