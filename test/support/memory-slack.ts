import type { SlackCallResult, SlackPort } from "../../src/integrations/slack/slack-port.ts";

/**
 * An in-memory implementation of the SlackPort: keeps messages per channel, answers like Slack,
 * and can be told to rate-limit or fail the next calls.
 */
export class MemorySlack implements SlackPort {
  readonly calls: Array<{ method: string; payload: Record<string, unknown>; at: number }> = [];
  readonly messages = new Map<string, { channel: string; ts: string; thread_ts?: string; text: string; blocks: unknown[]; edits: number }>();
  private seq = 1000;
  failures: Array<{ code: string; retryAfterMs?: number; transient: boolean }> = [];
  channels = [
    { id: "C_INCIDENTS", name: "incidents" },
    { id: "C_SRE", name: "sre" },
  ];

  async call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult> {
    this.calls.push({ method, payload, at: Date.now() });
    const failure = this.failures.shift();
    if (failure) return { ok: false, error: failure };
    switch (method) {
      case "conversations.list":
        return { ok: true, data: { channels: this.channels } };
      case "conversations.join":
        return { ok: true, data: {} };
      case "chat.postMessage": {
        const ts = `1700000000.${String(this.seq++).padStart(6, "0")}`;
        if (payload.thread_ts && ![...this.messages.values()].some((m) => m.ts === payload.thread_ts)) return { ok: false, error: { code: "thread_not_found", transient: false } };
        this.messages.set(ts, { channel: String(payload.channel), ts, thread_ts: payload.thread_ts as string | undefined, text: String(payload.text ?? ""), blocks: (payload.blocks as unknown[]) ?? [], edits: 0 });
        return { ok: true, data: { ts, channel: payload.channel } };
      }
      case "chat.update": {
        const m = this.messages.get(String(payload.ts));
        if (!m) return { ok: false, error: { code: "message_not_found", transient: false } };
        m.text = String(payload.text ?? "");
        m.blocks = (payload.blocks as unknown[]) ?? [];
        m.edits++;
        return { ok: true, data: { ts: m.ts } };
      }
      default:
        return { ok: true, data: {} };
    }
  }

  roots(): Array<{ ts: string; text: string; edits: number; blocks: unknown[] }> {
    return [...this.messages.values()].filter((m) => !m.thread_ts);
  }

  replies(rootTs: string): Array<{ ts: string; text: string; edits: number; blocks: unknown[] }> {
    return [...this.messages.values()].filter((m) => m.thread_ts === rootTs);
  }
}
