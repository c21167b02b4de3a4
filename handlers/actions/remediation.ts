import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION } from "../../blocks/ids.ts";
import type { Services } from "../../src/app/services.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";

/**
 * The action card's buttons. Ack at once; the service checks authorisation now (not when the
 * button was posted), records the approval and, once enough approvers agree, starts the action in
 * the background. The clicking user gets an ephemeral answer; the card updates in place for all.
 */
export function registerRemediationActions(app: App, services: Services): void {
  const handlers = { [ACTION.remediationApprove]: "approve", [ACTION.remediationReject]: "reject" } as const;
  for (const [actionId, verb] of Object.entries(handlers)) {
    app.action<BlockButtonAction>(actionId, async ({ ack, action, body, respond: sendReply }) => {
      const respond = redactedRespond(sendReply);
      await ack();
      const user = body.user.id;
      try {
        const outcome = verb === "approve" ? await services.remediation.approve(action.value ?? "", user) : await services.remediation.reject(action.value ?? "", user);
        await respond({ response_type: "ephemeral", replace_original: false, text: outcome.message });
      } catch (e) {
        await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, what: actionId });
      }
    });
  }
}
