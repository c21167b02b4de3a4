import type { ServerResponse } from "node:http";
import { Router, sendJson, type RouteRequest } from "../http/router.ts";
import type { SlackSandbox } from "./slack/index.ts";
import { visibleMessage } from "./slack/message-shape.ts";
import type { AssistantThreadState, Json } from "./slack/types.ts";
import { ActionError } from "./slack/user-actions.ts";

type Obj = Record<string, unknown>;

/** How long a call waits, at most, for a reply the app is still streaming (after the usual watch). */
const STREAM_WAIT_MS = 15_000;

function body(req: RouteRequest): Obj {
  const text = req.body.toString("utf8").trim();
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Obj;
  } catch {
    /* fall through */
  }
  throw new ActionError(400, "invalid_json", "the body must be a JSON object");
}

function optional(b: Obj, field: string): string | undefined {
  const v = b[field];
  return typeof v === "string" && v ? v : undefined;
}

function fail(res: ServerResponse, e: unknown): void {
  if (e instanceof ActionError) return sendJson(res, e.status, { ok: false, error: e.code, detail: e.message });
  throw e;
}

/**
 * The assistant container in the control API (contract in docs/sandbox.md):
 * - `POST /sandbox/users/<user>/assistant {text, thread_ts?, channel?}`: asks in a thread (a new one
 *   when `thread_ts` is absent; `channel` is what the person is looking at, sent as context) and
 *   answers `{channel, thread_ts, messages, suggested_prompts, status, title}` once the app is done.
 * - `POST /sandbox/users/<user>/assistant/threads {channel?}`: opens the container (a new thread).
 * - `POST /sandbox/users/<user>/assistant/context {thread_ts, channel}`: looks at another channel.
 * - `GET /sandbox/users/<user>/assistant`: the person's threads (what the page shows).
 */
export function assistantRoutes(slack: SlackSandbox): Router {
  const ws = slack.workspace;
  const urls = slack.core.urls;

  function threadJson(t: AssistantThreadState): Json {
    const live = ws.assistantThread(t.channel, t.threadTs) ?? t;
    const root = ws.message(t.channel, t.threadTs);
    const replies = ws.replies(t.channel, t.threadTs, t.user);
    return {
      channel: t.channel,
      thread_ts: t.threadTs,
      title: root?.assistantThread?.title ?? "",
      context: root?.assistantThread?.context ?? {},
      status: live.status,
      loading_messages: live.loadingMessages,
      suggested_prompts: live.suggestedPrompts ?? null,
      messages: replies.filter((m) => m.user !== t.user).map((m) => visibleMessage(ws, m, urls)),
      conversation: replies.map((m) => visibleMessage(ws, m, urls)),
    };
  }

  /** Waits for what the app does in answer (the watch), then for a stream it is still writing. */
  async function settle(user: string, run: () => AssistantThreadState): Promise<AssistantThreadState> {
    const watch = slack.watch(user);
    let t: AssistantThreadState;
    try {
      t = run();
    } catch (e) {
      watch.cancel();
      throw e;
    }
    await watch.result();
    const deadline = Date.now() + STREAM_WAIT_MS;
    while (slack.assistant.working(t) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return t;
  }

  return new Router()
    .add("POST", "/sandbox/users/:user/assistant", async (req, res) => {
      try {
        const b = body(req);
        const text = optional(b, "text");
        if (!text) throw new ActionError(400, "invalid_arguments", 'missing field "text"');
        const user = slack.actions.person(req.params.user).id;
        const threadTs = optional(b, "thread_ts");
        const viewing = optional(b, "channel");
        let t = threadTs ? slack.assistant.thread(user, threadTs) : await settle(user, () => slack.assistant.startThread(user, viewing));
        if (threadTs && viewing) slack.assistant.changeContext(user, t.threadTs, viewing);
        t = await settle(user, () => {
          slack.assistant.ask(user, t.threadTs, text);
          return t;
        });
        sendJson(res, 200, { ok: true, ...threadJson(t) });
      } catch (e) {
        fail(res, e);
      }
    })
    .add("POST", "/sandbox/users/:user/assistant/threads", async (req, res) => {
      try {
        const b = body(req);
        const user = slack.actions.person(req.params.user).id;
        const t = await settle(user, () => slack.assistant.startThread(user, optional(b, "channel")));
        sendJson(res, 200, { ok: true, ...threadJson(t) });
      } catch (e) {
        fail(res, e);
      }
    })
    .add("POST", "/sandbox/users/:user/assistant/context", async (req, res) => {
      try {
        const b = body(req);
        const threadTs = optional(b, "thread_ts");
        const channel = optional(b, "channel");
        if (!threadTs || !channel) throw new ActionError(400, "invalid_arguments", 'fields "thread_ts" and "channel" are required');
        const user = slack.actions.person(req.params.user).id;
        const t = await settle(user, () => slack.assistant.changeContext(user, threadTs, channel));
        sendJson(res, 200, { ok: true, ...threadJson(t) });
      } catch (e) {
        fail(res, e);
      }
    })
    .add("GET", "/sandbox/users/:user/assistant", (req, res) => {
      try {
        const user = slack.actions.person(req.params.user).id;
        const threads = ws.assistantThreadsOf(user).sort((a, b) => Number(b.threadTs) - Number(a.threadTs));
        sendJson(res, 200, { ok: true, channel: threads[0]?.channel ?? null, threads: threads.map(threadJson) });
      } catch (e) {
        fail(res, e);
      }
    });
}
