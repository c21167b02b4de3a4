import { SlackApiError } from "../errors.ts";
import { checkContent, jsonArg } from "../message-content.ts";
import { apiMessage } from "../message-shape.ts";
import { LIMITS } from "../limits.ts";
import type { Json, SandboxMessage } from "../types.ts";
import { channelArg, requireMember, str } from "./args.ts";
import { threadParent } from "./chat.ts";
import type { ApiCall, ApiMethod } from "./router.ts";

/** A streamed message stops accepting appends about five minutes after it started (Slack's lifetime). */
export const STREAM_LIFETIME_MS = 300_000;
const CHUNK_TYPES = new Set(["markdown_text", "task_update", "plan_update"]);

/** The markdown a call adds: `markdown_text` and the text of `markdown_text` chunks (invalid_chunks otherwise). */
function addedMarkdown(call: ApiCall, required: boolean): string {
  const md = str(call.args, "markdown_text") ?? "";
  const chunks = jsonArg(call.args.chunks, "invalid_chunks");
  if (chunks !== undefined && !Array.isArray(chunks)) throw new SlackApiError("invalid_chunks");
  let text = md;
  for (const c of (chunks as unknown[] | undefined) ?? []) {
    const o = (typeof c === "object" && c !== null ? c : {}) as Record<string, unknown>;
    if (typeof o.type !== "string" || !CHUNK_TYPES.has(o.type)) throw new SlackApiError("invalid_chunks");
    if (o.type === "markdown_text") {
      if (typeof o.text !== "string") throw new SlackApiError("invalid_chunks");
      text += o.text;
    }
  }
  if (required && !md && !(chunks as unknown[] | undefined)?.length) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] either markdown_text or chunks is required"] });
  // The limit is per call (each chunk of text), not on the whole message.
  if (text.length > LIMITS.markdownBlockText) throw new SlackApiError("msg_too_long");
  return text;
}

function streamed(text: string, extra: Json[] = []): Json[] {
  return [{ type: "markdown", text }, ...extra];
}

const startStream: ApiMethod = (call) => {
  const { core, args, caller } = call;
  const ch = channelArg(core.ws, args, caller.userId);
  requireMember(ch, caller.userId);
  if (ch.isArchived) throw new SlackApiError("is_archived");
  const threadTsArg = str(args, "thread_ts");
  if (!threadTsArg) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: thread_ts"] });
  const threadTs = threadParent(core.ws, ch, threadTsArg);
  // Outside a DM, Slack must know whom the stream is for.
  if (!ch.isIm) {
    if (!str(args, "recipient_team_id")) throw new SlackApiError("missing_recipient_team_id");
    if (!str(args, "recipient_user_id")) throw new SlackApiError("missing_recipient_user_id");
  }
  const recipient = str(args, "recipient_user_id");
  if (recipient && !core.ws.user(recipient)) throw new SlackApiError("user_not_found");
  const text = addedMarkdown(call, false);
  const m = core.ws.post({ channel: ch.id, user: caller.userId, text, blocks: streamed(text), threadTs, stream: { startedAt: Date.now() } });
  return { channel: ch.id, ts: m.ts };
};

/** The streaming message a call names, still open (message_not_found / message_not_in_streaming_state). */
function openStream(call: ApiCall): { channel: string; m: SandboxMessage } {
  const { core, args, caller } = call;
  const ch = channelArg(core.ws, args, caller.userId);
  const ts = str(args, "ts");
  if (!ts) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: ts"] });
  const m = core.ws.message(ch.id, ts);
  if (!m || m.visibleTo || m.tombstone) throw new SlackApiError("message_not_found");
  if (m.user !== caller.userId) throw new SlackApiError("cant_update_message");
  if (!m.stream || m.stream.stoppedAt !== undefined || Date.now() - m.stream.startedAt > STREAM_LIFETIME_MS) throw new SlackApiError("message_not_in_streaming_state");
  return { channel: ch.id, m };
}

const appendStream: ApiMethod = (call) => {
  const { channel, m } = openStream(call);
  const text = m.text + addedMarkdown(call, true);
  call.core.ws.update(channel, m.ts, { text, blocks: streamed(text) });
  return { channel, ts: m.ts };
};

const stopStream: ApiMethod = (call) => {
  const { core, args } = call;
  const { channel, m } = openStream(call);
  const text = m.text + addedMarkdown(call, false);
  const extra = args.blocks === undefined ? undefined : checkContent({ text: text || " ", blocks: args.blocks }).blocks;
  const metadata = args.metadata === undefined ? undefined : (jsonArg(args.metadata, "invalid_metadata_format") as Json | undefined);
  const stream = { ...(m.stream ?? { startedAt: Date.now() }), stoppedAt: Date.now() };
  const updated = core.ws.update(channel, m.ts, { text, blocks: streamed(text, extra ?? []), stream, ...(metadata ? { metadata } : {}) });
  return { channel, ts: m.ts, message: apiMessage(core.ws, updated, core.urls) };
};

export const streamMethods: Record<string, ApiMethod> = {
  "chat.startStream": startStream,
  "chat.appendStream": appendStream,
  "chat.stopStream": stopStream,
};
