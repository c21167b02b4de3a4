import type { App } from "@slack/bolt";
import { Assistant } from "../bolt.ts";
import { answerFooter } from "../../blocks/answer.ts";
import { assistantGreeting } from "../../blocks/assistant-thread.ts";
import { feedbackBlock } from "../../blocks/feedback.ts";
import type { Services } from "../../src/app/services.ts";
import { incidentNamed, loadingMessages, PROMPTS_TITLE, streamPieces, SUGGESTED_PROMPTS, threadTitle, workingStatus } from "../../src/assistant/assistant-surface.ts";
import { parseQuestion } from "../../src/assistant/intents.ts";
import { mrkdwnToMarkdown } from "../../src/text/slack-markup.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { questionFrom, uploadChart } from "./app-mention.ts";
import { ThreadContextStore } from "./assistant-context-store.ts";

/**
 * aisre as a Slack AI app (Bolt's `Assistant`): in the side panel and the app's DM a thread starts
 * with a greeting and suggested prompts; a question sets the thread's title and a status saying what
 * aisre reads while it works, then the answer from the same engine as @mentions streams in
 * (`chat.startStream` / `appendStream` / `stopStream`), with the channel the person is looking at as
 * context (its open incident is the one a question is about). Every answer ends with the native
 * feedback buttons, as @mention answers do.
 */
export function registerAssistantThreads(app: App, services: Services): void {
  const assistant = new Assistant({
    threadContextStore: new ThreadContextStore(),
    threadStarted: async ({ event, say, setSuggestedPrompts, saveThreadContext, logger }) => {
      try {
        await say(assistantGreeting(event.assistant_thread.user_id));
        await saveThreadContext();
        await setSuggestedPrompts({ title: PROMPTS_TITLE, prompts: SUGGESTED_PROMPTS.map((p) => ({ ...p })) });
      } catch (e) {
        logger.error(e);
        await reportListenerError(e, { logger: services.logger, metrics: services.metrics, user: event.assistant_thread.user_id, what: "assistant_thread_started" });
      }
    },
    userMessage: async ({ message, client, context, setStatus, setTitle, getThreadContext }) => {
      if (!("text" in message) || !message.text || !("user" in message) || !message.user || !("thread_ts" in message) || !message.thread_ts) return;
      const user = message.user;
      const channel = message.channel;
      const threadTs = message.thread_ts;
      const logger = services.logger.child({ user, channel, surface: "assistant" });
      try {
        const text = questionFrom(message.text);
        const known = await services.assistant.knownServices().catch(() => []);
        const parsed = parseQuestion(text, known);
        await setTitle(threadTitle(text));
        await setStatus({ status: workingStatus(parsed), loading_messages: loadingMessages(parsed) });
        const viewing = (await getThreadContext()).channel_id;
        const open = await services.store.incidents.listOpen().catch(() => []);
        const incidentId = incidentNamed(parsed, open);
        const result = await services.assistant.ask({ text, user, channel: viewing ?? channel, ts: message.ts, ...(incidentId ? { incidentId } : {}) });
        const streamer = client.chatStream({ channel, thread_ts: threadTs, ...(context.teamId ? { recipient_team_id: context.teamId } : {}), recipient_user_id: user });
        for (const piece of streamPieces(mrkdwnToMarkdown(result.text))) await streamer.append({ markdown_text: piece });
        await streamer.stop({ blocks: [...answerFooter(result), feedbackBlock("answer", result.incidentId)] });
        if (result.chart) await uploadChart(client, channel, threadTs, result.chart).catch((e: unknown) => logger.warn({ err: e }, "chart upload failed"));
      } catch (e) {
        await reportListenerError(e, { logger, metrics: services.metrics, user, what: "assistant message" });
        await setStatus("").catch(() => undefined);
        await client.chat.postMessage({ channel, thread_ts: threadTs, text: ":x: Sorry, I could not answer that: something failed while looking. The error is logged; try again." }).catch(() => undefined);
      }
    },
  });
  app.assistant(assistant);
}
