import type { Router } from "../../http/router.ts";
import type { Logger } from "../../log.ts";
import { AssistantActions } from "./assistant-actions.ts";
import { ActionWatch, DEFAULT_WATCH, type WatchOptions } from "./action-watch.ts";
import { BotActivity } from "./activity.ts";
import { slackApiRouter } from "./api/index.ts";
import type { SlackCore } from "./core.ts";
import { Delivery } from "./delivery.ts";
import { SocketModeHub } from "./socket-mode.ts";
import { OAuthGrants, type OAuthApp } from "./oauth.ts";
import { oauthRoutes } from "./oauth-routes.ts";
import { EventDispatcher } from "./events.ts";
import { hooksRouter } from "./hooks.ts";
import { randomHex } from "./ids.ts";
import { POST_MESSAGE_RATE, RateLimiter, TIER3_RATE } from "./limits.ts";
import { ResponseUrls } from "./response-urls.ts";
import { Triggers } from "./triggers.ts";
import { UserActions } from "./user-actions.ts";
import { SlackWorkspace } from "./workspace.ts";

export { SlackWorkspace } from "./workspace.ts";
export { UserActions, ActionError } from "./user-actions.ts";

export interface SlackSandboxOptions {
  signingSecret: string;
  botToken: string;
  botUserId?: string;
  /** The bot's request URL (`/slack/events`) for events, commands and interactivity. */
  eventsUrl: string;
  /** Simulated seconds per real second: divides Slack's event retry intervals. */
  timeFactor?: number;
  /** Slash commands the app registered; default `/aisre`. */
  commands?: string[];
  /** OAuth v2: the app's client id and secret (and whether tokens rotate); installs then go through oauth.v2.access. */
  oauth?: OAuthApp;
  /** Socket Mode: the app-level token (`xapp-…`) the app connects with; deliveries then go over its WebSocket. */
  appToken?: string;
  /** Domains the app registered for unfurls: links to them in people's messages send `link_shared`. */
  unfurlDomains?: string[];
  /** Bot events subscribed; default manifest.yml's. */
  botEvents?: string[];
  /** The app's Home tab is enabled (default true, as manifest.yml declares); else views.publish answers `not_enabled`. */
  homeTabEnabled?: boolean;
  watch?: Partial<WatchOptions>;
  /** chat.update's limit per workspace (default Slack's Tier 3: TIER3_RATE); tests lower it to see it bite quickly. */
  updateRate?: { perSecond: number; burst: number };
  baseUrl: () => string;
  logger?: Logger;
  /** The time message ts follow (default the wall clock; the simulation's in sandbox mode). */
  now?: () => number;
}

export interface SlackSandbox {
  core: SlackCore;
  workspace: SlackWorkspace;
  actions: UserActions;
  /** What people do in the app's assistant container. */
  assistant: AssistantActions;
  events: EventDispatcher;
  routers: Router[];
  /** Starts collecting what `user` will see as the result of an action. */
  watch(user: string): ActionWatch;
  /** A user token (`xoxp-…`) that acts as this person on the Web API. */
  userToken(user: string): string;
  close(): void;
}

/** The Slack part of the sandbox: workspace, Web API, event delivery, user actions. */
export function createSlackSandbox(options: SlackSandboxOptions): SlackSandbox {
  const workspace = new SlackWorkspace({ botUserId: options.botUserId, ...(options.now ? { now: options.now } : {}) });
  const activity = new BotActivity();
  const urls = { baseUrl: options.baseUrl };
  const socketMode = options.appToken ? new SocketModeHub({ appToken: options.appToken, appId: workspace.appId, logger: options.logger }) : undefined;
  const delivery = new Delivery({ url: options.eventsUrl, signingSecret: options.signingSecret, timeFactor: options.timeFactor, logger: options.logger, activity, socket: socketMode });
  const core: SlackCore = {
    ws: workspace,
    urls,
    triggers: new Triggers(),
    responseUrls: new ResponseUrls({ workspace, baseUrl: options.baseUrl }),
    delivery,
    activity,
    postLimiter: new RateLimiter(POST_MESSAGE_RATE),
    updateLimiter: new RateLimiter(options.updateRate ?? TIER3_RATE),
    botToken: options.botToken,
    socketMode,
    ...(options.oauth ? { oauth: new OAuthGrants(options.oauth) } : {}),
    userTokens: new Map(),
    verificationToken: randomHex(12),
    commands: options.commands ?? ["/aisre"],
    unfurlDomains: options.unfurlDomains ?? [],
    homeTabEnabled: options.homeTabEnabled ?? true,
    logger: options.logger,
  };
  const events = new EventDispatcher({ workspace, delivery, urls, verificationToken: core.verificationToken, unfurlDomains: options.unfurlDomains, botEvents: options.botEvents });
  const watchOptions = { ...DEFAULT_WATCH, ...(options.watch ?? {}) };
  const actions = new UserActions(core);
  return {
    core,
    workspace,
    actions,
    assistant: new AssistantActions(core, events, actions),
    events,
    routers: [slackApiRouter(core), hooksRouter(core), oauthRoutes(core)],
    watch: (user) => new ActionWatch(workspace, activity, urls, user, watchOptions),
    userToken(user) {
      for (const [t, u] of core.userTokens) if (u === user) return t;
      const t = `xoxp-sandbox-${randomHex(12)}`;
      core.userTokens.set(t, user);
      return t;
    },
    close() {
      events.close();
      delivery.close();
      socketMode?.close();
    },
  };
}
