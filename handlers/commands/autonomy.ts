import { autonomyStatusBlocks } from "../../blocks/remediation-status.ts";
import { usageBlocks } from "../../blocks/usage.ts";
import { escapeMrkdwn, mentionUser } from "../../blocks/mrkdwn.ts";
import type { Subcommand } from "./subcommand.ts";

const USAGE = "autonomy off [reason] | on | status";

/**
 * `/aisre autonomy …`: the kill switch. `off` stops every automatic and approved action at once,
 * for everyone, and survives restarts; anyone may pull it. `on` is for approvers only.
 */
export const autonomySubcommand: Subcommand = {
  name: "autonomy",
  usage: USAGE,
  summary: "kill switch for remediation: off (anyone, at once), on (approvers), status",
  async run({ args, command, respond, services }) {
    const [verb, ...rest] = args;
    switch ((verb ?? "status").toLowerCase()) {
      case "off":
      case "on": {
        const on = verb?.toLowerCase() === "on";
        // The switch of the workspace it is run in (its own with several workspaces; the one switch otherwise).
        const r = await services.remediation.setAutomation(on, command.user_id, rest.join(" ") || undefined, command.team_id);
        // Visible in the channel when it changes: everyone should know automation stopped (or resumed).
        await respond({ response_type: r.ok ? "in_channel" : "ephemeral", text: r.ok ? `${r.message} (${mentionUser(command.user_id)})` : r.message });
        return;
      }
      case "status": {
        const s = await services.remediation.status(command.team_id);
        await respond({ response_type: "ephemeral", text: `Automation is ${s.automation.enabled ? "on" : "off"}`, blocks: autonomyStatusBlocks(s) });
        return;
      }
      default:
        await respond({ response_type: "ephemeral", text: escapeMrkdwn(`Unknown autonomy action \`${verb}\`. Usage: /aisre ${USAGE}`), blocks: usageBlocks(`Unknown autonomy action \`${verb}\`.`, USAGE, "autonomy off deploy freeze") });
    }
  },
};
