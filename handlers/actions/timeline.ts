import type { App, BlockButtonAction } from "@slack/bolt";
import { currentTitle } from "../../src/incident/lookup.ts";
import { ACTION } from "../../blocks/ids.ts";
import { timelineModal } from "../../blocks/timeline-modal.ts";
import type { Services } from "../../src/app/services.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";

/** The digest's Timeline button: every entry the thread folds away, in a modal (opened first: trigger_id lives 3 s). */
export function registerTimelineActions(app: App, services: Services): void {
  app.action<BlockButtonAction>(ACTION.incidentTimeline, async ({ ack, action, body, client, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const incidentId = action.value ?? "";
    try {
      const incident = await services.store.incidents.get(incidentId);
      if (!incident) {
        await respond({ response_type: "ephemeral", replace_original: false, text: `:warning: Incident ${incidentId} no longer exists.` });
        return;
      }
      const result = await client.views.open({ trigger_id: body.trigger_id, view: timelineModal({ ...incident, title: await currentTitle(services.store, incident) }, await services.store.timeline.list(incidentId)) });
      if (!result.ok) throw new Error(`views.open failed: ${result.error}`);
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user: body.user.id, incidentId, what: ACTION.incidentTimeline });
    }
  });
}
