import type { App, BlockStaticSelectAction } from "@slack/bolt";
import { ACTION } from "../../blocks/ids.ts";
import { escapeMrkdwn } from "../../blocks/mrkdwn.ts";
import { answerQuestion } from "../../src/assistant/answers.ts";
import { loadIncidentContext } from "../../src/assistant/context.ts";
import type { MetricKind } from "../../src/assistant/intents.ts";
import type { Services } from "../../src/app/services.ts";
import { uploadChart } from "../events/app-mention.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";

const KINDS: readonly MetricKind[] = ["errors", "latency", "cpu", "memory", "traffic", "restarts"];

/** `<incident id>|<service>|<kind>` from the digest's chart select, or undefined. */
export function parseChartChoice(value: string | undefined): { incidentId: string; service: string; kind: MetricKind } | undefined {
  const [incidentId, service, kind] = (value ?? "").split("|");
  if (!incidentId || !service || !kind || !(KINDS as readonly string[]).includes(kind)) return undefined;
  return { incidentId, service, kind: kind as MetricKind };
}

/**
 * The digest's "Chart a signal…" select: the chosen signal's chart, uploaded into the incident's
 * thread (the same chart an @mention "show me <service>'s <metric>" gets); when it cannot be drawn,
 * the reason, to the person who asked.
 */
export function registerChartActions(app: App, services: Services): void {
  app.action<BlockStaticSelectAction>(ACTION.incidentChart, async ({ ack, action, body, client, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const choice = parseChartChoice(action.selected_option?.value);
    const channel = body.channel?.id;
    const message = body.message as { ts?: string; thread_ts?: string } | undefined;
    const threadTs = message?.thread_ts ?? message?.ts;
    try {
      if (!choice || !channel || !threadTs) {
        await respond({ response_type: "ephemeral", replace_original: false, text: ":warning: I could not tell which chart you chose." });
        return;
      }
      const ctx = await loadIncidentContext(services.store, choice.incidentId);
      const answer = await answerQuestion({ question: { intent: "metric", service: choice.service, metric: choice.kind, score: 1 }, text: `chart ${choice.service} ${choice.kind}`, ...(ctx ? { ctx } : {}) }, services.assistant.answerDeps());
      if (!answer.chart) {
        await respond({ response_type: "ephemeral", replace_original: false, text: answer.text || `:warning: No chart of ${escapeMrkdwn(choice.service)}.` });
        return;
      }
      await uploadChart(client, channel, threadTs, answer.chart);
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user: body.user.id, ...(choice ? { incidentId: choice.incidentId } : {}), what: ACTION.incidentChart });
    }
  });
}
