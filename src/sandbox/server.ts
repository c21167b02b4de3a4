import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Router, sendJson, sendText } from "../http/router.ts";
import { silentLogger, type Logger } from "../log.ts";
import { assistantRoutes } from "./assistant-routes.ts";
import { controlRoutes } from "./control.ts";
import { FaultSwitch } from "./faults.ts";
import type { SandboxPart, ScenarioControl } from "./part.ts";
import type { WatchOptions } from "./slack/action-watch.ts";
import { createSlackSandbox, type SlackSandbox } from "./slack/index.ts";
import type { SlackWorkspace } from "./slack/workspace.ts";

export interface SandboxOptions {
  port: number;
  host?: string;
  signingSecret: string;
  botToken: string;
  botUserId?: string;
  /** The bot's `/slack/events` URL: events, slash commands and interactivity all go there. */
  eventsUrl: string;
  /** Simulated seconds per real second (SIM_SPEED): divides Slack's event retry intervals. */
  timeFactor?: number;
  parts?: SandboxPart[];
  scenarios?: ScenarioControl;
  logger?: Logger;
  /** Slash commands the app registered (default `/aisre`). */
  commands?: string[];
  /** Socket Mode: the app-level token the app connects with (deliveries then go over its WebSocket). */
  appToken?: string;
  /** OAuth v2 installs: the app's client id/secret and token rotation (oauth.v2.access, /oauth/v2/authorize). */
  oauth?: import("./slack/oauth.ts").OAuthApp;
  /** Domains the app registered for unfurls (manifest.yml `unfurl_domains`); default: the events URL's host. */
  unfurlDomains?: string[];
  /** How long a user action waits for the bot (default: quiet for 1 s, at most 5 s). */
  watch?: Partial<WatchOptions>;
  /** chat.update's limit per workspace (default Slack's Tier 3); tests lower it. */
  updateRate?: { perSecond: number; burst: number };
  /** Bot events the app subscribes to (default manifest.yml's). */
  botEvents?: string[];
  /**
   * The time message ts follow: the simulation's when one runs, so the page stamps messages with
   * the time their content speaks of (default the wall clock).
   */
  now?: () => number;
  /** The app's Home tab is enabled (manifest `features.app_home.home_tab_enabled`; default true). */
  homeTabEnabled?: boolean;
}

export interface RunningSandbox {
  /** Base URL, e.g. `http://127.0.0.1:3001` (the Web API is at `${url}/api/`). */
  url: string;
  workspace: SlackWorkspace;
  /** The fault switch (`/sandbox/faults`): makes the Slack, Jira or PagerDuty twin fail for a while. */
  faults: FaultSwitch;
  /** The Slack part: user actions, user tokens, delivery log. */
  slack: SlackSandbox;
  /** Sends Slack's `url_verification` to the events URL; true when the app echoes the challenge. */
  verifyEventsUrl(): Promise<boolean>;
  close(): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL("./web/", import.meta.url));
const WEB_TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", svg: "image/svg+xml" };

function pageRoutes(): Router {
  const serve = async (name: string, res: import("node:http").ServerResponse) => {
    if (!/^[a-z0-9-]+\.(html|js|css|svg)$/.test(name)) return sendText(res, 404, "not found");
    try {
      const data = await readFile(`${WEB_DIR}${name}`);
      sendText(res, 200, data, WEB_TYPES[name.split(".").pop()!], { "cache-control": "no-cache" });
    } catch {
      sendText(res, 404, "not found");
    }
  };
  return new Router()
    .add("GET", "/", (_req, res) => serve("index.html", res))
    .add("GET", "/archives/*rest", (_req, res) => serve("index.html", res))
    .add("GET", "/web/:file", (req, res) => serve(req.params.file, res))
    .add("GET", "/favicon.ico", (_req, res) => {
      res.writeHead(204);
      res.end();
    });
}

/**
 * Starts the local sandbox on one port: the Slack-like web page at `/`, the Slack Web API at
 * `/api/<method>`, response_urls and uploads, the control API under `/sandbox/`, and every part's
 * routes (`/k8s`, `/jira`, …). Port 0 picks a free port.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const logger = options.logger ?? silentLogger;
  const parts = options.parts ?? [];
  let baseUrl = "";
  const slack = createSlackSandbox({
    signingSecret: options.signingSecret,
    botToken: options.botToken,
    botUserId: options.botUserId,
    eventsUrl: options.eventsUrl,
    timeFactor: options.timeFactor,
    commands: options.commands,
    unfurlDomains: options.unfurlDomains ?? [new URL(options.eventsUrl).hostname],
    ...(options.appToken ? { appToken: options.appToken } : {}),
    ...(options.oauth ? { oauth: options.oauth } : {}),
    watch: options.watch,
    ...(options.updateRate ? { updateRate: options.updateRate } : {}),
    ...(options.botEvents ? { botEvents: options.botEvents } : {}),
    ...(options.homeTabEnabled !== undefined ? { homeTabEnabled: options.homeTabEnabled } : {}),
    baseUrl: () => baseUrl,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const control = controlRoutes({ slack, parts, scenarios: options.scenarios });
  const faults = new FaultSwitch();
  const routers: Router[] = [pageRoutes(), faults.router(), ...slack.routers, control.router, assistantRoutes(slack), ...parts.map((p) => p.router)];

  const server: Server = createServer((req, res) => {
    if (faults.intercept(req, res)) return;
    void (async () => {
      for (const r of routers) if (await r.handle(req, res)) return;
      sendJson(res, 404, { ok: false, error: "not_found", detail: `no route for ${req.method} ${(req.url ?? "/").split("?")[0]}` });
    })().catch((e: unknown) => {
      logger.error({ err: e, url: req.url }, "sandbox request failed");
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: "internal_error" });
      else res.end();
    });
  });
  // Socket Mode's WebSocket (the URL apps.connections.open hands out).
  server.on("upgrade", (req, socket) => {
    if (!slack.core.socketMode?.upgrade(req, socket)) socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = !options.host || options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host.includes(":") ? `[${options.host}]` : options.host;
  baseUrl = `http://${host}:${address.port}`;
  logger.info({ url: baseUrl }, "sandbox Slack workspace is up");

  let closed = false;
  return {
    url: baseUrl,
    workspace: slack.workspace,
    faults,
    slack,
    verifyEventsUrl: () => slack.core.delivery.verifyUrl(slack.core.verificationToken),
    async close() {
      if (closed) return;
      closed = true;
      control.close();
      faults.clear();
      slack.close();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}
