import type { BotActivity } from "./activity.ts";
import { apiView, visibleMessage, type UrlBase } from "./message-shape.ts";
import type { Json, SandboxMessage, SandboxView } from "./types.ts";
import type { SlackWorkspace } from "./workspace.ts";

export interface WatchOptions {
  /** How long the bot must be quiet after the last message before the answer is complete. */
  settleMs: number;
  /** Give up waiting after this long (the BRIEF's 5 s). */
  maxMs: number;
}

export const DEFAULT_WATCH: WatchOptions = { settleMs: 1000, maxMs: 5000 };

/**
 * Collects what one person sees as a result of their action: messages others post or edit where
 * they can see them (ephemeral ones to them included) and modals opened or changed for them. Done
 * when the bot has been quiet for `settleMs` after the last of those and shows no status under a
 * thread they can see, or after `maxMs`.
 */
export class ActionWatch {
  private readonly seen = new Map<string, SandboxMessage>();
  private readonly deleted = new Set<string>();
  private readonly views = new Map<string, SandboxView>();
  private readonly started = Date.now();
  private lastChange = Date.now();
  private readonly unsubscribe: () => void;
  private readonly ws: SlackWorkspace;
  private readonly activity: BotActivity;
  private readonly urls: UrlBase;
  private readonly user: string;
  private readonly options: WatchOptions;

  constructor(ws: SlackWorkspace, activity: BotActivity, urls: UrlBase, user: string, options: WatchOptions = DEFAULT_WATCH) {
    this.ws = ws;
    this.activity = activity;
    this.urls = urls;
    this.user = user;
    this.options = options;
    this.unsubscribe = ws.subscribe((c) => {
      if (c.kind === "message_posted" || (c.kind === "message_changed" && c.previous !== c.message)) {
        const m = c.message;
        const visible = !m.visibleTo || m.visibleTo === this.user;
        if (visible && this.canSee(m.channel) && m.user !== this.user && m.subtype !== "channel_join") {
          this.seen.set(`${m.channel}:${m.ts}`, m);
          this.deleted.delete(`${m.channel}:${m.ts}`);
          this.lastChange = Date.now();
        }
      } else if (c.kind === "message_deleted") {
        const key = `${c.message.channel}:${c.message.ts}`;
        if (this.seen.has(key)) this.deleted.add(key);
      } else if (c.kind === "view" && c.view.user === this.user) {
        this.views.set(c.view.id, c.view);
        this.lastChange = Date.now();
      }
    });
  }

  private canSee(channel: string): boolean {
    const ch = this.ws.channel(channel);
    return !!ch && (!ch.isPrivate || ch.members.has(this.user));
  }

  private done(now: number): boolean {
    if (now - this.started >= this.options.maxMs) return true;
    // "aisre is looking into it…" under a thread the person can see: the answer is on its way.
    if (this.ws.busyChannelThreads(now).some((t) => this.canSee(t.channel))) return false;
    if (!this.seen.size && !this.views.size) return false;
    return !this.activity.busy && now - this.lastChange >= this.options.settleMs && this.activity.quietFor(now) >= this.options.settleMs;
  }

  async result(): Promise<{ messages: Json[]; views: Json[] }> {
    try {
      while (!this.done(Date.now())) await new Promise((r) => setTimeout(r, 50));
    } finally {
      this.unsubscribe();
    }
    const messages = [...this.seen.entries()]
      .filter(([k]) => !this.deleted.has(k))
      .map(([, m]) => m)
      .sort((a, b) => Number(a.ts) - Number(b.ts))
      .map((m) => visibleMessage(this.ws, m, this.urls));
    const views = [...this.views.values()].map((v) => ({ ...apiView(this.ws, v), is_open: v.open, ...(v.errors ? { errors: v.errors } : {}) }));
    return { messages, views };
  }

  cancel(): void {
    this.unsubscribe();
  }
}
