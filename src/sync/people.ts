import type { SlackPort } from "../integrations/slack/slack-port.ts";

/**
 * The same person in Slack, Jira and PagerDuty, matched by email as a company's directory would:
 * a PagerDuty responder becomes a Slack mention, a Slack user a name Jira readers understand.
 * Lookups are cached (misses too, for a while) so a storm of events does not become a storm of calls.
 */
export class People {
  private readonly slack?: SlackPort;
  private readonly byEmail = new Map<string, { id?: string; until: number }>();
  private readonly names = new Map<string, { name?: string; email?: string; until: number }>();
  private readonly ttlMs: number;

  constructor(o: { slack?: SlackPort; ttlMs?: number } = {}) {
    this.slack = o.slack;
    this.ttlMs = o.ttlMs ?? 10 * 60_000;
  }

  /** The Slack user with this email, if any. */
  async slackIdByEmail(email: string | undefined): Promise<string | undefined> {
    if (!email || !this.slack) return undefined;
    const key = email.toLowerCase();
    const hit = this.byEmail.get(key);
    if (hit && hit.until > Date.now()) return hit.id;
    let id: string | undefined;
    try {
      const r = await this.slack.call("users.lookupByEmail", { email: key });
      if (r.ok) id = String((r.data.user as { id?: string } | undefined)?.id ?? "") || undefined;
    } catch {
      id = undefined;
    }
    this.byEmail.set(key, { id, until: Date.now() + this.ttlMs });
    return id;
  }

  private async slackUser(userId: string): Promise<{ name?: string; email?: string }> {
    const hit = this.names.get(userId);
    if (hit && hit.until > Date.now()) return hit;
    let name: string | undefined;
    let email: string | undefined;
    try {
      const r = await this.slack!.call("users.info", { user: userId });
      if (r.ok) {
        const u = r.data.user as { real_name?: string; name?: string; profile?: { real_name?: string; display_name?: string; email?: string } } | undefined;
        name = u?.profile?.real_name || u?.real_name || u?.profile?.display_name || u?.name || undefined;
        email = u?.profile?.email || undefined;
      }
    } catch {
      name = undefined;
    }
    const entry = { name, email, until: Date.now() + this.ttlMs };
    this.names.set(userId, entry);
    return entry;
  }

  /** A Slack user's display name (real name first), or the id when Slack does not say. */
  async slackName(userId: string): Promise<string> {
    if (!/^[UW][A-Z0-9_]+$/.test(userId) || !this.slack) return userId;
    return (await this.slackUser(userId)).name ?? userId;
  }

  /** A Slack user's email (needs the users:read.email scope), to find them in Jira. */
  async slackEmail(userId: string): Promise<string | undefined> {
    if (!/^[UW][A-Z0-9_]+$/.test(userId) || !this.slack) return undefined;
    return (await this.slackUser(userId)).email;
  }

  /** Text with `<@U…>` mentions replaced by names (for Jira and the knowledge base). */
  async plain(text: string): Promise<string> {
    const ids = [...new Set([...text.matchAll(/<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>/g)].flatMap(([, id]) => (id ? [id] : [])))];
    let out = text;
    for (const id of ids) {
      const name = await this.slackName(id);
      out = out.replace(new RegExp(`<@${id}(?:\\|[^>]*)?>`, "g"), name === id ? id : `@${name}`);
    }
    return out;
  }

  /** How to name an actor in plain text: Slack users by name, others as they are. */
  async actor(actor: string): Promise<string> {
    return /^[UW][A-Z0-9_]+$/.test(actor) ? this.slackName(actor) : actor;
  }
}
