import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from "@slack/bolt";
import { answerBlocks } from "../../blocks/mention-reply.ts";
import type { Services } from "../../src/app/services.ts";
import { reportListenerError } from "../middleware/errors.ts";

/** Answers a question; the assistant issue plugs its router in here. */
export type MentionAnswerer = (q: { text: string; user: string; channel: string; threadTs: string; incidentId?: string }) => Promise<{ text: string; footnote?: string }>;

/** Strips the bot mention(s) so only the question is left. */
export function questionFrom(text: string): string {
  return text.replace(/<@[UW][A-Z0-9]+(\|[^>]+)?>/g, "").trim();
}

export const defaultAnswerer: MentionAnswerer = async ({ text }) => ({
  text: text
    ? `I heard: _${text.slice(0, 200)}_. Try \`/aisre help\` for what I can do.`
    : "Hi! Ask me about an incident in its thread, or try `/aisre help`.",
});

export function registerAppMention(app: App, services: Services, answer: MentionAnswerer = defaultAnswerer): void {
  app.event("app_mention", async ({ event, client }: SlackEventMiddlewareArgs<"app_mention"> & AllMiddlewareArgs) => {
    const threadTs = event.thread_ts ?? event.ts;
    const user = event.user ?? "unknown";
    const logger = services.logger.child({ user, channel: event.channel });
    try {
      const incidentId = await services.store.slackMessages.incidentForThread(event.channel, threadTs);
      if (incidentId) {
        await services.store.timeline.append({ incidentId, kind: "message", actor: user, text: event.text, data: { ts: event.ts, channel: event.channel } });
      }
      const reply = await answer({ text: questionFrom(event.text), user, channel: event.channel, threadTs, incidentId });
      await client.chat.postMessage({ channel: event.channel, thread_ts: threadTs, text: reply.text, blocks: answerBlocks(reply.text, reply.footnote) });
    } catch (e) {
      await reportListenerError(e, { logger, metrics: services.metrics, user, what: "app_mention" });
    }
  });
}
