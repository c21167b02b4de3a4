import { oncallMessage } from "../../blocks/assistant.ts";
import { usageBlocks } from "../../blocks/usage.ts";
import type { Services } from "../../src/app/services.ts";
import { openIncidentsInChannel } from "../../src/incident/lookup.ts";
import { matchServices, serviceArgs, unknownServiceText } from "./status.ts";
import { escapeMrkdwn } from "../../blocks/mrkdwn.ts";
import type { Subcommand } from "./subcommand.ts";
import type { SlackMessage } from "../../src/incident/presenter.ts";

const USAGE = "oncall [service…]";

/** The on-call card (shared by the command and the share button). */
export async function oncallCard(services: Services, names: string[], o: { shareable?: boolean; sharedBy?: string } = {}): Promise<SlackMessage> {
  const { text } = await services.assistant.oncall(names);
  return oncallMessage(names, text, o);
}

/** `/aisre oncall [service]`: who is on call; no argument: the incident's services here, else every known service. */
export const oncallSubcommand: Subcommand = {
  name: "oncall",
  usage: USAGE,
  summary: "who is on call for a service (no argument: this incident's services, else all)",
  async run(ctx) {
    const { services, command } = ctx;
    const assistant = services.assistant;
    const known = await assistant.knownServices();
    const typed = serviceArgs(ctx.args);
    let names: string[];
    if (typed.length) {
      const { ok, unknown } = matchServices(typed, known);
      if (unknown.length) {
        const problem = unknownServiceText(unknown, known);
        await ctx.respond({ response_type: "ephemeral", text: escapeMrkdwn(`${problem} Usage: /aisre ${USAGE}`), blocks: usageBlocks(problem, USAGE, "oncall payments") });
        return;
      }
      names = ok;
    } else {
      const here = await openIncidentsInChannel(services.store, command.channel_id);
      names = here.length ? [...new Set(here.flatMap((i) => i.services))] : known.slice(0, 20);
    }
    if (names.length === 0) {
      const problem = "I know no services yet: name one.";
      await ctx.respond({ response_type: "ephemeral", text: problem, blocks: usageBlocks(problem, USAGE, "oncall payments") });
      return;
    }
    const msg = await oncallCard(services, names.slice(0, 20), { shareable: true });
    await ctx.respond({ response_type: "ephemeral", text: msg.text, blocks: msg.blocks });
  },
};
