import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION } from "../../blocks/ids.ts";
import { postmortemEditModal } from "../../blocks/postmortem-modal.ts";
import type { Services } from "../../src/app/services.ts";
import { STATUS_LABEL, type PostmortemStatus } from "../../src/postmortem/model.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { plural } from "../../src/text/words.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";

const STATUSES: PostmortemStatus[] = ["draft", "in_review", "final"];

/**
 * The postmortem message's buttons. "Edit" opens the modal first (trigger_id lives 3 s); "Regenerate"
 * and the status buttons ack, then work, and the message updates in place.
 */
export function registerPostmortemActions(app: App, services: Services): void {
  const pm = services.sync.postmortems;

  app.action<BlockButtonAction>(ACTION.postmortemEdit, async ({ ack, action, body, client, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    const incidentId = action.value ?? "";
    try {
      const p = await pm.get(incidentId);
      if (!p) {
        await respond({ response_type: "ephemeral", replace_original: false, text: `There is no postmortem for ${incidentId} yet.` });
        return;
      }
      const result = await client.views.open({ trigger_id: body.trigger_id, view: postmortemEditModal(p, { channel: body.channel?.id }) });
      if (!result.ok) throw new Error(`views.open failed: ${result.error}`);
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, incidentId, what: ACTION.postmortemEdit });
    }
  });

  app.action<BlockButtonAction>(ACTION.postmortemRegenerate, async ({ ack, action, body, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    const incidentId = action.value ?? "";
    try {
      const p = await pm.draft(incidentId, user);
      await respond({ response_type: "ephemeral", replace_original: false, text: `Regenerated the postmortem from the timeline (v${p.version})${p.edited.length ? `; your edits to ${plural(p.edited.length, "section")} are kept` : ""}.` });
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, incidentId, what: ACTION.postmortemRegenerate });
    }
  });

  app.action<BlockButtonAction>(new RegExp(`^${ACTION.postmortemStatus}:`), async ({ ack, action, body, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    const [incidentId = "", to = ""] = (action.value ?? "").split("|");
    try {
      if (!STATUSES.includes(to as PostmortemStatus)) throw new Error(`unknown postmortem status ${to}`);
      const p = await pm.setStatus(incidentId, to as PostmortemStatus, user);
      const extra = p.status === "final" ? " It is in the knowledge base now, and its action items are Jira issues." : "";
      await respond({ response_type: "ephemeral", replace_original: false, text: `The postmortem is ${STATUS_LABEL[p.status].toLowerCase()}.${extra}` });
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, incidentId, what: ACTION.postmortemStatus });
    }
  });
}
