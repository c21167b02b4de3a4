import type { Logger } from "../../log.ts";
import type { BotActivity } from "./activity.ts";
import type { Delivery } from "./delivery.ts";
import type { RateLimiter } from "./limits.ts";
import type { UrlBase } from "./message-shape.ts";
import type { OAuthGrants } from "./oauth.ts";
import type { ResponseUrls } from "./response-urls.ts";
import type { SocketModeHub } from "./socket-mode.ts";
import type { Triggers } from "./triggers.ts";
import type { SlackWorkspace } from "./workspace.ts";

/** Everything the Web API, the hooks and the user actions share. */
export interface SlackCore {
  ws: SlackWorkspace;
  urls: UrlBase;
  triggers: Triggers;
  responseUrls: ResponseUrls;
  delivery: Delivery;
  activity: BotActivity;
  postLimiter: RateLimiter;
  /** chat.update's Tier 3 limit, per workspace. */
  updateLimiter: RateLimiter;
  botToken: string;
  /** OAuth v2 installs (oauth.v2.access, the authorize page, issued and rotated tokens), when the app is set up for them. */
  oauth?: OAuthGrants;
  /** Socket Mode, when the app uses it (apps.connections.open and the WebSocket). */
  socketMode?: SocketModeHub;
  /** `xoxp-` tokens that act as a person (for tests and scripts reading as a user). */
  userTokens: Map<string, string>;
  /** The legacy verification token sent in payloads (Bolt ignores it; real Slack still sends it). */
  verificationToken: string;
  /** Slash commands the app registered (manifest.yml). */
  commands: string[];
  /** Domains the app registered for unfurls (chat.unfurl only attaches previews of links to these). */
  unfurlDomains: string[];
  /** The app's Home tab is enabled (manifest `features.app_home.home_tab_enabled`). */
  homeTabEnabled: boolean;
  logger?: Logger;
}
