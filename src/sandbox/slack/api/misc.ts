import { SlackApiError } from "../errors.ts";
import { slackId } from "../ids.ts";
import { channelArg, requireMember, str } from "./args.ts";
import type { ApiMethod } from "./router.ts";
import { SANDBOX_TEAMS } from "../defaults.ts";

const authTest: ApiMethod = ({ core, caller }) => {
  const u = core.ws.user(caller.userId);
  const team = SANDBOX_TEAMS.find((t) => t.id === caller.teamId) ?? core.ws.team;
  return {
    url: `${core.urls.baseUrl()}/`,
    team: team.name,
    user: u?.name ?? "",
    team_id: team.id,
    user_id: caller.userId,
    ...(caller.isBot ? { bot_id: core.ws.botId } : {}),
    is_enterprise_install: false,
  };
};

const apiTest: ApiMethod = ({ args }) => {
  const { token: _t, ...rest } = args;
  if (typeof rest.error === "string") throw new SlackApiError(rest.error, { extra: { args: rest } });
  return Object.keys(rest).length ? { args: rest } : {};
};

const reactionsAdd: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  const name = (str(args, "name") ?? "").replace(/^:|:$/g, "");
  if (!name) throw new SlackApiError("no_reaction");
  if (!/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/.test(name)) throw new SlackApiError("invalid_name");
  core.ws.addReaction(ch.id, str(args, "timestamp") ?? "", name, caller.userId);
  return {};
};

const pinsAdd: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId);
  requireMember(ch, caller.userId);
  const ts = str(args, "timestamp");
  if (!ts) throw new SlackApiError("no_item_specified");
  core.ws.pin(ch.id, ts);
  return {};
};

const bookmarksAdd: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId, "channel_id");
  requireMember(ch, caller.userId);
  const type = str(args, "type");
  if (type !== "link") throw new SlackApiError("invalid_bookmark_type");
  const title = str(args, "title") ?? "";
  if (!title) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: title"] });
  const link = str(args, "link") ?? "";
  if (!/^https?:\/\//.test(link)) throw new SlackApiError("invalid_link");
  const now = Math.floor(Date.now() / 1000);
  const bookmark = {
    id: slackId("Bk"),
    channel_id: ch.id,
    title,
    link,
    emoji: str(args, "emoji") ?? null,
    icon_url: null,
    type: "link",
    entity_id: null,
    date_created: now,
    date_updated: 0,
    rank: String.fromCharCode(85 + ch.bookmarks.length),
    last_updated_by_user_id: caller.userId,
    last_updated_by_team_id: core.ws.team.id,
    shortcut_id: null,
    app_id: caller.isBot ? core.ws.appId : null,
    app_action_id: null,
  };
  core.ws.addBookmark(ch.id, bookmark);
  return { bookmark };
};

const bookmarksList: ApiMethod = ({ core, args, caller }) => {
  const ch = channelArg(core.ws, args, caller.userId, "channel_id");
  return { bookmarks: ch.bookmarks };
};

/** Socket Mode: a temporary WebSocket URL (app-level token; `not_allowed_token_type` otherwise, checked by the router). */
const appsConnectionsOpen: ApiMethod = ({ core }) => {
  if (!core.socketMode) throw new SlackApiError("not_allowed_token_type");
  return { url: core.socketMode.open(core.urls.baseUrl()) };
};

export const miscMethods: Record<string, ApiMethod> = {
  "apps.connections.open": appsConnectionsOpen,
  "api.test": apiTest,
  "auth.test": authTest,
  "reactions.add": reactionsAdd,
  "pins.add": pinsAdd,
  "bookmarks.add": bookmarksAdd,
  "bookmarks.list": bookmarksList,
};
