import type { App, BlockAction, BlockButtonAction, FeedbackButtonsAction } from "@slack/bolt";
import { withCauseGrade } from "../../blocks/feedback.ts";
import { ACTION } from "../../blocks/ids.ts";
import type { Services } from "../../src/app/services.ts";
import { GRADE_LABELS, GRADE_SCORES, isGrade, parseFeedbackValue } from "../../src/domain/grades.ts";
import { sharedRedactor } from "../../src/redact/redactor.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";

/**
 * Feedback on aisre's AI output: the native 👍/👎 (`feedback_buttons`) under answers and diagnoses,
 * and the "Was this the cause?" grade buttons in the resolution note. Ack first; the rating or grade is
 * stored, the grading question is edited in place to show who graded (the rest of the note as it
 * was), and the person is thanked ephemerally.
 */
export function registerFeedbackActions(app: App, services: Services): void {
  app.action<BlockAction<FeedbackButtonsAction>>(ACTION.aiFeedback, async ({ ack, action, body, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    try {
      const parsed = parseFeedbackValue(action.value);
      const channel = body.container?.channel_id ?? body.channel?.id;
      const ts = body.container?.message_ts ?? body.message?.ts;
      if (!parsed || !channel || !ts) throw new Error(`feedback without a message or with an unknown value (${action.value})`);
      await services.feedback.rate({ channel, messageTs: ts, userId: user, subject: parsed.subject, sentiment: parsed.sentiment, ...(parsed.incidentId ? { incidentId: parsed.incidentId } : {}) });
      await respond({ response_type: "ephemeral", replace_original: false, text: parsed.sentiment === "positive" ? "Thanks: noted that this helped." : "Thanks: noted that this was wrong or unhelpful. Grading the cause when the incident is resolved teaches aisre most." });
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, what: ACTION.aiFeedback });
    }
  });

  app.action<BlockButtonAction>(new RegExp(`^${ACTION.causeGradePrefix}`), async ({ ack, action, body, client, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    const incidentId = action.value ?? "";
    try {
      const grade = action.action_id.slice(ACTION.causeGradePrefix.length);
      if (!isGrade(grade)) throw new Error(`unknown grade ${grade}`);
      const done = await services.feedback.grade(incidentId, user, grade);
      if (!done) {
        await respond({ response_type: "ephemeral", replace_original: false, text: "That incident no longer exists." });
        return;
      }
      const channel = body.container?.channel_id ?? body.channel?.id;
      const ts = body.container?.message_ts ?? body.message?.ts;
      // The question rides in the resolution note: the note's own blocks stay, the question is redrawn.
      const message = withCauseGrade(body.message as { text?: string; blocks?: unknown[] } | undefined, done.message);
      if (channel && ts) await client.chat.update({ channel, ts, ...(sharedRedactor().redactValue(message, "secrets") as { text: string; blocks: never[] }) });
      await respond({ response_type: "ephemeral", replace_original: false, text: `Recorded: *${GRADE_LABELS[grade]}* (${GRADE_SCORES[grade]}). Thanks: aisre's confidence learns from these grades. Click another grade to change yours.` });
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, incidentId, what: "cause_grade" });
    }
  });
}
