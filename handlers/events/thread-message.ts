import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from "@slack/bolt";
import type { Services } from "../../src/app/services.ts";

/**
 * Human messages in an incident's thread go on its timeline (the postmortem's raw material), so
 * the bot never has to re-read Slack history. Mentions are recorded by the app_mention listener.
 */
export function registerThreadMessages(app: App, services: Services): void {
  app.message(async ({ message, context }: SlackEventMiddlewareArgs<"message"> & AllMiddlewareArgs) => {
    if (message.subtype !== undefined) return;
    if (!("thread_ts" in message) || !message.thread_ts || !message.user) return;
    if (context.botUserId && message.text?.includes(`<@${context.botUserId}>`)) return;
    const incidentId = await services.store.slackMessages.incidentForThread(message.channel, message.thread_ts);
    if (!incidentId) return;
    await services.incidents.recordThreadMessage(incidentId, { user: message.user, text: message.text ?? "", ts: message.ts });
  });
}
