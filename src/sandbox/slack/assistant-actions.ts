import { randomUUID } from "node:crypto";
import type { SlackCore } from "./core.ts";
import type { EventDispatcher } from "./events.ts";
import { encodeMentions, richTextBlock } from "./mentions.ts";
import type { AssistantThreadState, Json, SandboxMessage } from "./types.ts";
import { ActionError, type UserActions } from "./user-actions.ts";

/**
 * What a person does in the app's assistant container (the side panel, or the app's DM): open it
 * (a new thread: `assistant_thread_started` with the channel they are looking at as context), look
 * at another channel while it is open (`assistant_thread_context_changed`), and ask in the thread
 * (a `message.im` event with `channel_type: "im"` and the thread's `thread_ts`).
 */
export class AssistantActions {
  private readonly core: SlackCore;
  private readonly events: EventDispatcher;
  private readonly people: UserActions;

  constructor(core: SlackCore, events: EventDispatcher, people: UserActions) {
    this.core = core;
    this.events = events;
    this.people = people;
  }

  /** The context Slack sends: the channel the person is viewing (only one the app may know of), the team. */
  private context(user: string, channelRef: string | undefined): Json {
    if (!channelRef) return {};
    const ch = this.people.channelFor(this.people.person(user), channelRef);
    return { channel_id: ch.id, team_id: this.core.ws.teamOf(ch.id), enterprise_id: null };
  }

  private payload(t: AssistantThreadState, context: Json): Json {
    return { user_id: t.user, context, channel_id: t.channel, thread_ts: t.threadTs };
  }

  /** Opens the container: a new thread in the person's DM with the app. */
  startThread(userRef: string, viewing?: string): AssistantThreadState {
    const user = this.people.person(userRef);
    const context = this.context(user.id, viewing);
    const { thread } = this.core.ws.startAssistantThread(user.id, context);
    this.events.deliver({ type: "assistant_thread_started", assistant_thread: this.payload(thread, context), event_ts: this.core.ws.nextTs() });
    return thread;
  }

  thread(userRef: string, threadTs: string): AssistantThreadState {
    const user = this.people.person(userRef);
    const t = this.core.ws.assistantThreadsOf(user.id).find((x) => x.threadTs === threadTs);
    if (!t) throw new ActionError(404, "thread_not_found", `no assistant thread ${threadTs} for ${user.id}`);
    return t;
  }

  /** The person looks at another channel while the thread is open. */
  changeContext(userRef: string, threadTs: string, viewing: string): AssistantThreadState {
    const t = this.thread(userRef, threadTs);
    const context = this.context(t.user, viewing);
    this.core.ws.setAssistantContext(t, context);
    this.events.deliver({ type: "assistant_thread_context_changed", assistant_thread: this.payload(t, context), event_ts: this.core.ws.nextTs() });
    return t;
  }

  /** The person writes in the thread. */
  ask(userRef: string, threadTs: string, text: string): SandboxMessage {
    const t = this.thread(userRef, threadTs);
    if (!text.trim()) throw new ActionError(400, "no_text");
    const encoded = encodeMentions(this.core.ws, text);
    return this.core.ws.post({ channel: t.channel, user: t.user, text: encoded, blocks: [richTextBlock(encoded, randomUUID().slice(0, 5))], threadTs: t.threadTs, clientMsgId: randomUUID() });
  }

  /** True while the app still streams a reply into the thread or shows a status there. */
  working(t: AssistantThreadState): boolean {
    const live = this.core.ws.assistantThread(t.channel, t.threadTs);
    if (live?.status) return true;
    return this.core.ws.replies(t.channel, t.threadTs).some((m) => m.stream && m.stream.stoppedAt === undefined);
  }
}
