import type { SlackCallError, SlackPort } from "./slack-port.ts";

/**
 * Turns "#incidents" into a channel id (conversations.list, cached) and makes sure the bot is a
 * member (conversations.join) before it posts there.
 */
export class ChannelDirectory {
  private readonly slack: SlackPort;
  private readonly ids = new Map<string, string>();
  private readonly joined = new Set<string>();
  constructor(slack: SlackPort) {
    this.slack = slack;
  }

  async resolve(channel: string): Promise<{ id: string } | { error: SlackCallError }> {
    if (!channel.startsWith("#")) return this.ensureJoined(channel);
    const name = channel.slice(1);
    let id = this.ids.get(name);
    if (!id) {
      let cursor: string | undefined;
      do {
        const r = await this.slack.call("conversations.list", { limit: 200, exclude_archived: true, types: "public_channel,private_channel", cursor });
        if (!r.ok) return { error: r.error };
        const channels = (r.data.channels as Array<{ id: string; name: string }>) ?? [];
        for (const c of channels) this.ids.set(c.name, c.id);
        cursor = (r.data.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || undefined;
      } while (cursor && !this.ids.has(name));
      id = this.ids.get(name);
      if (!id) return { error: { code: "channel_not_found", transient: false } };
    }
    return this.ensureJoined(id);
  }

  private async ensureJoined(id: string): Promise<{ id: string } | { error: SlackCallError }> {
    if (this.joined.has(id)) return { id };
    const r = await this.slack.call("conversations.join", { channel: id });
    // Private channels cannot be joined by the bot; posting still works once it is invited.
    if (r.ok || r.error.code === "method_not_supported_for_channel_type" || r.error.code === "already_in_channel") this.joined.add(id);
    return { id };
  }
}
