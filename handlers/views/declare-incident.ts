import type { App } from "@slack/bolt";
import { BLOCK, INPUT, VIEW } from "../../blocks/ids.ts";
import type { Services } from "../../src/app/services.ts";
import { SEVERITIES, type Severity } from "../../src/domain/alert.ts";

/** The declare modal's submission: validate, answer Slack within 3 s, then open the incident. */
export function registerDeclareIncidentView(app: App, services: Services): void {
  app.view(VIEW.declareIncident, async ({ ack, view, body }) => {
    const values = view.state.values;
    const title = values[BLOCK.declareTitle]?.[INPUT.title]?.value?.trim() ?? "";
    const severity = (values[BLOCK.declareSeverity]?.[INPUT.severity]?.selected_option?.value ?? "sev2") as Severity;
    const service = values[BLOCK.declareService]?.[INPUT.service]?.selected_option?.value ?? values[BLOCK.declareService]?.[INPUT.service]?.value ?? undefined;
    if (title.length < 3) {
      await ack({ response_action: "errors", errors: { [BLOCK.declareTitle]: "Say in a few words what is wrong." } });
      return;
    }
    if (!SEVERITIES.includes(severity)) {
      await ack({ response_action: "errors", errors: { [BLOCK.declareSeverity]: "Pick a severity." } });
      return;
    }
    await ack();
    try {
      await services.incidents.declare({ title, severity, services: service ? [service.trim()] : [], by: body.user.id });
    } catch (e) {
      services.logger.error({ err: e, user: body.user.id }, "declaring an incident failed");
    }
  });
}
