import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { App, HTTPReceiver, LogLevel } from "@slack/bolt";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "../../../src/sandbox/server.ts";

export const SIGNING_SECRET = "0123456789abcdef0123456789abcdef";
export const BOT_TOKEN = "xoxb-sandbox-test-token";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on a free port whose handler can be set later. */
export async function lateServer(): Promise<{ url: string; server: Server; setListener(l: Listener): void; close(): Promise<void> }> {
  let listener: Listener | undefined;
  const server = createServer((req, res) => {
    if (listener) return listener(req, res);
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    setListener: (l) => (listener = l),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Pair {
  sandbox: RunningSandbox;
  app: App;
  botUrl: string;
  close(): Promise<void>;
}

/**
 * The sandbox plus a real Bolt app over HTTPReceiver (the way the product runs), its WebClient
 * pointed at the sandbox's `/api/`. `setup` registers listeners.
 */
export async function startPair(setup: (app: App) => void, options: Partial<SandboxOptions> = {}): Promise<Pair> {
  const bot = await lateServer();
  const sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: `${bot.url}/slack/events`, timeFactor: 1000, watch: { settleMs: 300 }, ...options });
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: "/slack/events", logLevel: LogLevel.ERROR });
  const app = new App({ token: BOT_TOKEN, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: `${sandbox.url}/api/` } });
  setup(app);
  bot.setListener(receiver.requestListener);
  return {
    sandbox,
    app,
    botUrl: bot.url,
    async close() {
      await sandbox.close();
      await bot.close();
    },
  };
}

/** POSTs JSON to the sandbox's control API. */
export async function control(sandbox: RunningSandbox, path: string, body: unknown = {}, method = "POST"): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${sandbox.url}${path}`, { method, headers: { "content-type": "application/json" }, body: method === "GET" ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A @slack/logger-compatible logger that prints nothing (WebClient logs every platform error). */
export const quietLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel() {
    return "error" as never;
  },
  setName() {},
};
