import type { App, BlockButtonAction } from "@slack/bolt";
import { runbookMessage } from "../../blocks/assistant.ts";
import { ACTION } from "../../blocks/ids.ts";
import { parseShareValue } from "../../blocks/status-card.ts";
import type { Services } from "../../src/app/services.ts";
import { oncallCard } from "../commands/oncall.ts";
import { runbookResults } from "../commands/runbook.ts";
import { statusMessage } from "../commands/status.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { redactedRespond } from "../middleware/redacted-respond.ts";
import type { SlackMessage } from "../../src/incident/presenter.ts";

/**
 * "Share in channel" under an ephemeral card (`/aisre status|oncall|runbook`): the card is read
 * again (fresh numbers) and posted for everyone through the response URL, naming who shared it;
 * the ephemeral copy says it was shared. The response URL works where the bot is not a member.
 */
export function registerShareActions(app: App, services: Services): void {
  app.action<BlockButtonAction>(ACTION.shareInChannel, async ({ ack, action, body, respond: sendReply }) => {
    const respond = redactedRespond(sendReply);
    await ack();
    const user = body.user.id;
    try {
      const v = parseShareValue(action.value);
      const names = v ? v.arg.split(",").filter(Boolean) : [];
      let msg: SlackMessage | undefined;
      if (v?.kind === "status" && names.length) msg = await statusMessage(services, names, { sharedBy: user });
      else if (v?.kind === "oncall" && names.length) msg = await oncallCard(services, names, { sharedBy: user });
      else if (v?.kind === "runbook" && v.arg) msg = runbookMessage(v.arg, await runbookResults(services, v.arg), { sharedBy: user });
      if (!msg) {
        await respond({ response_type: "ephemeral", replace_original: false, text: ":warning: This button is from an older version of aisre: run the command again." });
        return;
      }
      await respond({ response_type: "ephemeral", replace_original: true, text: ":white_check_mark: Shared in the channel." });
      await respond({ response_type: "in_channel", replace_original: false, text: msg.text, blocks: msg.blocks });
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, respond, user, what: "share_in_channel" });
    }
  });
}
