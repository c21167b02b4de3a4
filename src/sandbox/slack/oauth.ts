import { randomHex } from "./ids.ts";

/** Slack's rotating bot tokens live 12 hours. */
export const TOKEN_LIFETIME_S = 43_200;
const CODE_TTL_MS = 10 * 60_000;

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** Token rotation on: installs get `xoxe.xoxb-` tokens that expire, with refresh tokens. */
  tokenRotation: boolean;
  /** Seconds a rotating token lives (Slack: 12 h). */
  tokenLifetimeS?: number;
  /**
   * The app's Redirect URLs (OAuth & Permissions): an authorize request without `redirect_uri` goes
   * back to the first; one with it must be one of them or below one (Slack's rule).
   */
  redirectUrls?: string[];
  /** The app's "Add to Slack" link (its install path), shown on the sandbox page. */
  installUrl?: string;
}

interface Grant {
  redirectUri: string;
  scope: string;
  user: string;
  enterprise: boolean;
  /** The workspace installed into (the org's first for an org-wide install). */
  team: string;
  expires: number;
  used: boolean;
}

/**
 * The sandbox app's OAuth v2 state (Slack's side of the install flow): authorization codes from the
 * authorize page, tokens it issued (accepted by the Web API as the bot's until they expire) and
 * refresh tokens, each good once.
 */
export class OAuthGrants {
  readonly app: OAuthApp;
  private readonly codes = new Map<string, Grant>();
  private readonly tokens = new Map<string, { expiresAt?: number; team: string }>();
  private readonly refreshTokens = new Map<string, { scope: string; enterprise: boolean; team: string; used: boolean }>();

  constructor(app: OAuthApp) {
    this.app = app;
  }

  /** The person approved the install: a code for the redirect. */
  authorize(input: { redirectUri: string; scope: string; user: string; enterprise: boolean; team: string }, now = Date.now()): string {
    const code = `${Math.floor(now / 1000)}.${randomHex(12)}`;
    this.codes.set(code, { ...input, expires: now + CODE_TTL_MS, used: false });
    return code;
  }

  /** Exchanges a code (once, before it expires, with the same redirect_uri). */
  exchange(code: string, redirectUri: string | undefined, now = Date.now()): { error: string } | { grant: Grant } {
    const g = this.codes.get(code);
    if (!g || g.expires < now) return { error: "invalid_code" };
    if (g.used) return { error: "code_already_used" };
    if (redirectUri !== undefined && redirectUri !== g.redirectUri) return { error: "bad_redirect_uri" };
    g.used = true;
    return { grant: g };
  }

  /** A new bot token (and, with rotation, its refresh token and lifetime). */
  issue(scope: string, enterprise: boolean, nowS = Math.floor(Date.now() / 1000), team = "T0SANDBOX1"): { access_token: string; refresh_token?: string; expires_in?: number } {
    if (!this.app.tokenRotation) {
      const token = `xoxb-sandbox-${randomHex(10)}`;
      this.tokens.set(token, { team });
      return { access_token: token };
    }
    const life = this.app.tokenLifetimeS ?? TOKEN_LIFETIME_S;
    const token = `xoxe.xoxb-1-${randomHex(16)}`;
    const refresh = `xoxe-1-${randomHex(20)}`;
    this.tokens.set(token, { expiresAt: nowS + life, team });
    this.refreshTokens.set(refresh, { scope, enterprise, team, used: false });
    return { access_token: token, refresh_token: refresh, expires_in: life };
  }

  /** A refresh token, once: its grant's scope (the old access token stays good until it expires). */
  refresh(refreshToken: string): { error: string } | { scope: string; enterprise: boolean; team: string } {
    const r = this.refreshTokens.get(refreshToken);
    if (!r || r.used) return { error: "invalid_refresh_token" };
    r.used = true;
    return { scope: r.scope, enterprise: r.enterprise, team: r.team };
  }

  /** The tokens and refresh tokens issued (what a restarted sandbox must still accept); codes live minutes and are not kept. */
  snapshot(): { tokens: Array<[string, { expiresAt?: number; team: string }]>; refreshTokens: Array<[string, { scope: string; enterprise: boolean; team: string; used: boolean }]> } {
    return { tokens: [...this.tokens.entries()], refreshTokens: [...this.refreshTokens.entries()] };
  }

  restore(state: { tokens?: unknown; refreshTokens?: unknown }): void {
    if (Array.isArray(state.tokens)) for (const [k, v] of state.tokens as Array<[string, { expiresAt?: number; team: string }]>) this.tokens.set(k, v);
    if (Array.isArray(state.refreshTokens)) for (const [k, v] of state.refreshTokens as Array<[string, { scope: string; enterprise: boolean; team: string; used: boolean }]>) this.refreshTokens.set(k, v);
  }

  /** The app was uninstalled from a workspace: its tokens and refresh tokens stop working. Answers how many tokens went. */
  revokeTeam(team: string): number {
    let n = 0;
    for (const [k, v] of this.tokens) if (v.team === team && this.tokens.delete(k)) n++;
    for (const [k, v] of this.refreshTokens) if (v.team === team) this.refreshTokens.delete(k);
    return n;
  }

  /** The workspace a token issued here belongs to. */
  teamOf(token: string): string | undefined {
    return this.tokens.get(token)?.team;
  }

  /** Whether the Web API takes a token as the bot's: "ok", "expired", or undefined (not one of these). */
  check(token: string, nowS = Math.floor(Date.now() / 1000)): "ok" | "expired" | undefined {
    const t = this.tokens.get(token);
    if (!t) return undefined;
    return t.expiresAt !== undefined && t.expiresAt <= nowS ? "expired" : "ok";
  }
}
