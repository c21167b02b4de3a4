import { REFERENCE_START } from "../../src/sandbox/sim/reference-start.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAisre, type RunningAisre } from "../../handlers/app.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger, type Logger } from "../../src/log.ts";

export interface SlackMessageShape {
  ts: string;
  text?: string;
  user?: string;
  bot_id?: string;
  thread_ts?: string;
  blocks?: Array<Record<string, unknown>>;
  reply_count?: number;
  [key: string]: unknown;
}

export interface TestAisre {
  aisre: RunningAisre;
  botUrl: string;
  sandboxUrl: string;
  /** Acts as a user through the sandbox control API; returns the messages that user saw. */
  command(user: string, channel: string, text: string, command?: string): Promise<SlackMessageShape[]>;
  message(user: string, channel: string, text: string, threadTs?: string): Promise<SlackMessageShape[]>;
  click(user: string, channel: string, ts: string, actionId: string, value?: string): Promise<SlackMessageShape[]>;
  state(): Promise<Record<string, unknown>>;
  /** The modals open for a user (top last). */
  views(user: string): Promise<Array<{ id: string; callback_id?: string; title?: { text: string }; blocks?: unknown[] }>>;
  submitView(user: string, viewId: string, values: Record<string, unknown>): Promise<SlackMessageShape[]>;
  /** conversations.history / replies through the emulated Slack Web API. */
  history(channel: string, opts?: { includeAllMetadata?: boolean }): Promise<SlackMessageShape[]>;
  replies(channel: string, ts: string, opts?: { includeAllMetadata?: boolean }): Promise<SlackMessageShape[]>;
  channelId(name: string): Promise<string>;
  postWebhook(source: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** The whole product on the embedded default, on free ports, in a fresh data folder. */
export async function startTestAisre(options: { env?: Record<string, string>; logger?: Logger } = {}): Promise<TestAisre> {
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-test-"));
  const config = loadConfig({ PORT: "0", SANDBOX_PORT: "0", HOST: "127.0.0.1", AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent", SIM_START: REFERENCE_START, ...options.env });
  const aisre = await startAisre(config, { logger: options.logger ?? silentLogger });
  // Fully started, as the tests that use it expect: the simulation's history and the first topology in
  // place (left until after ready; test/foundation/readiness.test.ts covers a delivery before them).
  await aisre.warm;
  const sandboxUrl = aisre.sandbox!.url;
  const botToken = config.slack.botToken;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${sandboxUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = (await res.json()) as { messages?: SlackMessageShape[]; error?: string };
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json.messages ?? [];
  };
  const api = async (method: string, args: Record<string, string>) => {
    const res = await fetch(`${sandboxUrl}/api/${method}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${aisre.sandbox!.botToken ?? botToken}` }, body: new URLSearchParams(args) });
    return (await res.json()) as Record<string, unknown>;
  };
  const t: TestAisre = {
    aisre,
    botUrl: aisre.url,
    sandboxUrl,
    command: (user, channel, text, command = "/aisre") => post(`/sandbox/users/${user}/commands`, { channel, command, text }),
    message: (user, channel, text, threadTs) => post(`/sandbox/users/${user}/messages`, { channel, text, thread_ts: threadTs }),
    click: (user, channel, ts, actionId, value) => post(`/sandbox/users/${user}/clicks`, { channel, ts, action_id: actionId, value }),
    state: async () => (await (await fetch(`${sandboxUrl}/sandbox/state`)).json()) as Record<string, unknown>,
    views: async (user) => ((await (await fetch(`${sandboxUrl}/sandbox/workspace?user=${user}`)).json()) as { views: Array<{ id: string }> }).views,
    submitView: (user, viewId, values) => post(`/sandbox/users/${user}/views/${viewId}/submit`, { values }),
    async channelId(name) {
      const r = await api("conversations.list", { limit: "200" });
      const c = (r.channels as Array<{ id: string; name: string }>).find((x) => x.name === name.replace(/^#/, ""));
      if (!c) throw new Error(`no channel ${name}`);
      return c.id;
    },
    async history(channel, opts = {}) {
      const id = channel.startsWith("#") ? await t.channelId(channel) : channel;
      return ((await api("conversations.history", { channel: id, limit: "200", ...(opts.includeAllMetadata ? { include_all_metadata: "true" } : {}) })).messages as SlackMessageShape[]) ?? [];
    },
    async replies(channel, ts, opts = {}) {
      const id = channel.startsWith("#") ? await t.channelId(channel) : channel;
      return ((await api("conversations.replies", { channel: id, ts, limit: "200", ...(opts.includeAllMetadata ? { include_all_metadata: "true" } : {}) })).messages as SlackMessageShape[]) ?? [];
    },
    postWebhook: (source, body, headers = {}) => fetch(`${aisre.url}/webhooks/${source}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) }),
    close: () => aisre.close(),
  };
  return t;
}

export { eventually } from "./eventually.ts";
