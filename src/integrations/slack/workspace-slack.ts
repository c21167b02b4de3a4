import { BoundedMemo } from "../../domain/bounded-memo.ts";
import type { InstallationKey, SlackWorkspaceRef } from "../../store/repos/slack-installations.ts";
import type { SlackCallResult, SlackPort } from "./slack-port.ts";
import { WebApiSlack } from "./web-api-slack.ts";
import { TEAM_KEY, withoutTeamKey } from "./workspace-ref.ts";

export { channelRef, parseChannelRef, TEAM_KEY, withoutTeamKey } from "./workspace-ref.ts";

/** What Bolt's InstallProvider answers for a workspace (a fresh token: a rotating one is refreshed first). */
export type WorkspaceAuthorize = (q: { teamId?: string; enterpriseId?: string; isEnterpriseInstall: boolean }) => Promise<{ botToken?: string }>;

export interface WorkspaceSlackOptions {
  slackApiUrl?: string;
  /** Which workspace a channel is in (the store's map). */
  channelWorkspace(channelId: string): Promise<SlackWorkspaceRef | undefined>;
  /** Which workspace a person is in (the store's map), for calls about a person (views.publish). */
  userWorkspace?(userId: string): Promise<SlackWorkspaceRef | undefined>;
  /** The install of calls that name no workspace (no channel, or one not seen yet): the configured default, else the first install. */
  defaultWorkspace(): Promise<InstallationKey | undefined>;
  timeoutMs?: number;
}

/**
 * The Slack port with OAuth installs in several workspaces: each call goes out with the token of
 * the workspace it is about — the payload's `team_id` when it names one, else the workspace of its
 * channel, else the default one — authorized through the InstallationStore (Bolt's InstallProvider,
 * which rotates expiring tokens and saves them back). No install yet: `not_installed`, transient
 * (the outbox keeps the message until someone installs the app).
 */
export class WorkspaceSlack implements SlackPort {
  private readonly o: WorkspaceSlackOptions;
  private authorize?: WorkspaceAuthorize;
  /** One client per bot token; a rotated token replaces the old one: the cache stays small. */
  private readonly clients = new BoundedMemo<string, WebApiSlack>(50);
  private readonly known = new Map<string, SlackWorkspaceRef>();

  constructor(o: WorkspaceSlackOptions) {
    this.o = o;
  }

  /** The InstallProvider's authorize, once Bolt's receiver exists (it is built after the services). */
  bind(authorize: WorkspaceAuthorize): void {
    this.authorize = authorize;
  }

  /** Which workspace a call is about (undefined: no install to use). */
  async workspaceOf(payload: Record<string, unknown>): Promise<InstallationKey | undefined> {
    const asKey = (w: SlackWorkspaceRef): InstallationKey => ({ teamId: w.teamId, ...(w.enterpriseId ? { enterpriseId: w.enterpriseId } : {}), isEnterpriseInstall: false });
    const named = typeof payload[TEAM_KEY] === "string" ? payload[TEAM_KEY] : typeof payload.team_id === "string" ? payload.team_id : undefined;
    if (named) return asKey({ teamId: named });
    const channel = typeof payload.channel === "string" ? payload.channel : typeof payload.channel_id === "string" ? payload.channel_id : undefined;
    if (channel && /^[CGD][A-Z0-9]+$/.test(channel)) {
      const hit = this.known.get(channel) ?? (await this.o.channelWorkspace(channel));
      if (hit) {
        this.known.set(channel, hit);
        return asKey(hit);
      }
    }
    const user = !channel && typeof payload.user_id === "string" ? payload.user_id : undefined;
    if (user && this.o.userWorkspace) {
      const hit = this.known.get(user) ?? (await this.o.userWorkspace(user));
      if (hit) {
        this.known.set(user, hit);
        return asKey(hit);
      }
    }
    return this.o.defaultWorkspace();
  }

  async call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult> {
    if (!this.authorize) return { ok: false, error: { code: "not_ready", transient: true } };
    const ws = await this.workspaceOf(payload);
    if (!ws) return { ok: false, error: { code: "not_installed", transient: true } };
    let token: string | undefined;
    try {
      // A workspace of an organization falls back to the org-wide install (the store's lookup does).
      token = (await this.authorize({ ...(ws.teamId ? { teamId: ws.teamId } : {}), ...(ws.enterpriseId ? { enterpriseId: ws.enterpriseId } : {}), isEnterpriseInstall: ws.isEnterpriseInstall })).botToken;
    } catch {
      token = undefined;
    }
    if (!token) return { ok: false, error: { code: "not_installed", transient: true } };
    const client = this.clients.get(token, (t) => new WebApiSlack({ token: t, ...(this.o.slackApiUrl ? { slackApiUrl: this.o.slackApiUrl } : {}), ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}) }));
    return client.call(method, withoutTeamKey(payload));
  }
}
