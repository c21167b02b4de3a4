import { incidentListBlocks } from "../../blocks/incident-list.ts";
import type { Subcommand } from "./subcommand.ts";
import { plural } from "../../src/text/words.ts";
import { withCurrentTitles } from "../../src/incident/lookup.ts";

/** `/aisre incidents`: the open incidents with links to their threads. */
export const incidentsSubcommand: Subcommand = {
  name: "incidents",
  usage: "incidents",
  summary: "list open incidents",
  async run({ services, client, respond }) {
    const open = await withCurrentTitles(services.store, await services.store.incidents.listOpen());
    const items = await Promise.all(
      open.map(async (incident) => {
        const root = await services.store.slackMessages.get(incident.id, "root");
        const permalink = root ? ((await client.chat.getPermalink({ channel: root.channel, message_ts: root.ts }).catch(() => undefined))?.permalink ?? undefined) : undefined;
        return { incident, permalink, firing: (await services.store.alerts.countByIncident(incident.id)).firing };
      }),
    );
    await respond({ response_type: "ephemeral", text: plural(open.length, "open incident"), blocks: incidentListBlocks(items) });
  },
};
