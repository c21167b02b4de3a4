import type { KnownBlock } from "@slack/types";
import { fitSection } from "./limits.ts";

export interface CommandHelp {
  usage: string;
  summary: string;
}

/** The `/aisre help` card: every subcommand with its usage, in one ephemeral message. */
export function helpBlocks(commands: CommandHelp[]): KnownBlock[] {
  const lines = commands.map((c) => `\`/aisre ${c.usage}\`  ${c.summary}`);
  return [
    { type: "header", text: { type: "plain_text", text: "aisre: your incident co-pilot" } },
    { type: "section", text: { type: "mrkdwn", text: fitSection(lines.join("\n")) } },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: "In an incident thread, @mention me with a question: _what changed in the last hour?_, _is payments healthy?_, _what should I do?_" }],
    },
  ];
}

export function helpText(commands: CommandHelp[]): string {
  return `aisre commands:\n${commands.map((c) => `/aisre ${c.usage} — ${c.summary}`).join("\n")}`;
}
