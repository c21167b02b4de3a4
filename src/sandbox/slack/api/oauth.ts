import { SlackApiError } from "../errors.ts";
import { str } from "./args.ts";
import type { ApiMethod } from "./router.ts";
import { SANDBOX_TEAMS } from "../defaults.ts";

/** The enterprise of an org-wide install in the sandbox (one organization, one workspace). */
export const SANDBOX_ENTERPRISE = { id: "E0SANDBOX1", name: "aisre sandbox org" } as const;

/**
 * oauth.v2.access as Slack documents it: the client authenticates with HTTP Basic or
 * `client_id`/`client_secret`; `code` (+ the `redirect_uri` used to authorize) gives the install's
 * tokens; `grant_type=refresh_token` rotates a refresh token into a new access token (with token
 * rotation on). Errors: `invalid_client_id`, `bad_client_secret`, `invalid_code`,
 * `code_already_used`, `bad_redirect_uri`, `invalid_refresh_token`, `invalid_grant_type`.
 */
const access: ApiMethod = ({ core, args, basicAuth }) => {
  const oauth = core.oauth;
  if (!oauth) throw new SlackApiError("invalid_client_id");
  const clientId = basicAuth?.user ?? str(args, "client_id");
  const secret = basicAuth?.password ?? str(args, "client_secret");
  if (!clientId || clientId !== oauth.app.clientId) throw new SlackApiError("invalid_client_id");
  if (secret !== oauth.app.clientSecret) throw new SlackApiError("bad_client_secret");
  const grantType = str(args, "grant_type") ?? "authorization_code";
  let scope: string;
  let enterprise: boolean;
  let user: string | undefined;
  let teamId: string;
  if (grantType === "authorization_code") {
    const r = oauth.exchange(str(args, "code") ?? "", str(args, "redirect_uri"));
    if ("error" in r) throw new SlackApiError(r.error);
    ({ scope, enterprise, user, team: teamId } = r.grant);
  } else if (grantType === "refresh_token") {
    const r = oauth.refresh(str(args, "refresh_token") ?? "");
    if ("error" in r) throw new SlackApiError(r.error);
    ({ scope, enterprise, team: teamId } = r);
  } else throw new SlackApiError("invalid_grant_type");
  const tokens = oauth.issue(scope, enterprise, undefined, teamId);
  const ws = core.ws;
  const team = SANDBOX_TEAMS.find((t) => t.id === teamId) ?? ws.team;
  return {
    access_token: tokens.access_token,
    token_type: "bot",
    scope,
    bot_user_id: ws.botUserId,
    app_id: ws.appId,
    team: enterprise ? null : { id: team.id, name: team.name },
    enterprise: enterprise ? { ...SANDBOX_ENTERPRISE } : null,
    is_enterprise_install: enterprise,
    ...(user ? { authed_user: { id: user } } : {}),
    ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token, expires_in: tokens.expires_in } : {}),
  };
};

export const oauthMethods: Record<string, ApiMethod> = { "oauth.v2.access": access };
