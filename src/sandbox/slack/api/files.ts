import { SlackApiError } from "../errors.ts";
import { checkContent } from "../message-content.ts";
import { apiFile } from "../message-shape.ts";
import { channelArg, int, requireMember, str } from "./args.ts";
import { threadParent } from "./chat.ts";
import type { ApiMethod } from "./router.ts";

const getUploadURLExternal: ApiMethod = ({ core, args, caller }) => {
  const filename = str(args, "filename");
  if (!filename) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: filename"] });
  const length = int(args, "length", -1);
  if (length < 0) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: length"] });
  if (length > 1024 * 1024 * 1024) throw new SlackApiError("file_size_exceeded");
  const f = core.ws.createFile({ name: filename, length, user: caller.userId, altText: str(args, "alt_text") });
  return { upload_url: `${core.urls.baseUrl()}/upload/v1/${f.uploadKey}`, file_id: f.id };
};

const completeUploadExternal: ApiMethod = ({ core, args, caller }) => {
  let files: Array<{ id?: string; title?: string }>;
  try {
    files = typeof args.files === "string" ? JSON.parse(args.files) : (args.files as typeof files);
  } catch {
    throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] files must be a JSON array"] });
  }
  if (!Array.isArray(files) || !files.length) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: files"] });
  const found = files.map((x) => {
    const f = x?.id ? core.ws.file(x.id) : undefined;
    if (!f || f.user !== caller.userId || f.completed || !f.data) throw new SlackApiError("file_not_found");
    return { f, title: x.title };
  });
  const channelId = str(args, "channel_id") ?? str(args, "channels")?.split(",")[0];
  let channel;
  let threadTs: string | undefined;
  let comment: ReturnType<typeof checkContent> | undefined;
  if (channelId) {
    channel = channelArg(core.ws, { channel: channelId }, caller.userId);
    requireMember(channel, caller.userId);
    threadTs = threadParent(core.ws, channel, str(args, "thread_ts"));
    comment = checkContent({ text: args.initial_comment, blocks: args.blocks }, { requireContent: false });
  }
  for (const { f, title } of found) {
    f.completed = true;
    if (title) f.title = title;
    if (channel) f.channels.push(channel.id);
  }
  if (channel) {
    core.ws.post({
      channel: channel.id,
      user: caller.userId,
      text: comment?.text ?? "",
      blocks: comment?.blocks?.length ? comment.blocks : undefined,
      files: found.map((x) => x.f.id),
      threadTs,
    });
  }
  return { files: found.map(({ f }) => ({ id: f.id, title: f.title })) };
};

const info: ApiMethod = ({ core, args }) => {
  const f = core.ws.file(str(args, "file") ?? "");
  if (!f?.completed) throw new SlackApiError("file_not_found");
  return { file: apiFile(core.ws, f, core.urls), comments: [], response_metadata: { next_cursor: "" } };
};

export const fileMethods: Record<string, ApiMethod> = {
  "files.getUploadURLExternal": getUploadURLExternal,
  "files.completeUploadExternal": completeUploadExternal,
  "files.info": info,
};
