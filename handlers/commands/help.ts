import { helpBlocks, helpText } from "../../blocks/help.ts";
import type { Subcommand } from "./subcommand.ts";

/** `/aisre help`: lists every subcommand the dispatcher knows. */
export function helpSubcommand(all: () => Subcommand[]): Subcommand {
  return {
    name: "help",
    usage: "help",
    summary: "show this list of commands",
    async run({ respond }) {
      const commands = all().map((c) => ({ usage: c.usage, summary: c.summary }));
      await respond({ response_type: "ephemeral", text: helpText(commands), blocks: helpBlocks(commands) });
    },
  };
}
