import type { SlackPort } from "../../integrations/slack/slack-port.ts";

/**
 * Uploads a file into a thread with Slack's external upload flow: files.getUploadURLExternal
 * (name and length) → POST the bytes to the returned upload_url → files.completeUploadExternal
 * with channel_id and thread_ts (and an initial comment). Returns the file id.
 */
export interface UploadRequest {
  channel: string;
  threadTs: string;
  filename: string;
  bytes: Uint8Array;
  title?: string;
  altText?: string;
  initialComment?: string;
}

export class UploadError extends Error {
  readonly transient: boolean;
  readonly retryAfterMs?: number;
  constructor(message: string, transient: boolean, retryAfterMs?: number) {
    super(message);
    this.name = "UploadError";
    this.transient = transient;
    this.retryAfterMs = retryAfterMs;
  }
}

export async function uploadToThread(slack: SlackPort, req: UploadRequest, fetchImpl: typeof fetch = fetch): Promise<string> {
  const start = await slack.call("files.getUploadURLExternal", { filename: req.filename, length: req.bytes.byteLength, ...(req.altText ? { alt_text: req.altText.slice(0, 1000) } : {}) });
  if (!start.ok) throw new UploadError(`files.getUploadURLExternal: ${start.error.code}`, start.error.transient, start.error.retryAfterMs);
  const uploadUrl = start.data.upload_url;
  const fileId = start.data.file_id;
  if (typeof uploadUrl !== "string" || typeof fileId !== "string") throw new UploadError("files.getUploadURLExternal: no upload_url or file_id", false);
  let res: Response;
  try {
    res = await fetchImpl(uploadUrl, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: new Blob([req.bytes as Uint8Array<ArrayBuffer>]), signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new UploadError(`upload POST failed: ${(e as Error).message}`, true);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new UploadError(`upload POST answered HTTP ${res.status}`, res.status >= 500 || res.status === 429);
  const done = await slack.call("files.completeUploadExternal", {
    files: JSON.stringify([{ id: fileId, title: req.title ?? req.filename }]),
    channel_id: req.channel,
    thread_ts: req.threadTs,
    ...(req.initialComment ? { initial_comment: req.initialComment.slice(0, 3000) } : {}),
  });
  if (!done.ok) throw new UploadError(`files.completeUploadExternal: ${done.error.code}`, done.error.transient, done.error.retryAfterMs);
  return fileId;
}
