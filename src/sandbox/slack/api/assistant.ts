import { SlackApiError } from "../errors.ts";
import type { AssistantThreadState } from "../types.ts";
import { str } from "./args.ts";
import type { ApiCall, ApiMethod } from "./router.ts";

/** Slack's limits on the assistant container (assistant.threads.* reference pages). */
export const ASSISTANT_LIMITS = { suggestedPrompts: 4, loadingMessages: 10 } as const;

function required(call: ApiCall, name: string): string {
  const v = str(call.args, name);
  if (v === undefined || v === "") throw new SlackApiError("invalid_arguments", { messages: [`[ERROR] missing required field: ${name}`] });
  return v;
}

/**
 * The thread a call names: bot tokens only, a channel the app is in, a thread that exists. Only the
 * status may be set on a thread in a channel (the AI loading state channel-based apps get with
 * `chat:write`, changelog 2026-03-05); prompts and titles belong to the assistant container.
 */
function threadOf(call: ApiCall, what: "status" | "container" = "container"): AssistantThreadState {
  const { core, caller } = call;
  if (!caller.isBot) throw new SlackApiError("not_allowed_token_type");
  const channelId = required(call, "channel_id");
  const threadTs = required(call, "thread_ts");
  const ch = core.ws.channel(channelId);
  if (!ch || !ch.members.has(caller.userId)) throw new SlackApiError("channel_not_found");
  const thread = what === "status" ? core.ws.channelThread(ch.id, threadTs) : core.ws.assistantThread(ch.id, threadTs);
  if (!thread || (what === "container" && thread.inChannel)) throw new SlackApiError("invalid_thread_ts", { extra: { detail: "Thread not found" } });
  return thread;
}

function arrayArg(call: ApiCall, name: string): unknown[] | undefined {
  const v = call.args[name];
  if (v === undefined || v === "") return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === "string") {
    try {
      const parsed = JSON.parse(v) as unknown;
      if (Array.isArray(parsed)) return parsed;
    } catch {
      /* fall through */
    }
  }
  throw new SlackApiError("invalid_arguments", { messages: [`[ERROR] ${name} must be an array`] });
}

const setStatus: ApiMethod = (call) => {
  const thread = threadOf(call, "status");
  // An empty status clears it; the argument itself is required.
  if (call.args.status === undefined) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: status"] });
  const status = str(call.args, "status") ?? "";
  const loading = (arrayArg(call, "loading_messages") ?? []).map(String);
  if (loading.length > ASSISTANT_LIMITS.loadingMessages) throw new SlackApiError("invalid_arguments", { messages: [`[ERROR] loading_messages: no more than ${ASSISTANT_LIMITS.loadingMessages} items`] });
  call.core.ws.setAssistantStatus(thread, status, loading);
  return {};
};

const setSuggestedPrompts: ApiMethod = (call) => {
  const thread = threadOf(call);
  const prompts = arrayArg(call, "prompts");
  if (!prompts) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: prompts"] });
  if (prompts.length > ASSISTANT_LIMITS.suggestedPrompts) throw new SlackApiError("invalid_arguments", { messages: [`[ERROR] prompts: no more than ${ASSISTANT_LIMITS.suggestedPrompts} items`] });
  const clean = prompts.map((p, i) => {
    const o = (typeof p === "object" && p !== null ? p : {}) as Record<string, unknown>;
    if (typeof o.title !== "string" || !o.title || typeof o.message !== "string" || !o.message) throw new SlackApiError("invalid_arguments", { messages: [`[ERROR] prompts[${i}] needs a title and a message`] });
    return { title: o.title, message: o.message };
  });
  const title = str(call.args, "title");
  call.core.ws.setSuggestedPrompts(thread, { ...(title ? { title } : {}), prompts: clean });
  return {};
};

const setTitle: ApiMethod = (call) => {
  const thread = threadOf(call);
  call.core.ws.setAssistantTitle(thread, required(call, "title"));
  return {};
};

export const assistantMethods: Record<string, ApiMethod> = {
  "assistant.threads.setStatus": setStatus,
  "assistant.threads.setSuggestedPrompts": setSuggestedPrompts,
  "assistant.threads.setTitle": setTitle,
};
