import { Router, sendJson } from "../../http/router.ts";
import type { SlackCore } from "./core.ts";
import { SANDBOX_TEAMS } from "./defaults.ts";

/**
 * Slack's authorize page (`/oauth/v2/authorize`): in the sandbox the install is approved at once by
 * a person (`user`, default the admin Carol), for the workspace (`team`, default the sandbox's;
 * `T0OTHER01` is the organization's second workspace) or, with `org=1`, the whole
 * organization (an org-wide install), then the browser goes back to `redirect_uri` with `code` and
 * `state` as Slack sends them. Without `redirect_uri` it goes back to the app's first Redirect URL.
 */
export function oauthRoutes(core: SlackCore): Router {
  return new Router().add("GET", "/oauth/v2/authorize", (req, res) => {
    const q = req.query;
    const oauth = core.oauth;
    if (!oauth || q.get("client_id") !== oauth.app.clientId) return sendJson(res, 400, { ok: false, error: "invalid_client_id" });
    const configured = oauth.app.redirectUrls ?? [];
    const redirectUri = q.get("redirect_uri") ?? configured[0] ?? "";
    if (!/^https?:\/\//.test(redirectUri)) return sendJson(res, 400, { ok: false, error: "bad_redirect_uri" });
    if (configured.length && !configured.some((u) => redirectUri === u || redirectUri.startsWith(u.endsWith("/") ? u : `${u}/`))) return sendJson(res, 400, { ok: false, error: "bad_redirect_uri", detail: "redirect_uri is not one of the app's Redirect URLs" });
    const user = core.ws.findUser(q.get("user") ?? "U_CAROL");
    if (!user || user.isBot) return sendJson(res, 400, { ok: false, error: "user_not_found" });
    // `team`: which workspace of the organization the person installs into (default the sandbox's).
    const team = q.get("team") ?? core.ws.team.id;
    if (!SANDBOX_TEAMS.some((t) => t.id === team)) return sendJson(res, 400, { ok: false, error: "invalid_team", detail: `team is one of ${SANDBOX_TEAMS.map((t) => t.id).join(", ")}` });
    const code = oauth.authorize({ redirectUri, scope: q.get("scope") ?? "", user: user.id, enterprise: ["1", "true"].includes(q.get("org") ?? ""), team });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    const state = q.get("state");
    if (state) back.searchParams.set("state", state);
    res.writeHead(302, { location: back.toString() });
    res.end();
  });
}
