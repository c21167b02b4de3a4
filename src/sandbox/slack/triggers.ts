import { triggerId } from "./ids.ts";

export interface TriggerContext {
  user: string;
  channel?: string;
  /** Set when the trigger came from inside a modal (views.push needs one). */
  viewId?: string;
}

interface Trigger extends TriggerContext {
  issuedAt: number;
  used: boolean;
}

/** A trigger_id expires 3 seconds after it is issued. */
export const TRIGGER_TTL_MS = 3000;

/** trigger_ids handed to the app with commands and interactions: valid for 3 s, usable once. */
export class Triggers {
  private readonly triggers = new Map<string, Trigger>();
  private readonly ttlMs: number;
  constructor(options: { ttlMs?: number } = {}) {
    this.ttlMs = options.ttlMs ?? TRIGGER_TTL_MS;
  }

  issue(ctx: TriggerContext): string {
    const id = triggerId();
    this.triggers.set(id, { ...ctx, issuedAt: Date.now(), used: false });
    if (this.triggers.size > 1000) {
      const cutoff = Date.now() - 60_000;
      for (const [k, t] of this.triggers) if (t.issuedAt < cutoff) this.triggers.delete(k);
    }
    return id;
  }

  /** Uses a trigger: its context, or Slack's error code. */
  exchange(id: unknown, now = Date.now()): TriggerContext | { error: "invalid_trigger_id" | "expired_trigger_id" | "exchanged_trigger_id" } {
    const t = typeof id === "string" ? this.triggers.get(id) : undefined;
    if (!t) return { error: "invalid_trigger_id" };
    if (now - t.issuedAt > this.ttlMs) return { error: "expired_trigger_id" };
    if (t.used) return { error: "exchanged_trigger_id" };
    t.used = true;
    return { user: t.user, channel: t.channel, viewId: t.viewId };
  }
}
