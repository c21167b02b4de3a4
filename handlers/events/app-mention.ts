import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { answerMessage } from "../../blocks/answer.ts";
import { withFeedback } from "../../blocks/feedback.ts";
import { answerBlocks } from "../../blocks/mention-reply.ts";
import type { Services } from "../../src/app/services.ts";
import { loadingMessages, workingStatus } from "../../src/assistant/assistant-surface.ts";
import { parseQuestion } from "../../src/assistant/intents.ts";
import type { ChartImage } from "../../src/assistant/metric-chart.ts";
import { escapeMrkdwn } from "../../blocks/mrkdwn.ts";
import { reportListenerError } from "../middleware/errors.ts";
import type { SlackMessage } from "../../src/incident/presenter.ts";

/** A custom answerer (tests, experiments); the default is the assistant (`src/assistant`). */
export type MentionAnswerer = (q: { text: string; user: string; channel: string; threadTs: string; incidentId?: string }) => Promise<{ text: string; footnote?: string }>;

/** Strips the bot mention(s) so only the question is left. */
export function questionFrom(text: string): string {
  return text.replace(/<@[UW][A-Z0-9]+(\|[^>]+)?>/g, "").trim();
}

/** Uploads a chart into the thread: files.getUploadURLExternal, the bytes, files.completeUploadExternal. */
export async function uploadChart(client: WebClient, channel: string, threadTs: string, chart: ChartImage): Promise<void> {
  const url = await client.files.getUploadURLExternal({ filename: chart.filename, length: chart.png.length, alt_text: chart.altText });
  if (!url.upload_url || !url.file_id) throw new Error(`files.getUploadURLExternal returned no upload URL (${url.error ?? "?"})`);
  const res = await fetch(url.upload_url, { method: "POST", headers: { "content-type": "image/png" }, body: new Uint8Array(chart.png) });
  if (!res.ok) throw new Error(`the chart upload answered ${res.status}`);
  await client.files.completeUploadExternal({ files: [{ id: url.file_id, title: chart.title }], channel_id: channel, thread_ts: threadTs });
}

/** Event ids this process handled: the fallback while the shared store cannot be asked. */
const SEEN_MAX = 2000;

/** "aisre is …" under the thread while it answers: what it reads for this question, and the steps after. */
async function setWorking(client: WebClient, services: Services, channel: string, threadTs: string, text: string): Promise<void> {
  const known = await services.assistant?.knownServices().catch(() => []);
  const q = parseQuestion(text, known ?? []);
  await client.assistant.threads.setStatus({ channel_id: channel, thread_ts: threadTs, status: workingStatus(q), loading_messages: loadingMessages(q) });
}

/**
 * @mentions: the thread shows "aisre is …" at once (Slack's AI loading state in channels, cleared by
 * the reply), then the answer goes into the thread (with a chart uploaded below it when the question
 * asks for one). The question and the gist of the answer go on the incident's timeline, which is
 * where the next question's context comes from.
 */
export function registerAppMention(app: App, services: Services, answer?: MentionAnswerer): void {
  const seen = new Set<string>();
  app.event("app_mention", async ({ event, client, body }: SlackEventMiddlewareArgs<"app_mention"> & AllMiddlewareArgs) => {
    const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
    // Slack retries an event it thinks was not acknowledged, to any replica: the first to claim the id answers.
    if (seen.has(eventId)) return;
    seen.add(eventId);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
    const first = await services.store.slackEvents.claim(eventId, "app_mention").catch((e: unknown) => {
      services.logger.warn({ err: e, eventId }, "event dedupe store unreachable; deduped in this process only");
      return true;
    });
    if (!first) return;
    const threadTs = event.thread_ts ?? event.ts;
    const user = event.user ?? "unknown";
    const logger = services.logger.child({ user, channel: event.channel });
    const text = questionFrom(event.text);
    // A status that cannot be shown costs the person nothing but the hint: the answer still comes.
    await setWorking(client, services, event.channel, threadTs, text).catch((e: unknown) => logger.warn({ err: e }, "could not show the thread's status"));
    try {
      const incidentId = await services.store.slackMessages.incidentForThread(event.channel, threadTs);
      let msg: SlackMessage;
      let chart: ChartImage | undefined;
      if (answer) {
        if (incidentId) await services.store.timeline.append({ incidentId, kind: "message", actor: user, text: event.text, data: { ts: event.ts, channel: event.channel } });
        const reply = await answer({ text, user, channel: event.channel, threadTs, incidentId });
        msg = withFeedback({ text: reply.text, blocks: answerBlocks(reply.text, reply.footnote) }, "answer", incidentId);
      } else {
        const result = await services.assistant.ask({ text, user, channel: event.channel, ts: event.ts, ...(incidentId ? { incidentId } : {}) });
        msg = withFeedback(answerMessage(result), "answer", incidentId);
        chart = result.chart;
      }
      await client.chat.postMessage({ channel: event.channel, thread_ts: threadTs, text: msg.text, blocks: msg.blocks });
      if (chart) {
        await uploadChart(client, event.channel, threadTs, chart).catch((e: unknown) => {
          logger.warn({ err: e }, "chart upload failed");
          return client.chat.postMessage({ channel: event.channel, thread_ts: threadTs, text: `:warning: I could not upload the chart (${escapeMrkdwn(e instanceof Error ? e.message : String(e))}).` });
        });
      }
    } catch (e) {
      await reportListenerError(e, { logger, metrics: services.metrics, user, what: "app_mention" });
      const sorry = ":x: Sorry, I could not answer that: something failed while looking. The error is logged; try again, or `/aisre status <service>`.";
      // The reply also ends the status; a status Slack would drop after two minutes anyway is cleared if the reply fails.
      await client.chat.postMessage({ channel: event.channel, thread_ts: threadTs, text: sorry }).catch(() => client.assistant.threads.setStatus({ channel_id: event.channel, thread_ts: threadTs, status: "" }).catch(() => undefined));
    }
  });
}
