import { SlackApiError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { apiUser } from "../message-shape.ts";
import type { Usergroup } from "../workspace.ts";
import { bool, page, str } from "./args.ts";
import type { ApiMethod } from "./router.ts";
import type { SlackWorkspace } from "../workspace.ts";

const info: ApiMethod = ({ core, args }) => {
  const u = core.ws.user(str(args, "user") ?? "");
  if (!u) throw new SlackApiError("user_not_found");
  return { user: apiUser(core.ws, u) };
};

const listUsers: ApiMethod = ({ core, args }) => {
  const p = page(core.ws.listUsers(), args, { defaultLimit: 1000, maxLimit: LIMITS.listMax });
  return { members: p.items.map((u) => apiUser(core.ws, u)), cache_ts: Math.floor(Date.now() / 1000), response_metadata: { next_cursor: p.nextCursor } };
};

const lookupByEmail: ApiMethod = ({ core, args }) => {
  const email = (str(args, "email") ?? "").toLowerCase();
  const u = core.ws.listUsers().find((x) => x.email && x.email.toLowerCase() === email);
  if (!u) throw new SlackApiError("users_not_found");
  return { user: apiUser(core.ws, u) };
};

function apiUsergroup(ws: SlackWorkspace, g: Usergroup, includeUsers: boolean, includeCount: boolean): Record<string, unknown> {
  return {
    id: g.id,
    team_id: ws.team.id,
    is_usergroup: true,
    is_subteam: true,
    name: g.name,
    description: g.description,
    handle: g.handle,
    is_external: false,
    date_create: g.created,
    date_update: g.created,
    date_delete: 0,
    auto_type: null,
    auto_provision: false,
    enterprise_subteam_id: "",
    created_by: "U_CAROL",
    updated_by: "U_CAROL",
    deleted_by: null,
    prefs: { channels: [], groups: [] },
    ...(includeUsers ? { users: [...g.users] } : {}),
    ...(includeCount ? { user_count: g.users.length } : {}),
  };
}

const usergroupsList: ApiMethod = ({ core, args }) => ({
  usergroups: core.ws.listUsergroups().map((g) => apiUsergroup(core.ws, g, bool(args, "include_users"), bool(args, "include_count"))),
});

const usergroupUsers: ApiMethod = ({ core, args }) => {
  const g = core.ws.usergroup(str(args, "usergroup") ?? "");
  if (!g) throw new SlackApiError("no_such_subteam");
  return { users: [...g.users] };
};

export const userMethods: Record<string, ApiMethod> = {
  "users.info": info,
  "users.list": listUsers,
  "users.lookupByEmail": lookupByEmail,
  "usergroups.list": usergroupsList,
  "usergroups.users.list": usergroupUsers,
};
