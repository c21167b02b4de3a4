import { SlackApiError } from "./errors.ts";
import { LIMITS } from "./limits.ts";
import type { Json } from "./types.ts";
import { describeIssues, normalizeBlocks, validateBlocks } from "./validate-blocks.ts";

/** Content as given: `blocks`/`attachments` undefined when not passed, `[]` when passed empty (chat.update removes them). */
export interface MessageContent {
  text: string;
  blocks?: Json[];
  attachments?: Json[];
}

/** Parses a JSON-or-already-parsed argument (form bodies carry blocks as JSON strings). */
export function jsonArg(value: unknown, formatError: string): unknown {
  if (typeof value !== "string") return value;
  if (value.trim() === "") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackApiError(formatError);
  }
}

/**
 * Checks a message's text, blocks and attachments as chat.postMessage/update do: `no_text`,
 * `msg_too_long` (over 40,000 characters), `invalid_blocks_format`, `invalid_blocks` (with Slack's
 * `errors` and `response_metadata.messages`), `too_many_attachments`.
 */
export function checkContent(args: { text?: unknown; blocks?: unknown; attachments?: unknown }, options: { requireContent?: boolean } = {}): MessageContent {
  const blocks = jsonArg(args.blocks, "invalid_blocks_format");
  const attachments = jsonArg(args.attachments, "invalid_attachments");
  const text = args.text === undefined || args.text === null ? "" : String(args.text);
  const hasBlocks = Array.isArray(blocks) ? blocks.length > 0 : blocks !== undefined;
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  if ((options.requireContent ?? true) && !text && !hasBlocks && !hasAttachments) throw new SlackApiError("no_text");
  if (text.length > LIMITS.messageText) throw new SlackApiError("msg_too_long");
  if (blocks !== undefined) {
    const issues = validateBlocks(blocks, { root: "/blocks", surface: "message" });
    if (issues.length) {
      const d = describeIssues(issues);
      throw new SlackApiError("invalid_blocks", { extra: { errors: d.errors }, messages: d.messages });
    }
  }
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) throw new SlackApiError("invalid_attachments");
    if (attachments.length > 100) throw new SlackApiError("too_many_attachments");
  }
  return {
    text,
    blocks: Array.isArray(blocks) ? normalizeBlocks(blocks as Json[]) : undefined,
    attachments: Array.isArray(attachments) ? (attachments as Json[]) : undefined,
  };
}
