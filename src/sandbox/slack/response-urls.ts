import { SlackApiError } from "./errors.ts";
import { randomHex } from "./ids.ts";
import { checkContent } from "./message-content.ts";
import type { Json } from "./types.ts";
import type { SlackWorkspace } from "./workspace.ts";

/** Where a response goes: the user and channel of the command or click, and the message clicked. */
export interface ResponseContext {
  user: string;
  channel: string;
  /** The message the interaction came from (block_actions), or the last one this URL posted. */
  originalTs?: string;
  threadTs?: string;
}

interface Hook extends ResponseContext {
  created: number;
  uses: number;
}

/** A response_url works 5 times within 30 minutes. */
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60_000;

export type ResponseOutcome = { ok: true; ts?: string } | { ok: false; status: number; error: string; extra?: Json };

/**
 * Applies a message response (a response_url POST or a command's immediate ack body) as Slack does:
 * `delete_original`, `replace_original` (the clicked message, ephemeral or not), or a new message:
 * `response_type: "in_channel"` for everyone, `"ephemeral"` (the default) for the user only.
 */
export function applyResponse(ws: SlackWorkspace, ctx: ResponseContext, body: Json): ResponseOutcome {
  try {
    const truthy = (v: unknown) => v === true || v === "true";
    const original = ctx.originalTs ? ws.message(ctx.channel, ctx.originalTs) : undefined;
    if (truthy(body.delete_original)) {
      if (!original) return { ok: false, status: 404, error: "message_not_found" };
      ws.delete(ctx.channel, original.ts);
      ctx.originalTs = undefined;
      return { ok: true };
    }
    const content = checkContent(body);
    if (truthy(body.replace_original) && original) {
      ws.update(ctx.channel, original.ts, { text: content.text, blocks: content.blocks?.length ? content.blocks : undefined, attachments: content.attachments?.length ? content.attachments : undefined });
      return { ok: true, ts: original.ts };
    }
    const inChannel = body.response_type === "in_channel";
    const threadTs = typeof body.thread_ts === "string" && body.thread_ts ? body.thread_ts : ctx.threadTs;
    const m = ws.post({
      channel: ctx.channel,
      user: ws.botUserId,
      text: content.text,
      blocks: content.blocks?.length ? content.blocks : undefined,
      attachments: content.attachments?.length ? content.attachments : undefined,
      threadTs,
      visibleTo: inChannel ? undefined : ctx.user,
      // Posted as the app in the workspace the command or click came from (its channel's).
      ...(ws.channel(ctx.channel)?.team ? { team: ws.channel(ctx.channel)?.team } : {}),
    });
    ctx.originalTs = m.ts;
    return { ok: true, ts: m.ts };
  } catch (e) {
    if (e instanceof SlackApiError) return { ok: false, status: 400, error: e.code, extra: e.extra };
    throw e;
  }
}

/** The response_urls handed out with commands and block_actions. */
export class ResponseUrls {
  private readonly hooks = new Map<string, Hook>();
  private readonly ws: SlackWorkspace;
  private readonly baseUrl: () => string;
  private readonly ttlMs: number;
  constructor(options: { workspace: SlackWorkspace; baseUrl: () => string; ttlMs?: number }) {
    this.ws = options.workspace;
    this.baseUrl = options.baseUrl;
    this.ttlMs = options.ttlMs ?? RESPONSE_URL_TTL_MS;
  }

  create(ctx: ResponseContext, kind: "commands" | "actions"): { url: string; context: ResponseContext } {
    const id = `${this.ws.teamOf(ctx.channel)}/${Math.floor(Math.random() * 1e13)}/${randomHex(12)}`;
    const hook: Hook = { ...ctx, created: Date.now(), uses: 0 };
    this.hooks.set(`${kind}/${id}`, hook);
    return { url: `${this.baseUrl()}/hooks/${kind}/${id}`, context: hook };
  }

  /** Handles a POST to a response_url path (`commands/T…/…/…`). */
  handle(path: string, body: Json): ResponseOutcome {
    const hook = this.hooks.get(path);
    if (!hook) return { ok: false, status: 404, error: "no_active_hooks" };
    if (Date.now() - hook.created > this.ttlMs) return { ok: false, status: 404, error: "expired_url" };
    if (hook.uses >= RESPONSE_URL_USES) return { ok: false, status: 404, error: "used_url" };
    hook.uses++;
    return applyResponse(this.ws, hook, body);
  }
}
