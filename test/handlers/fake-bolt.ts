import type { App } from "@slack/bolt";

/**
 * A listener on its own, as Bolt's starter template tests them: a fake app that keeps what each
 * `app.command / event / message / action / view` registered, a fake `ack`, `respond` and `client`
 * that record what the listener did, in order.
 */
export type Listener = (args: Record<string, unknown>) => Promise<void>;

export interface FakeApp {
  app: App;
  /** Registered listeners by kind and id: `command:/aisre`, `event:app_mention`, `message`, `action:<id>`, `view:<callback_id>`; a RegExp id as its source text. */
  listeners: Map<string, Listener>;
  /** The listener for a key; `action:<id>` also finds one registered with a RegExp that matches the id. */
  get(key: string): Listener;
  /** What `app.assistant(…)` registered (Bolt's Assistant: its middleware takes the assistant events). */
  assistants: Array<{ getMiddleware(): (args: Record<string, unknown>) => Promise<void> }>;
}

export function fakeApp(): FakeApp {
  const listeners = new Map<string, Listener>();
  const patterns: Array<{ kind: string; re: RegExp; fn: Listener }> = [];
  const assistants: FakeApp["assistants"] = [];
  const on = (kind: string) => (id: unknown, fn?: Listener) => {
    if (typeof id === "function") listeners.set(kind, id as Listener);
    else if (fn && id instanceof RegExp) {
      listeners.set(`${kind}:${String(id)}`, fn);
      patterns.push({ kind, re: id, fn });
    } else if (fn) listeners.set(`${kind}:${String(id)}`, fn);
  };
  const app = {
    command: on("command"),
    event: on("event"),
    message: on("message"),
    action: on("action"),
    view: on("view"),
    assistant: (a: FakeApp["assistants"][number]) => void assistants.push(a),
  } as unknown as App;
  return {
    app,
    listeners,
    assistants,
    get(key) {
      const [kind = "", ...rest] = key.split(":");
      const id = rest.join(":");
      const l = listeners.get(key) ?? patterns.find((p) => p.kind === kind && p.re.test(id))?.fn;
      if (!l) throw new Error(`no listener ${key}; registered: ${[...listeners.keys()].join(", ")}`);
      return l;
    },
  };
}

/** What a listener did, in order: `ack`, `respond`, `client.<method>`. */
export interface Recorder {
  calls: string[];
  acks: unknown[];
  replies: Array<Record<string, unknown>>;
  /** Web API calls with their arguments. */
  api: Array<{ method: string; args: Record<string, unknown> }>;
  ack: (response?: unknown) => Promise<void>;
  respond: (msg: Record<string, unknown> | string) => Promise<void>;
  client: unknown;
}

/** `answers` gives a Web API method's answer (default `{ ok: true, ts: "<n>.000" }`). */
export function recorder(answers: Record<string, (args: Record<string, unknown>) => unknown> = {}): Recorder {
  const r: Recorder = {
    calls: [],
    acks: [],
    replies: [],
    api: [],
    ack: async (response?: unknown) => {
      r.calls.push("ack");
      r.acks.push(response);
    },
    respond: async (msg) => {
      r.calls.push("respond");
      r.replies.push(typeof msg === "string" ? { text: msg } : msg);
    },
    client: undefined,
  };
  const method = (name: string) => async (args: Record<string, unknown>) => {
    r.calls.push(`client.${name}`);
    r.api.push({ method: name, args });
    const answer = answers[name];
    return answer ? answer(args) : { ok: true, ts: `${r.api.length}.000` };
  };
  const group = (prefix: string, names: string[]) => Object.fromEntries(names.map((n) => [n, method(`${prefix}.${n}`)]));
  r.client = {
    chat: group("chat", ["postMessage", "update", "getPermalink", "postEphemeral", "unfurl"]),
    views: group("views", ["open", "update", "push", "publish"]),
    files: group("files", ["getUploadURLExternal", "completeUploadExternal"]),
    conversations: group("conversations", ["replies", "history"]),
    assistant: { threads: group("assistant.threads", ["setStatus", "setSuggestedPrompts", "setTitle"]) },
    /** web-api's streaming helper: `append` and `stop` are recorded as `chatStream.append` / `chatStream.stop`. */
    chatStream: (args: Record<string, unknown>) => {
      r.calls.push("client.chatStream");
      r.api.push({ method: "chatStream", args });
      return { append: method("chatStream.append"), stop: method("chatStream.stop") };
    },
  };
  return r;
}
