import { SlackApiError } from "../errors.ts";
import { checkContent, jsonArg } from "../message-content.ts";
import { apiMessage } from "../message-shape.ts";
import type { Json, SandboxChannel } from "../types.ts";
import type { SlackWorkspace } from "../workspace.ts";
import { bool, channelArg, requireMember, str } from "./args.ts";
import type { ApiCall, ApiMethod } from "./router.ts";

/** The thread a `thread_ts` names: its parent's ts (a reply's ts is resolved to its parent), else `thread_not_found`. */
export function threadParent(ws: SlackWorkspace, ch: SandboxChannel, threadTs: string | undefined): string | undefined {
  if (!threadTs) return undefined;
  const parent = ws.message(ch.id, threadTs);
  if (!parent || parent.visibleTo) throw new SlackApiError("thread_not_found");
  return parent.threadTs && parent.threadTs !== parent.ts ? parent.threadTs : parent.ts;
}

function rateLimit({ core, args, caller }: ApiCall): void {
  if (!caller.isBot) return;
  const ref = str(args, "channel") ?? "";
  const key = core.ws.channel(ref)?.id ?? ref;
  const wait = core.postLimiter.take(key);
  if (wait > 0) throw new SlackApiError("ratelimited", { status: 429, headers: { "retry-after": String(wait) } });
}

/** chat.update is Tier 3: counted per workspace (every channel together), 429 with Retry-After over it. */
function tier3({ core, caller }: ApiCall): void {
  if (!caller.isBot) return;
  const wait = core.updateLimiter.take(caller.teamId ?? core.ws.team.id);
  if (wait > 0) throw new SlackApiError("ratelimited", { status: 429, headers: { "retry-after": String(wait) } });
}

const postMessage: ApiMethod = (call) => {
  const { core, args, caller } = call;
  rateLimit(call);
  const ch = channelArg(core.ws, args, caller.userId);
  requireMember(ch, caller.userId);
  if (ch.isArchived) throw new SlackApiError("is_archived");
  const content = checkContent(args);
  const threadTs = threadParent(core.ws, ch, str(args, "thread_ts"));
  const metadata = jsonArg(args.metadata, "invalid_metadata_format") as Json | undefined;
  const m = core.ws.post({
    channel: ch.id,
    user: caller.userId,
    text: content.text,
    blocks: content.blocks?.length ? content.blocks : undefined,
    attachments: content.attachments?.length ? content.attachments : undefined,
    metadata,
    threadTs,
    replyBroadcast: threadTs ? bool(args, "reply_broadcast") : undefined,
    ...(caller.teamId ? { team: caller.teamId } : {}),
  });
  return { channel: ch.id, ts: m.ts, message: apiMessage(core.ws, m, core.urls) };
};

const update: ApiMethod = (call) => {
  const { core, args, caller } = call;
  tier3(call);
  const ch = channelArg(core.ws, args, caller.userId);
  const ts = str(args, "ts") ?? "";
  const m = core.ws.message(ch.id, ts);
  if (!m || m.visibleTo || m.tombstone) throw new SlackApiError("message_not_found");
  if (m.user !== caller.userId) throw new SlackApiError("cant_update_message");
  const content = checkContent(args);
  const patch: Parameters<SlackWorkspace["update"]>[2] = {};
  if (args.text !== undefined) patch.text = content.text;
  if (content.blocks !== undefined) patch.blocks = content.blocks.length ? content.blocks : undefined;
  if (content.attachments !== undefined) patch.attachments = content.attachments.length ? content.attachments : undefined;
  if (args.metadata !== undefined) patch.metadata = jsonArg(args.metadata, "invalid_metadata_format") as Json;
  const updated = core.ws.update(ch.id, ts, patch, caller.userId);
  return { channel: ch.id, ts, text: updated.text, message: apiMessage(core.ws, updated, core.urls) };
};

const del: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  const ts = str(args, "ts") ?? "";
  const m = core.ws.message(ch.id, ts);
  if (!m || m.visibleTo || m.tombstone) throw new SlackApiError("message_not_found");
  if (m.user !== caller.userId) throw new SlackApiError("cant_delete_message");
  core.ws.delete(ch.id, ts);
  return { channel: ch.id, ts };
};

const postEphemeral: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  const user = str(args, "user") ?? "";
  if (!core.ws.user(user)) throw new SlackApiError("user_not_found");
  if (!ch.members.has(user)) throw new SlackApiError("user_not_in_channel");
  if (ch.isArchived) throw new SlackApiError("is_archived");
  const content = checkContent(args);
  const threadTs = str(args, "thread_ts") || undefined;
  const m = core.ws.post({
    channel: ch.id,
    user: caller.userId,
    text: content.text,
    blocks: content.blocks?.length ? content.blocks : undefined,
    attachments: content.attachments?.length ? content.attachments : undefined,
    threadTs,
    visibleTo: user,
  });
  return { message_ts: m.ts };
};

const getPermalink: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  const ts = str(args, "message_ts") ?? "";
  const m = core.ws.message(ch.id, ts);
  if (!m || m.visibleTo) throw new SlackApiError("message_not_found");
  let permalink = `${core.urls.baseUrl()}/archives/${ch.id}/p${ts.replace(".", "")}`;
  if (m.threadTs && m.threadTs !== m.ts) permalink += `?thread_ts=${m.threadTs}&cid=${ch.id}`;
  return { channel: ch.id, permalink };
};

export const chatMethods: Record<string, ApiMethod> = {
  "chat.postMessage": postMessage,
  "chat.update": update,
  "chat.delete": del,
  "chat.postEphemeral": postEphemeral,
  "chat.getPermalink": getPermalink,
};
