import type { SlackCore } from "../core.ts";
import { assistantMethods } from "./assistant.ts";
import { chatMethods } from "./chat.ts";
import { conversationMethods } from "./conversations.ts";
import { fileMethods } from "./files.ts";
import { miscMethods } from "./misc.ts";
import { oauthMethods } from "./oauth.ts";
import { apiRouter } from "./router.ts";
import { streamMethods } from "./streams.ts";
import { unfurlMethods } from "./unfurl.ts";
import { userMethods } from "./users.ts";
import { viewMethods } from "./views.ts";

/** Every emulated Web API method, by name. */
export const METHODS = { ...miscMethods, ...chatMethods, ...streamMethods, ...oauthMethods, ...unfurlMethods, ...assistantMethods, ...conversationMethods, ...userMethods, ...viewMethods, ...fileMethods };

export function slackApiRouter(core: SlackCore) {
  return apiRouter(core, METHODS);
}
