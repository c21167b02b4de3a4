import { declareIncidentModal } from "../../blocks/declare-modal.ts";
import { noteMessage } from "../../blocks/incident-thread.ts";
import { usageBlocks } from "../../blocks/usage.ts";
import { SEVERITIES, type Severity } from "../../src/domain/alert.ts";
import { resolveIncidentArg } from "../../src/incident/lookup.ts";
import { escapeMrkdwn } from "../../blocks/mrkdwn.ts";
import type { Subcommand, SubcommandContext } from "./subcommand.ts";

const USAGE = "incident declare | resolve [id] | ack [id] | severity <sev1-4> [id]";

async function usage(ctx: SubcommandContext, problem: string): Promise<void> {
  await ctx.respond({ response_type: "ephemeral", text: escapeMrkdwn(`${problem} Usage: /aisre ${USAGE}`), blocks: usageBlocks(problem, USAGE, "incident severity sev1") });
}

/** `/aisre incident …`: declare (modal), resolve, acknowledge, change severity. */
export const incidentSubcommand: Subcommand = {
  name: "incident",
  usage: USAGE,
  summary: "declare an incident, or resolve / acknowledge / re-grade one",
  async run(ctx) {
    const { args, command, services } = ctx;
    const [verb, ...rest] = args;
    switch ((verb ?? "").toLowerCase()) {
      case "declare": {
        const result = await ctx.client.views.open({
          trigger_id: command.trigger_id,
          view: declareIncidentModal({ services: services.topology().services, channel: command.channel_id, initialService: rest[0] }),
        });
        if (!result.ok) throw new Error(`views.open failed: ${result.error}`);
        return;
      }
      case "resolve":
      case "ack":
      case "acknowledge": {
        const inc = await resolveIncidentArg(services.store, command.channel_id, rest[0]);
        const to = verb?.toLowerCase() === "resolve" ? "resolved" : "acknowledged";
        if (inc.status === to) {
          await ctx.respond({ response_type: "ephemeral", text: `${inc.id} is already ${to}.` });
          return;
        }
        await services.incidents.changeStatus(inc.id, to, command.user_id, `via /aisre incident ${verb}`);
        await ctx.respond({ response_type: "ephemeral", text: `${inc.id} is now ${to}.` });
        return;
      }
      case "severity": {
        const sev = (rest[0] ?? "").toLowerCase() as Severity;
        if (!SEVERITIES.includes(sev)) return usage(ctx, `\`${rest[0] ?? ""}\` is not a severity; use one of ${SEVERITIES.join(", ")}.`);
        const inc = await resolveIncidentArg(services.store, command.channel_id, rest[1]);
        await services.incidents.setSeverity(inc.id, sev, command.user_id);
        await ctx.respond({ response_type: "ephemeral", text: `${inc.id} is now ${sev.toUpperCase()}.`, blocks: noteMessage(inc, `${inc.id} is now *${sev.toUpperCase()}*.`).blocks });
        return;
      }
      default:
        return usage(ctx, verb ? `Unknown incident action \`${verb}\`.` : "Say what to do with the incident.");
    }
  },
};
