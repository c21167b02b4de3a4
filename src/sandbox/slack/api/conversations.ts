import { SlackApiError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { apiChannel, apiMessage } from "../message-shape.ts";
import type { Json, SandboxMessage } from "../types.ts";
import { bool, channelArg, list, page, requireMember, str } from "./args.ts";
import type { ApiMethod } from "./router.ts";

const create: ApiMethod = ({ core, args, caller }) => {
  const name = str(args, "name") ?? "";
  if (!name) throw new SlackApiError("invalid_name_required");
  if (name.length > 80) throw new SlackApiError("invalid_name_maxlength");
  if (!/^[a-z0-9_-]+$/.test(name)) throw new SlackApiError("invalid_name_specials");
  if (core.ws.channel(name)) throw new SlackApiError("name_taken");
  const ch = core.ws.createChannel({ name, creator: caller.userId, isPrivate: bool(args, "is_private") });
  return { channel: apiChannel(core.ws, ch, caller.userId) };
};

const info: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  const channel = apiChannel(core.ws, ch, caller.userId);
  if (!bool(args, "include_num_members")) delete channel.num_members;
  return { channel };
};

const listChannels: ApiMethod = ({ core, args, caller }) => {
  const types = (str(args, "types") ?? "public_channel").split(",").map((t) => t.trim());
  const excludeArchived = bool(args, "exclude_archived");
  const all = core.ws
    .listChannels()
    .filter((c) => (c.isPrivate ? types.includes("private_channel") && c.members.has(caller.userId) : types.includes("public_channel")))
    .filter((c) => !excludeArchived || !c.isArchived);
  const p = page(all, args, { defaultLimit: 100, maxLimit: LIMITS.listMax });
  return { channels: p.items.map((c) => apiChannel(core.ws, c, caller.userId)), response_metadata: { next_cursor: p.nextCursor } };
};

const join: ApiMethod = ({ core, args, caller, warn }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  if (ch.isPrivate) throw new SlackApiError("method_not_supported_for_channel_type");
  if (ch.isArchived) throw new SlackApiError("is_archived");
  if (!core.ws.addMember(ch.id, caller.userId)) warn("already_in_channel");
  return { channel: apiChannel(core.ws, ch, caller.userId) };
};

const invite: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  requireMember(ch, caller.userId);
  if (ch.isArchived) throw new SlackApiError("is_archived");
  const users = list(args, "users");
  if (!users.length) throw new SlackApiError("no_user");
  const errors: Array<{ user: string; ok: false; error: string }> = [];
  for (const u of users) {
    if (u === caller.userId) errors.push({ user: u, ok: false, error: "cant_invite_self" });
    else if (!core.ws.user(u)) errors.push({ user: u, ok: false, error: "user_not_found" });
    else if (ch.members.has(u)) errors.push({ user: u, ok: false, error: "already_in_channel" });
  }
  const [first] = errors;
  if (first) throw new SlackApiError(first.error, { extra: { errors } });
  for (const u of users) core.ws.addMember(ch.id, u, caller.userId);
  return { channel: apiChannel(core.ws, ch, caller.userId) };
};

/** conversations.history and .replies carry a message's `metadata` only when `include_all_metadata` is true. */
function withMetadataIf(message: Json, include: boolean): Json {
  if (!include) delete message.metadata;
  return message;
}

/** Newest first, within latest/oldest (exclusive unless `inclusive`), paginated by cursor. */
function window(messages: SandboxMessage[], args: Record<string, unknown>): SandboxMessage[] {
  const latest = str(args, "latest");
  const oldest = str(args, "oldest");
  const inclusive = bool(args, "inclusive");
  return messages.filter((m) => {
    const t = Number(m.ts);
    if (latest && (inclusive ? t > Number(latest) : t >= Number(latest))) return false;
    if (oldest && (inclusive ? t < Number(oldest) : t <= Number(oldest))) return false;
    return true;
  });
}

const history: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  requireMember(ch, caller.userId);
  const msgs = window(core.ws.history(ch.id), args).reverse();
  const p = page(msgs, args, { defaultLimit: 100, maxLimit: 999 });
  return {
    messages: p.items.map((m) => withMetadataIf(apiMessage(core.ws, m, core.urls), bool(args, "include_all_metadata"))),
    has_more: p.nextCursor !== "",
    pin_count: core.ws.pinned(ch.id).length,
    channel_actions_ts: null,
    channel_actions_count: 0,
    response_metadata: { next_cursor: p.nextCursor },
  };
};

const replies: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  requireMember(ch, caller.userId);
  const ts = str(args, "ts") ?? "";
  const m = core.ws.message(ch.id, ts);
  if (!m || m.visibleTo) throw new SlackApiError("thread_not_found");
  const parentTs = m.threadTs && m.threadTs !== m.ts ? m.threadTs : m.ts;
  const parent = core.ws.message(ch.id, parentTs);
  const all = [...(parent ? [parent] : []), ...core.ws.replies(ch.id, parentTs)];
  const p = page(window(all, args), args, { defaultLimit: 1000, maxLimit: 1000 });
  return { messages: p.items.map((x) => withMetadataIf(apiMessage(core.ws, x, core.urls), bool(args, "include_all_metadata"))), has_more: p.nextCursor !== "", response_metadata: { next_cursor: p.nextCursor } };
};

const setTopic: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  requireMember(ch, caller.userId);
  const topic = str(args, "topic") ?? "";
  if (topic.length > 250) throw new SlackApiError("too_long");
  core.ws.setTopic(ch.id, topic, caller.userId);
  core.ws.post({ channel: ch.id, user: caller.userId, text: `set the channel topic: ${topic}`, subtype: "channel_topic" });
  return { channel: apiChannel(core.ws, ch, caller.userId) };
};

const members: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  const p = page([...ch.members], args, { defaultLimit: 100, maxLimit: LIMITS.listMax });
  return { members: p.items, response_metadata: { next_cursor: p.nextCursor } };
};

export const conversationMethods: Record<string, ApiMethod> = {
  "conversations.create": create,
  "conversations.info": info,
  "conversations.list": listChannels,
  "conversations.join": join,
  "conversations.invite": invite,
  "conversations.history": history,
  "conversations.replies": replies,
  "conversations.setTopic": setTopic,
  "conversations.members": members,
};
