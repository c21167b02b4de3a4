import { auditEntriesBlocks } from "../../blocks/remediation-status.ts";
import { resolveIncidentArg } from "../../src/incident/lookup.ts";
import type { Subcommand } from "./subcommand.ts";

/** `/aisre audit [incident]`: the incident's audit entries (ephemeral), with the chain's state. */
export const auditSubcommand: Subcommand = {
  name: "audit",
  usage: "audit [incident-id]",
  summary: "the incident's audit log (who did what, where, why, result) and whether the hash chain is intact",
  async run({ args, command, respond, services }) {
    // The id as typed first (ids carry lowercase hex), then the usual lookup (which also covers "no id").
    const incident = (args[0] ? await services.store.incidents.get(args[0]) : undefined) ?? (await resolveIncidentArg(services.store, command.channel_id, args[0]));
    const [entries, chain] = await Promise.all([services.remediation.auditFor(incident.id), services.store.audit.verify()]);
    await respond({ response_type: "ephemeral", text: `${entries.length} audit entries for ${incident.id}`, blocks: auditEntriesBlocks(incident.id, entries, chain) });
  },
};
