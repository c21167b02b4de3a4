/** The sandbox workspace's internal model. API responses are built from it by message-shape.ts. */

export type Json = Record<string, unknown>;

export interface SandboxUser {
  id: string;
  name: string;
  realName: string;
  title: string;
  email: string;
  isBot: boolean;
  botId?: string;
  appId?: string;
  isAdmin: boolean;
  tz: string;
  color: string;
}

export interface SandboxChannel {
  id: string;
  name: string;
  created: number;
  creator: string;
  isPrivate: boolean;
  isArchived: boolean;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  members: Set<string>;
  bookmarks: Json[];
  /** A direct message between the app and one person (`D…`): the Messages tab and the assistant container. */
  isIm?: boolean;
  /** For an IM: the person on the other side. */
  imUser?: string;
  /** The workspace the channel belongs to, when not the sandbox's own (T0SANDBOX1): its events, commands and clicks carry this team. */
  team?: string;
}

export interface Reaction {
  name: string;
  users: string[];
}

export interface SandboxFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  declaredLength: number;
  user: string;
  created: number;
  altText?: string;
  data?: Buffer;
  uploadKey: string;
  completed: boolean;
  channels: string[];
}

export interface SandboxMessage {
  ts: string;
  channel: string;
  /** The poster's workspace when it is not the sandbox's (`team` in Slack's message shape). */
  team?: string;
  /** Author user id (the bot's user id for app posts). */
  user: string;
  botId?: string;
  appId?: string;
  text: string;
  blocks?: Json[];
  attachments?: Json[];
  metadata?: Json;
  subtype?: string;
  threadTs?: string;
  replyBroadcast?: boolean;
  edited?: { user: string; ts: string };
  files?: string[];
  reactions: Reaction[];
  pinned: boolean;
  /** Set for ephemeral messages: the only user who sees it. */
  visibleTo?: string;
  /** Deleted parents with replies stay as tombstones. */
  tombstone?: boolean;
  clientMsgId?: string;
  /** A message the app streams (chat.startStream … chat.stopStream). */
  stream?: { startedAt: number; stoppedAt?: number };
  /** The root of an assistant thread (subtype `assistant_app_thread`): its title and context. */
  assistantThread?: { title: string; context: Json };
  /** App unfurls attached by chat.unfurl, by URL. */
  unfurls?: Record<string, Json>;
}

export interface SandboxView {
  id: string;
  user: string;
  type: "modal" | "home";
  view: Json;
  hash: string;
  state: { values: Record<string, Record<string, Json>> };
  previousViewId: string | null;
  rootViewId: string;
  externalId: string;
  /** Open modals are in a user's stack; closed ones are kept for lookups. */
  open: boolean;
  /** Errors shown on input blocks after a `response_action: errors`. */
  errors?: Record<string, string>;
  /** The workspace whose token opened or published it, when not the sandbox's own (its `team_id`; its submissions and clicks carry this team). */
  team?: string;
}

/** What the app set on an assistant thread (assistant.threads.*) besides its messages. */
export interface AssistantThreadState {
  channel: string;
  threadTs: string;
  user: string;
  /** "aisre is …" while the app works; cleared by its next reply in the thread or after two minutes. */
  status: string;
  loadingMessages: string[];
  statusSetAt: number;
  suggestedPrompts?: { title?: string; prompts: Array<{ title: string; message: string }> };
  /** A thread in a channel, not the assistant container: only its status can be set (`chat:write`'s AI loading state in channels). */
  inChannel?: true;
}

/** What changed in the workspace: feeds the page (server push), the bot's events and action watches. */
export type WorkspaceChange =
  | { kind: "message_posted"; message: SandboxMessage }
  | { kind: "message_changed"; message: SandboxMessage; previous: SandboxMessage }
  | { kind: "message_deleted"; message: SandboxMessage }
  | { kind: "reaction"; message: SandboxMessage }
  | { kind: "channel"; channel: SandboxChannel }
  | { kind: "member_joined"; channel: SandboxChannel; user: string; inviter?: string }
  | { kind: "view"; view: SandboxView; action: "opened" | "updated" | "pushed" | "closed" | "published" }
  | { kind: "assistant_thread"; thread: AssistantThreadState };
