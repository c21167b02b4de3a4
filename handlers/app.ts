import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { App as BoltApp, Installation } from "@slack/bolt";
import { App, HTTPReceiver, SocketModeReceiver } from "./bolt.ts";
import { buildServices, openServiceDb, type Services } from "../src/app/services.ts";
import type { Config } from "../src/config.ts";
import type { Db } from "../src/store/db.ts";
import type { Router } from "../src/http/router.ts";
import { requestUrl, sendJson } from "../src/http/router.ts";
import { createLogger, type Logger } from "../src/log.ts";
import { blockKitPresenters } from "../blocks/presenters.ts";
import { webhookRoutes } from "../src/webhooks/routes.ts";
import { DoorWorker } from "../src/webhooks/door-worker.ts";
import { topologyRoutes } from "../src/topology/routes.ts";
import { NAMESPACE as SIM_NAMESPACE } from "../src/sandbox/sim/catalog.ts";
import type { LocalSandbox } from "../src/sandbox/start.ts";
import { connectSandbox, type RemoteSandbox } from "../src/sandbox/remote.ts";
import { boltLogger } from "./bolt-logger.ts";
import { storeInstallationStore } from "./installation-store.ts";
import { opsRoutes } from "./http-routes.ts";
import { registerListeners, type ListenerOptions } from "./index.ts";
import { slackTimestampProblem } from "../src/integrations/slack/request-window.ts";

/** Bolt's OAuth v2 routes (the manifest's redirect URL ends with the second). */
export const OAUTH_PATHS = { install: "/slack/install", redirect: "/slack/oauth_redirect" } as const;

/** The channel a Slack request is about (an event's, a command's, an interaction's), when it names one. */
function channelOfBody(body: unknown): string | undefined {
  const b = body as { event?: { channel?: unknown; item?: { channel?: unknown } }; channel_id?: unknown; channel?: { id?: unknown } } | undefined;
  const c = b?.event?.channel ?? b?.event?.item?.channel ?? b?.channel_id ?? b?.channel?.id;
  return typeof c === "string" && /^[CG][A-Z0-9]+$/.test(c) ? c : undefined;
}

export interface RunningAisre {
  /** Base URL of the bot's HTTP server. */
  url: string;
  sandbox?: LocalSandbox;
  services: Services;
  app: BoltApp;
  /**
   * Resolves once what was left until after ready is done: the simulation's history generated and
   * the first topology in place (processing of deliveries waits for it; their intake does not).
   */
  warm: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the bot: services, the HTTP server (Slack events, webhooks, health, metrics), the local
 * sandbox for every part not configured for real, then the Bolt app on top.
 */
export async function startAisre(
  config: Config,
  options: {
    logger?: Logger;
    listeners?: ListenerOptions;
    extraRoutes?: (s: Services) => Router[];
    /** The database, already being opened by the entry point (openServiceDb, started before the imports); opened here when absent. */
    db?: Promise<Db>;
    /** Start-up phases (seconds since the process started) so far; this adds its own and logs them all with "aisre is up". */
    phases?: Record<string, number>;
    /** How long to wait for the shared sandbox (AISRE_SANDBOX_URL) to answer at start (default 60 s). */
    sandboxWaitMs?: number;
  } = {},
): Promise<RunningAisre> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const state = { draining: false, inFlight: 0 };
  let slackListener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let routers: Router[] = [];
  let services: Services | undefined;

  // The server listens first (its port goes into the sandbox's delivery URLs); until the services
  // are built it answers 503 and /healthz only.
  const server: Server = createServer((req, res) => {
    state.inFlight++;
    res.on("close", () => state.inFlight--);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/healthz") return sendJson(res, 200, { ok: true });
    if (!services || state.draining) {
      // The body is read (and dropped) so that the connection stays usable: a sender's next request on
      // it (a retry once ready) is not met by a reset.
      req.resume();
      return sendJson(res, 503, { error: state.draining ? "shutting_down" : "starting" }, { "retry-after": "5" });
    }
    services.metrics.httpRequests.inc({ route: path.startsWith("/webhooks/") ? "/webhooks" : path });
    if (oauth && (path === OAUTH_PATHS.install || path === OAUTH_PATHS.redirect)) {
      if (!slackListener) return sendJson(res, 503, { error: "not_ready" });
      return slackListener(req, res);
    }
    if (path === "/slack/events") {
      if (!slackListener) return sendJson(res, 503, { error: "not_ready" });
      // Signed requests: the transport's wall clock, ±5 minutes (Bolt then checks the signature).
      const stale = slackTimestampProblem(req.headers["x-slack-request-timestamp"], Math.floor(Date.now() / 1000));
      if (stale) {
        logger.warn({ reason: stale }, "Slack request refused");
        req.resume();
        return sendJson(res, 401, { error: "stale_request", detail: stale });
      }
      return slackListener(req, res);
    }
    void (async () => {
      const url = requestUrl(req);
      for (const r of routers) if (await r.handle(req, res, url)) return;
      sendJson(res, 404, { error: "not_found", detail: `no route for ${req.method} ${path}` });
    })().catch((e: unknown) => {
      logger.error({ err: e, path }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal" });
    });
  });
  // A kept-alive connection outlives the 503's Retry-After (5 s) by far: at Node's default (5 s) a
  // sender's retry on the connection of its refused request raced the server closing it as idle,
  // and met a reset (readiness.test.ts, load 13-35 on 2 cores: GET /readyz on the connection of the
  // early POST, read ECONNRESET, on main as on this branch).
  server.keepAliveTimeout = 30_000;
  // The webhook door has a thread of its own (door-thread.ts): it owns the public port, makes webhooks
  // durable (the embedded store's door journal; on Postgres, the deliveries table) and answers them,
  // and passes what it does not answer to this server, on a loopback port.
  const doorThread = config.env.AISRE_DOOR_THREAD !== false;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Longer than the door thread's idle connections live (30 s): it closes them, never this server mid-request.
    if (doorThread) server.keepAliveTimeout = 120_000;
    if (doorThread) server.listen(0, "127.0.0.1", resolve);
    else server.listen(config.port, config.host, resolve);
  });
  const phases = options.phases ?? {};
  const phase = (name: string) => (phases[name] = Math.round(process.uptime() * 1000));
  let door: DoorWorker | undefined;
  const doorStarting = doorThread
    ? DoorWorker.start({
        port: config.port,
        host: config.host,
        upstreamPort: (server.address() as AddressInfo).port,
        logger,
        onEntries: (entries) => services?.intake.adopt(entries, door!),
        onStored: (entries) => {
          services?.intake.adoptStored(entries);
          door!.settled(entries.length);
        },
        onBurst: (on) => services?.intake.burst(on),
        onSpilled: (files) => services?.intake.spilled(files, door!),
        onCount: (source, outcome, n) => (outcome === "http" ? services?.metrics.httpRequests.inc({ route: "/webhooks" }, n) : services?.intake.countAnswered(source, outcome, n)),
        // Without its door the process takes no webhook: like an uncaught exception, it ends (the
        // process guard logs it and exits non-zero) for its supervisor to restart it with the journal.
        onDeath: (e) =>
          process.nextTick(() => {
            throw e;
          }),
      }).then((d) => {
        phase("listening");
        return (door = d);
      })
    : undefined;
  doorStarting?.catch(() => undefined); // awaited below
  /** The door thread, listening (or why it could not); the server closed when it could not. */
  const doorUp = async (): Promise<DoorWorker | undefined> => {
    try {
      return await doorStarting;
    } catch (e) {
      server.close();
      throw e;
    }
  };
  // The bot's URL (the sandbox delivers to it). With a configured port it is known before the door
  // thread listens: the sandbox starts on this thread while the door thread loads its modules (this
  // thread only waited for it). With port 0 the door's port is known once it listens.
  const botPort = doorThread ? (config.port !== 0 ? config.port : (await doorUp())!.port) : (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${botPort}`;
  if (!doorThread) phase("listening");
  // The database opens while the sandbox starts.
  const db = options.db ?? openServiceDb(config, logger);
  void db.then(
    () => phase("store"),
    () => undefined, // awaited (and its failure reported) by buildServices
  );
  let sandbox: LocalSandbox | undefined;
  let remote: RemoteSandbox | undefined;
  let signingSecret = config.slack.signingSecret;
  let botToken = config.slack.botToken;
  let appToken = config.slack.appToken;
  let slackApiUrl: string | undefined;
  // OAuth v2 installs: the real app's client id/secret, or ones made up for the sandbox workspace (which then rotates tokens).
  const oauth = config.slack.oauth
    ? config.slack.mode === "sandbox"
      ? { clientId: "", clientSecret: "", stateSecret: randomBytes(16).toString("hex"), scopes: config.slack.oauth.scopes } // the sandbox's client: set once it has started
      : { clientId: config.slack.oauth.clientId!, clientSecret: config.slack.oauth.clientSecret!, stateSecret: config.slack.oauth.stateSecret!, scopes: config.slack.oauth.scopes }
    : undefined;
  let authorizationUrl: string | undefined;
  try {
    if (config.needsSandbox) {
      if (config.slack.mode === "sandbox") {
        signingSecret = randomBytes(16).toString("hex");
        botToken = `xoxb-sandbox-${randomBytes(8).toString("hex")}`;
        // Socket Mode against the sandbox: it accepts this app-level token on apps.connections.open.
        if (config.slack.socketMode) appToken = `xapp-1-sandbox-${randomBytes(8).toString("hex")}`;
      }
      if (config.env.AISRE_SANDBOX_URL) {
        // A sandbox of its own process (`npx aisre sandbox`), shared with other replicas.
        remote = await connectSandbox({ url: config.env.AISRE_SANDBOX_URL, botUrl: config.env.PUBLIC_URL ?? url, logger: logger.child({ component: "sandbox" }), waitMs: options.sandboxWaitMs });
        if (config.slack.mode === "sandbox") {
          signingSecret = remote.signingSecret;
          botToken = remote.botToken;
          slackApiUrl = `${remote.url}/api/`;
        }
      } else {
        // Loaded only when it runs here: with its own process (npm start) the product never loads it.
        const { startLocalSandbox } = await import("../src/sandbox/start.ts");
        sandbox = await startLocalSandbox({
          config,
          botUrl: url,
          signingSecret: signingSecret!,
          botToken: botToken!,
          ...(config.slack.mode === "sandbox" && appToken ? { appToken } : {}),
          ...(config.slack.mode === "sandbox" && oauth ? { oauth: { redirectUrls: [`${config.env.PUBLIC_URL?.replace(/\/+$/, "") ?? url}${OAUTH_PATHS.redirect}`], installUrl: `${config.env.PUBLIC_URL?.replace(/\/+$/, "") ?? url}${OAUTH_PATHS.install}` } } : {}),
          logger: logger.child({ component: "sandbox" }),
          // Its history is generated once the product is ready (warm, below), in a worker thread, or
          // as soon as a route needs it: the product's event loop does not run it.
          history: "worker",
        });
        if (config.slack.mode === "sandbox") {
          slackApiUrl = `${sandbox.url}/api/`;
          if (oauth && sandbox.oauthClient) {
            authorizationUrl = `${sandbox.url}/oauth/v2/authorize`;
            oauth.clientId = sandbox.oauthClient.clientId;
            oauth.clientSecret = sandbox.oauthClient.clientSecret;
          }
        }
      }
      phase("sandbox");
    }
    await doorUp();
    if (oauth && !oauth.clientId) throw new Error("SLACK_OAUTH: OAuth installs need the sandbox started with the product (not a shared sandbox at AISRE_SANDBOX_URL)");
    // The simulated cluster's namespace is the default target of remediations (local or shared sandbox).
    const endpoints = sandbox ? { url: sandbox.url, kubeconfigPath: sandbox.sim?.kubeconfigPath, namespace: sandbox.sim?.namespace } : remote ? { url: remote.url, kubeconfigPath: remote.kubeconfigPath, namespace: remote.kubeconfigPath ? SIM_NAMESPACE : undefined } : undefined;
    services = await buildServices(config, { logger, presenters: blockKitPresenters, slack: oauth ? { oauth: true, apiUrl: slackApiUrl } : { token: botToken!, apiUrl: slackApiUrl }, db, sandbox: endpoints, clock: sandbox?.sim?.clock ?? remote?.clock, warmUpLater: true });
  } catch (e) {
    server.close();
    await doorStarting?.then(
      (d) => d.stop(),
      () => undefined,
    );
    await sandbox?.close();
    await remote?.close();
    if (!services) await db.then((d) => d.close()).catch(() => undefined);
    throw e;
  }
  const svc = services;
  phase("services");
  routers = [opsRoutes(svc, state), webhookRoutes(svc.intake), topologyRoutes({ topology: () => svc.topology(), lastRun: () => svc.topologyDiscovery.lastRun(), token: config.env.AISRE_API_TOKEN }), ...(options.extraRoutes?.(svc) ?? [])];

  let app: BoltApp;
  if (config.slack.socketMode) {
    // Bolt's Socket Mode receiver (apps.connections.open, then the WebSocket), at the sandbox's Web API when it is the sandbox.
    const clientOptions = slackApiUrl ? { slackApiUrl } : undefined;
    const receiver = new SocketModeReceiver({ appToken: appToken!, logger: boltLogger(logger), installerOptions: clientOptions ? { clientOptions } : {} });
    app = new App({ token: botToken, receiver, logger: boltLogger(logger), clientOptions });
  } else if (oauth) {
    // OAuth v2 installs through Bolt's InstallProvider: /slack/install redirects to Slack's authorize
    // page with a signed state; /slack/oauth_redirect exchanges the code (oauth.v2.access) and stores
    // the install in the store. Each request is authorized with its workspace's token (rotated when due).
    const clientOptions = slackApiUrl ? { slackApiUrl } : undefined;
    const receiver = new HTTPReceiver({
      signingSecret: signingSecret!,
      endpoints: "/slack/events",
      logger: boltLogger(logger),
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      stateSecret: oauth.stateSecret,
      scopes: oauth.scopes,
      installationStore: storeInstallationStore(svc.store.slackInstallations),
      ...(config.env.PUBLIC_URL ? { redirectUri: `${config.env.PUBLIC_URL.replace(/\/+$/, "")}${OAUTH_PATHS.redirect}` } : {}),
      installerOptions: {
        installPath: OAUTH_PATHS.install,
        redirectUriPath: OAUTH_PATHS.redirect,
        directInstall: true,
        ...(authorizationUrl ? { authorizationUrl } : {}),
        // In the sandbox, back to the sandbox page (Bolt's default page opens the Slack app).
        ...(authorizationUrl && sandbox
          ? {
              callbackOptions: {
                success: (installation: Installation, _options: unknown, _req: IncomingMessage, res: ServerResponse) => {
                  const where = installation.isEnterpriseInstall ? `the organization ${installation.enterprise?.id ?? ""}` : `${installation.team?.name ?? ""} (${installation.team?.id ?? ""})`;
                  const esc = (x: string) => x.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
                  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
                  res.end(`<!doctype html><title>aisre installed</title><h1>aisre is installed</h1><p id="installed">Installed in ${esc(where)}.</p><p><a href="${esc(sandbox!.url)}/">Back to the sandbox workspace</a></p>`);
                },
              },
            }
          : {}),
        ...(clientOptions ? { clientOptions } : {}),
      },
    });
    app = new App({ receiver, logger: boltLogger(logger), clientOptions });
    const installer = receiver.installer;
    if (!installer) throw new Error("Bolt did not set up OAuth installs (client id, secret and state secret are needed)");
    svc.workspaceSlack?.bind((q) => installer.authorize({ teamId: q.teamId, enterpriseId: q.enterpriseId, isEnterpriseInstall: q.isEnterpriseInstall }));
    // Which workspace each channel and person is in, from the requests Slack sends (the services' posts and Home use it).
    const seen = new Set<string>();
    app.use(async ({ context, body, next }) => {
      const teamId = context.teamId;
      if (teamId) {
        const ws = { teamId, ...(context.enterpriseId ? { enterpriseId: context.enterpriseId } : {}) };
        const channel = channelOfBody(body);
        const user = context.userId;
        for (const [id, repo] of [
          [channel, svc.store.slackChannelWorkspaces],
          [user, svc.store.slackUserWorkspaces],
        ] as const) {
          if (!id || seen.has(id)) continue;
          seen.add(id);
          await repo.put(id, ws).catch((e: unknown) => logger.warn({ err: e, id }, "could not remember the workspace of a channel or person"));
        }
      }
      await next();
    });
    // Uninstalled (or its bot token revoked): forget the install; Bolt delivers these without authorizing.
    const installations = storeInstallationStore(svc.store.slackInstallations);
    const forget = async (context: { teamId?: string; enterpriseId?: string; isEnterpriseInstall?: boolean }, why: string) => {
      const query = { teamId: context.teamId, enterpriseId: context.enterpriseId, isEnterpriseInstall: context.isEnterpriseInstall === true };
      await installations.deleteInstallation?.(query);
      logger.info({ team: context.teamId, enterprise: context.enterpriseId, why }, "Slack install removed");
    };
    app.event("app_uninstalled", async ({ context }) => forget(context, "app_uninstalled"));
    app.event("tokens_revoked", async ({ context, event }) => {
      if (event.tokens.bot?.length) await forget(context, "tokens_revoked");
    });
    slackListener = receiver.requestListener;
  } else {
    const receiver = new HTTPReceiver({ signingSecret: signingSecret!, endpoints: "/slack/events", logger: boltLogger(logger) });
    app = new App({ token: botToken, receiver, logger: boltLogger(logger), clientOptions: slackApiUrl ? { slackApiUrl } : undefined });
    slackListener = receiver.requestListener;
  }
  app.error(async (e) => {
    svc.metrics.errors.inc({ code: "bolt" });
    logger.error({ err: e }, "unhandled Slack listener error");
  });
  registerListeners(app, svc, options.listeners);
  if (config.slack.socketMode) await app.start();
  svc.start();
  // The door thread answers webhooks itself from now on, told of the store's health and the clock.
  const opening = door ? svc.intake.doorOpening() : undefined;
  let doorTimer: NodeJS.Timeout | undefined;
  if (door && opening) {
    const d = door;
    let up = svc.store.db.health.up();
    d.health(up);
    d.open(opening);
    let ticks = 0;
    doorTimer = setInterval(() => {
      if (svc.store.db.health.up() !== up) d.health((up = !up));
      if (++ticks % 10 === 0) d.clock(svc.intake.clockOffsetMs());
    }, 100);
    doorTimer.unref();
  }

  const mem = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 1048576);
  logger.info({ url, sandbox: sandbox?.url, startupMs: phase("ready"), phases, memoryMiB: { rss: mib(mem.rss), heapUsed: mib(mem.heapUsed), heapTotal: mib(mem.heapTotal), external: mib(mem.external) } }, "aisre is up");
  // Ready: webhooks are stored. What is not needed for that comes now: the simulation's history, then
  // the first topology (the store's graph, else a discovery), before which alerts are not grouped.
  // The two at once: the first discovery loads its Kubernetes client (a third of a second of this
  // thread) and asks its questions while the sandbox's history is still being generated (in its
  // worker), and the sandbox answers them once it is.
  const warm = (async () => {
    await Promise.all([sandbox?.warm().then(() => sandbox?.sim && phase("sandbox-warm")), svc.warmUp()]);
    logger.info({ warmMs: phase("warm"), phases }, "aisre is warm");
  })();
  warm.catch((e: unknown) => logger.error({ err: e }, "warming up after start failed"));
  let closed = false;
  return {
    url,
    sandbox,
    services: svc,
    app,
    warm,
    async close() {
      if (closed) return;
      closed = true;
      state.draining = true;
      clearInterval(doorTimer);
      // Stop intake first (the door thread's, then this server's), then wait (bounded) for requests in flight, then release the store.
      door?.shut();
      await door?.quiesce();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + 10_000;
      while (state.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      server.closeAllConnections();
      await stopped;
      // What was warming after ready finishes before the parts it uses go (a few seconds at most).
      await warm.catch(() => undefined);
      if (config.slack.socketMode) await app.stop();
      await remote?.close();
      await svc.close();
      // Its journal's files, every entry now in the store, are removed as it closes.
      await door?.stop();
      await sandbox?.close();
      logger.info("aisre stopped");
    },
  };
}
