import type { SlackCallError, SlackPort } from "./slack-port.ts";
import { parseChannelRef, TEAM_KEY } from "./workspace-ref.ts";

/**
 * Turns "#incidents" into a channel id (conversations.list, cached) and makes sure the bot is a
 * member (conversations.join) before it posts there.
 */
export class ChannelDirectory {
  private readonly slack: SlackPort;
  private readonly ids = new Map<string, string>();
  private readonly joined = new Set<string>();
  private readonly learnt?: (channelId: string, teamId: string) => Promise<void>;
  /** `learnt`: called with a channel of a named workspace (`T…/#incidents`) once resolved (the port's channel → workspace map). */
  constructor(slack: SlackPort, learnt?: (channelId: string, teamId: string) => Promise<void>) {
    this.slack = slack;
    this.learnt = learnt;
  }

  /** `#name`, an id, or either with its workspace (`T…/#name`): the channel id, the bot a member. */
  async resolve(ref: string): Promise<{ id: string } | { error: SlackCallError }> {
    const { teamId, channel } = parseChannelRef(ref);
    const team: Record<string, string> = teamId ? { [TEAM_KEY]: teamId } : {};
    let id = channel.startsWith("#") ? this.ids.get(`${teamId ?? ""}/${channel.slice(1)}`) : channel;
    if (!id) {
      const name = channel.slice(1);
      const key = (n: string) => `${teamId ?? ""}/${n}`;
      let cursor: string | undefined;
      do {
        const r = await this.slack.call("conversations.list", { limit: 200, exclude_archived: true, types: "public_channel,private_channel", cursor, ...team });
        if (!r.ok) return { error: r.error };
        const channels = (r.data.channels as Array<{ id: string; name: string }>) ?? [];
        for (const c of channels) this.ids.set(key(c.name), c.id);
        cursor = (r.data.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || undefined;
      } while (cursor && !this.ids.has(key(name)));
      id = this.ids.get(key(name));
      if (!id) return { error: { code: "channel_not_found", transient: false } };
    }
    if (teamId && this.learnt && !this.joined.has(id)) await this.learnt(id, teamId);
    return this.ensureJoined(id, team);
  }

  private async ensureJoined(id: string, team: Record<string, string>): Promise<{ id: string } | { error: SlackCallError }> {
    if (this.joined.has(id)) return { id };
    const r = await this.slack.call("conversations.join", { channel: id, ...team });
    // Private channels cannot be joined by the bot; posting still works once it is invited.
    if (r.ok || r.error.code === "method_not_supported_for_channel_type" || r.error.code === "already_in_channel") this.joined.add(id);
    return { id };
  }
}
