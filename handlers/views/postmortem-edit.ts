import type { App } from "@slack/bolt";
import { VIEW } from "../../blocks/ids.ts";
import { readPostmortemEdits } from "../../blocks/postmortem-modal.ts";
import type { Services } from "../../src/app/services.ts";

/** The Edit modal's submission: answer Slack at once, then store the edits (the message and the Jira copy follow). */
export function registerPostmortemEditView(app: App, services: Services): void {
  app.view(VIEW.postmortemEdit, async ({ ack, view, body }) => {
    let incidentId = "";
    let cut: Record<string, string> = {};
    try {
      const meta = JSON.parse(view.private_metadata || "{}") as { incidentId?: string; cut?: Record<string, string> };
      incidentId = String(meta.incidentId ?? "");
      cut = meta.cut ?? {};
    } catch {
      incidentId = "";
    }
    if (!incidentId) {
      await ack({ response_action: "errors", errors: { [Object.keys(view.state.values)[0] ?? "postmortem_summary"]: "This form lost track of its incident; open Edit again." } });
      return;
    }
    await ack();
    const { edits, cleared } = readPostmortemEdits(view.state.values as Record<string, Record<string, { value?: string | null }>>, cut);
    try {
      await services.sync.postmortems.edit(incidentId, edits, body.user.id, cleared);
    } catch (e) {
      services.logger.error({ err: e, incident: incidentId, user: body.user.id }, "saving postmortem edits failed");
    }
  });
}
