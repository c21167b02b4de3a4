import type { AssistantConfig } from "@slack/bolt";
import type { Block } from "@slack/types";

type AssistantThreadContextStore = NonNullable<AssistantConfig["threadContextStore"]>;
type AllAssistantMiddlewareArgs = Parameters<AssistantThreadContextStore["get"]>[0];
type AssistantThreadContext = Awaited<ReturnType<AssistantThreadContextStore["get"]>>;

const KEEP = 2000;
const EVENT_TYPE = "assistant_thread_context";

function threadOf(payload: unknown): { channel: string; threadTs: string; context?: AssistantThreadContext } | undefined {
  const p = payload as { assistant_thread?: { channel_id?: string; thread_ts?: string; context?: AssistantThreadContext }; channel?: string; thread_ts?: string };
  if (p.assistant_thread?.channel_id && p.assistant_thread.thread_ts) return { channel: p.assistant_thread.channel_id, threadTs: p.assistant_thread.thread_ts, context: p.assistant_thread.context };
  if (p.channel && p.thread_ts) return { channel: p.channel, threadTs: p.thread_ts };
  return undefined;
}

/**
 * Where each assistant thread's context (the channel its person is looking at) is kept: per thread
 * in this process (Bolt's default store keeps one context for all threads), and in the metadata of
 * the app's first message in the thread, as Slack's own pattern does, so another replica (or a
 * restart) reads it back once.
 */
export class ThreadContextStore implements AssistantThreadContextStore {
  private readonly byThread = new Map<string, AssistantThreadContext>();

  private remember(key: string, context: AssistantThreadContext): void {
    this.byThread.delete(key);
    this.byThread.set(key, context);
    if (this.byThread.size > KEEP) {
      const oldest = this.byThread.keys().next().value;
      if (oldest !== undefined) this.byThread.delete(oldest);
    }
  }

  private async firstAppMessage(args: AllAssistantMiddlewareArgs, channel: string, threadTs: string) {
    const thread = await args.client.conversations.replies({ channel, ts: threadTs, oldest: threadTs, include_all_metadata: true, limit: 4 });
    return thread.messages?.find((m) => !("subtype" in m && m.subtype) && m.user === args.context.botUserId);
  }

  get = async (args: AllAssistantMiddlewareArgs): Promise<AssistantThreadContext> => {
    const t = threadOf(args.payload);
    if (!t) return {};
    const key = `${t.channel}:${t.threadTs}`;
    const known = this.byThread.get(key);
    if (known) return known;
    const first = await this.firstAppMessage(args, t.channel, t.threadTs);
    const stored = first?.metadata?.event_type === EVENT_TYPE ? (first.metadata.event_payload as AssistantThreadContext) : {};
    this.remember(key, stored);
    return stored;
  };

  save = async (args: AllAssistantMiddlewareArgs): Promise<void> => {
    const t = threadOf(args.payload);
    if (!t?.context) return;
    this.remember(`${t.channel}:${t.threadTs}`, t.context);
    const first = await this.firstAppMessage(args, t.channel, t.threadTs);
    if (!first?.ts) return;
    // The blocks are the message's own, read back: web-api types them with its generated response type, which
    // @slack/types' Block (what chat.update takes) covers.
    const blocks = (first.blocks ?? []) as Block[];
    await args.client.chat.update({ channel: t.channel, ts: first.ts, text: first.text ?? "", blocks, metadata: { event_type: EVENT_TYPE, event_payload: { ...t.context } as Record<string, string> } });
  };
}
