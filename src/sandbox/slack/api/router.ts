import { Router, sendJson, type RouteRequest } from "../../../http/router.ts";
import type { SlackCore } from "../core.ts";
import { SlackApiError } from "../errors.ts";
import type { Json } from "../types.ts";
import type { Args } from "./args.ts";

/** Who is calling: the bot (bot token) or a person (a sandbox user token). */
export interface Caller {
  userId: string;
  isBot: boolean;
  /** The app-level token (`xapp-…`): good for apps.connections.open only. */
  isApp?: boolean;
  /** The workspace of the caller's token when it is not the sandbox's (an install in the organization's other workspace). */
  teamId?: string;
}

export interface ApiCall {
  core: SlackCore;
  args: Args;
  caller: Caller;
  /** HTTP Basic credentials (oauth.v2.access's client authentication), when sent. */
  basicAuth?: { user: string; password: string };
  /** Adds a Slack warning (`warning` and `response_metadata.warnings`) to the answer. */
  warn(code: string): void;
}

export type ApiMethod = (call: ApiCall) => Json | Promise<Json>;

/** Methods only an app-level token may call. */
const APP_TOKEN_METHODS = new Set(["apps.connections.open"]);

/** Methods that need no token (api.test). */
const NO_AUTH = new Set(["api.test", "oauth.v2.access"]);

async function parseArgs(req: RouteRequest): Promise<{ args: Args; fromJson: boolean; warnings: string[] }> {
  const args: Args = Object.fromEntries(req.query.entries());
  const warnings: string[] = [];
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  if (req.method !== "POST" || req.body.length === 0) return { args, fromJson: false, warnings };
  if (type.startsWith("application/json")) {
    if (!type.includes("charset")) warnings.push("missing_charset");
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString("utf8"));
    } catch {
      throw new SlackApiError("invalid_json");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new SlackApiError("invalid_json");
    // Slack ignores a token inside a JSON body: JSON callers must use the Authorization header.
    const { token: _ignored, ...rest } = parsed as Args;
    return { args: { ...args, ...rest }, fromJson: true, warnings };
  }
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("text/plain")) {
    for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) args[k] = v;
    return { args, fromJson: false, warnings };
  }
  if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(req.body), { headers: { "content-type": type } }).formData();
    } catch {
      throw new SlackApiError("invalid_form_data");
    }
    for (const [k, v] of form.entries()) args[k] = typeof v === "string" ? v : Buffer.from(await v.arrayBuffer());
    return { args, fromJson: false, warnings };
  }
  if (!type) throw new SlackApiError("missing_post_type");
  throw new SlackApiError("invalid_post_type");
}

function authenticate(core: SlackCore, req: RouteRequest, args: Args): Caller {
  const header = String(req.headers.authorization ?? "");
  const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  const token = bearer ?? (typeof args.token === "string" ? args.token : undefined);
  if (!token) throw new SlackApiError("not_authed");
  if (token === core.botToken) return { userId: core.ws.botUserId, isBot: true };
  if (core.socketMode && token === core.socketMode.appToken) return { userId: "", isBot: false, isApp: true };
  // Tokens handed out by OAuth installs (oauth.v2.access), rotating ones until they expire.
  const issued = core.oauth?.check(token);
  if (issued === "ok") {
    const team = core.oauth?.teamOf(token);
    return { userId: core.ws.botUserId, isBot: true, ...(team && team !== core.ws.team.id ? { teamId: team } : {}) };
  }
  if (issued === "expired") throw new SlackApiError("token_expired");
  const user = core.userTokens.get(token);
  if (user) return { userId: user, isBot: false };
  throw new SlackApiError("invalid_auth");
}

/**
 * The Slack Web API at `/api/<method>`: JSON, form and multipart bodies (and query strings), the
 * bot token as `Authorization: Bearer` or a `token` form field, and Slack's envelope: `ok`,
 * `error`, `warning` and `response_metadata`. Failures are HTTP 200 except rate limits (429 with
 * Retry-After).
 */
export function apiRouter(core: SlackCore, methods: Record<string, ApiMethod>): Router {
  const handle = async (req: RouteRequest<"method">, res: import("node:http").ServerResponse) => {
    const method = req.params.method;
    const warnings: string[] = [];
    let caller: Caller | undefined;
    let end: (() => void) | undefined;
    try {
      const parsed = await parseArgs(req);
      warnings.push(...parsed.warnings);
      const impl = methods[method];
      // Slack answers unknown_method before looking at the token.
      if (!impl) throw new SlackApiError("unknown_method", { extra: { req_method: method } });
      if (!NO_AUTH.has(method)) caller = authenticate(core, req, parsed.args);
      // An app-level token opens Socket Mode connections and nothing else; only it can.
      if (caller && (caller.isApp === true) !== APP_TOKEN_METHODS.has(method)) throw new SlackApiError("not_allowed_token_type");
      if (caller?.isBot) end = core.activity.begin();
      const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
      const [basicUser, ...rest] = basic ? Buffer.from(basic, "base64").toString("utf8").split(":") : [];
      const basicAuth = basicUser !== undefined ? { user: basicUser, password: rest.join(":") } : undefined;
      const result = await impl({ core, args: parsed.args, caller: caller ?? { userId: "", isBot: false }, ...(basicAuth ? { basicAuth } : {}), warn: (c) => warnings.push(c) });
      const body: Json = { ok: true, ...result };
      if (warnings.length) {
        body.warning = warnings.join(",");
        body.response_metadata = { ...((body.response_metadata as Json) ?? {}), warnings };
      }
      sendJson(res, 200, body);
    } catch (e) {
      if (!(e instanceof SlackApiError)) {
        core.logger?.error({ err: e, method }, "sandbox Slack API method failed");
        sendJson(res, 500, { ok: false, error: "internal_error" });
        return;
      }
      const body: Json = { ok: false, error: e.code, ...e.extra };
      if (warnings.length) {
        body.warning = warnings.join(",");
        body.response_metadata = { ...((body.response_metadata as Json) ?? {}), warnings };
      }
      sendJson(res, e.status, body, e.headers);
    } finally {
      end?.();
    }
  };
  return new Router({ maxBodyBytes: 20 * 1024 * 1024 }).add("POST", "/api/:method", handle).add("GET", "/api/:method", handle);
}
