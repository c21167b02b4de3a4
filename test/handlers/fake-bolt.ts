import type { App } from "@slack/bolt";

/**
 * A listener on its own, as Bolt's starter template tests them: a fake app that keeps what each
 * `app.command / event / message / action / view` registered, a fake `ack`, `respond` and `client`
 * that record what the listener did, in order.
 */
export type Listener = (args: Record<string, unknown>) => Promise<void>;

export interface FakeApp {
  app: App;
  /** Registered listeners by kind and id: `command:/aisre`, `event:app_mention`, `message`, `action:<id>`, `view:<callback_id>`. */
  listeners: Map<string, Listener>;
  get(key: string): Listener;
}

export function fakeApp(): FakeApp {
  const listeners = new Map<string, Listener>();
  const on = (kind: string) => (id: unknown, fn?: Listener) => {
    if (typeof id === "function") listeners.set(kind, id as Listener);
    else if (fn) listeners.set(`${kind}:${String(id)}`, fn);
  };
  const app = { command: on("command"), event: on("event"), message: on("message"), action: on("action"), view: on("view") } as unknown as App;
  return {
    app,
    listeners,
    get(key) {
      const l = listeners.get(key);
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
    chat: group("chat", ["postMessage", "update", "getPermalink", "postEphemeral"]),
    views: group("views", ["open", "update", "push", "publish"]),
    files: group("files", ["getUploadURLExternal", "completeUploadExternal"]),
  };
  return r;
}
