import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION } from "../../blocks/ids.ts";
import type { Services } from "../../src/app/services.ts";
import { escapeMrkdwn, mentionUser } from "../../blocks/mrkdwn.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";

/**
 * The paging card's buttons: "Page on-call" pages through PagerDuty whatever the severity;
 * "Escalate" moves the page to the next escalation level. Ack at once, then page; the card updates
 * in place and the clicking user gets an ephemeral answer.
 */
export function registerPagingActions(app: App, services: Services): void {
  app.action<BlockButtonAction>(ACTION.pagingPage, async ({ ack, action, body, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    const incidentId = action.value ?? "";
    try {
      if (!services.sync.pagerduty) {
        await respond({ response_type: "ephemeral", replace_original: false, text: ":warning: PagerDuty sync is off (AISRE_SYNC_FILE `pagerduty.enabled: false`): page the on-call by hand." });
        return;
      }
      const r = await services.sync.pagerduty.page(incidentId, user, `paged from Slack by ${mentionUser(user)}`);
      const text = r.ok ? (r.error === "already paged" ? `Already paged: ${r.ref}.` : `:pager: Paged the on-call: ${r.ref}.`) : `:warning: Paging failed: ${r.error}. Page the on-call by hand.`;
      await respond({ response_type: "ephemeral", replace_original: false, text });
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, incidentId, what: ACTION.pagingPage });
    }
  });
  app.action<BlockButtonAction>(ACTION.pagingEscalate, async ({ ack, action, body, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    const incidentId = action.value ?? "";
    try {
      const r = await services.sync.escalate(incidentId, `escalated from Slack by ${mentionUser(user)}`, user);
      await respond({ response_type: "ephemeral", replace_original: false, text: r.ok ? `:arrow_double_up: Escalated: ${escapeMrkdwn(String(r.ref))}.` : `:warning: Could not escalate: ${escapeMrkdwn(String(r.error))}.` });
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, incidentId, what: ACTION.pagingEscalate });
    }
  });
}
