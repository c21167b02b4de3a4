import { SlackApiError } from "../errors.ts";
import { jsonArg } from "../message-content.ts";
import { registeredDomain, urlsIn } from "../links.ts";
import type { Json } from "../types.ts";
import { describeIssues, validateBlocks } from "../validate-blocks.ts";
import { str } from "./args.ts";
import type { ApiMethod } from "./router.ts";

/**
 * chat.unfurl: attaches the app's previews to a person's message, keyed by URL (a second call for
 * the same message replaces the previews of the URLs it names). The message is named by `channel`
 * and `ts`, or by `unfurl_id` and `source` (as `link_shared` gave them). Each URL must be in the
 * message and on a domain the app registered.
 */
const unfurl: ApiMethod = ({ core, args, caller }) => {
  let channelRef = str(args, "channel");
  let ts = str(args, "ts");
  const unfurlId = str(args, "unfurl_id");
  const source = str(args, "source");
  if (!(channelRef && ts)) {
    if (!(unfurlId && source)) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] provide channel and ts, or unfurl_id and source"] });
    const [ch, sec, usec] = unfurlId.split(".");
    channelRef = ch;
    ts = sec && usec ? `${sec}.${usec}` : undefined;
  }
  const ch = channelRef ? core.ws.channel(channelRef) : undefined;
  if (!ch || (ch.isPrivate && !ch.members.has(caller.userId))) throw new SlackApiError("cannot_find_channel");
  const m = ts ? core.ws.message(ch.id, ts) : undefined;
  if (!m || m.visibleTo || m.tombstone) throw new SlackApiError("message_not_found");
  const unfurls = jsonArg(args.unfurls, "invalid_unfurls_format");
  if (typeof unfurls !== "object" || unfurls === null || Array.isArray(unfurls)) throw new SlackApiError("invalid_unfurls_format");
  const inMessage = new Set(urlsIn(m.text));
  const next: Record<string, Json> = { ...(m.unfurls ?? {}) };
  for (const [url, value] of Object.entries(unfurls as Record<string, unknown>)) {
    if (!inMessage.has(url)) throw new SlackApiError("cannot_unfurl_message");
    if (!registeredDomain(url, core.unfurlDomains)) throw new SlackApiError("cannot_unfurl_url");
    if (typeof value !== "object" || value === null) throw new SlackApiError("invalid_unfurls_format");
    const v = value as Json;
    if (v.blocks !== undefined) {
      const issues = validateBlocks(v.blocks, { root: `/unfurls/${url}/blocks`, surface: "message" });
      if (issues.length) {
        const d = describeIssues(issues);
        throw new SlackApiError("invalid_blocks", { extra: { errors: d.errors }, messages: d.messages });
      }
    }
    // An empty preview removes the URL's unfurl.
    if (!Object.keys(v).length) delete next[url];
    else next[url] = v;
  }
  core.ws.update(ch.id, m.ts, { unfurls: next });
  return {};
};

export const unfurlMethods: Record<string, ApiMethod> = { "chat.unfurl": unfurl };
