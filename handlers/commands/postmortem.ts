import { usageBlocks } from "../../blocks/usage.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { AppError } from "../../src/errors.ts";
import { resolveIncidentArg } from "../../src/incident/lookup.ts";
import type { Store } from "../../src/store/store.ts";
import type { Subcommand } from "./subcommand.ts";

const USAGE = "postmortem [incident id]";

/**
 * The incident a postmortem command means: the id given; else the only open incident of this
 * channel; else the channel's most recently resolved one (postmortems are mostly written after).
 */
async function incidentFor(store: Store, channel: string, arg: string | undefined): Promise<Incident> {
  // An id in any case, as the other incident commands take it.
  if (arg) return resolveIncidentArg(store, channel, arg);
  const rows = await store.slackMessages.incidentsWithRootIn(channel, 20);
  const open = rows.filter((r) => r.status !== "resolved");
  if (open.length > 1) throw new AppError("incident_ambiguous", `This channel has ${open.length} open incidents (${open.map((r) => `\`${r.id}\``).join(", ")}). Say which one: \`/aisre postmortem ${open[0]?.id}\`.`);
  const pick = open[0] ?? rows[0];
  if (!pick) throw new AppError("incident_required", "There is no incident in this channel. Give its id, e.g. `/aisre postmortem INC-20261123-abc123`.");
  return (await store.incidents.get(pick.id))!;
}

/** `/aisre postmortem [id]`: drafts the postmortem from the timeline (or regenerates it, keeping edits) in the incident's thread. */
export const postmortemSubcommand: Subcommand = {
  name: "postmortem",
  usage: USAGE,
  summary: "draft (or regenerate) the postmortem of an incident in its thread, and in its Jira ticket",
  async run(ctx) {
    const { args, command, services } = ctx;
    if (args.length > 1) {
      await ctx.respond({ response_type: "ephemeral", text: `Usage: /aisre ${USAGE}`, blocks: usageBlocks("Give at most one incident id.", USAGE, "postmortem") });
      return;
    }
    const incident = await incidentFor(services.store, command.channel_id, args[0]);
    const existing = await services.sync.postmortems.get(incident.id);
    await ctx.respond({ response_type: "ephemeral", text: `${existing ? "Regenerating" : "Drafting"} the postmortem of ${incident.id} from its timeline; it appears in the incident's thread${services.sync.jira ? " and in its Jira ticket" : ""}.` });
    const p = await services.sync.postmortems.draft(incident.id, command.user_id);
    ctx.logger.info({ incident: incident.id, version: p.version }, "postmortem drafted on command");
  },
};
