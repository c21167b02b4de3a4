import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION } from "../../blocks/ids.ts";
import type { Services } from "../../src/app/services.ts";
import type { IncidentStatus } from "../../src/domain/incident.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";

const TARGET: Record<string, { to: IncidentStatus; verb: string }> = {
  [ACTION.incidentAcknowledge]: { to: "acknowledged", verb: "acknowledged" },
  [ACTION.incidentResolve]: { to: "resolved", verb: "resolved" },
  [ACTION.incidentReopen]: { to: "open", verb: "reopened" },
};

/** The root card's buttons: Acknowledge, Resolve, Reopen. The card re-renders through the outbox. */
export function registerIncidentCardActions(app: App, services: Services): void {
  for (const [actionId, { to, verb }] of Object.entries(TARGET)) {
    app.action<BlockButtonAction>(actionId, async ({ ack, action, body, respond: sendReply }) => {
      const respond = redactedRespond(sendReply);
      await ack();
      const incidentId = action.value ?? "";
      const user = body.user.id;
      try {
        const incident = await services.store.incidents.get(incidentId);
        if (!incident) {
          await respond({ response_type: "ephemeral", replace_original: false, text: `:warning: Incident ${incidentId} no longer exists.` });
          return;
        }
        if (incident.status === to) {
          await respond({ response_type: "ephemeral", replace_original: false, text: `${incident.id} is already ${to}.` });
          return;
        }
        await services.incidents.changeStatus(incident.id, to, user, `${verb} from the incident card`);
      } catch (e) {
        await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, incidentId, what: actionId });
      }
    });
  }
}
