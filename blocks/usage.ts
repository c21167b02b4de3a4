import type { KnownBlock } from "@slack/types";
import { fitSection } from "./limits.ts";

/** The reply to a command used the wrong way: what was wrong, and how to use it. */
export function usageBlocks(problem: string, usage: string, example?: string): KnownBlock[] {
  const text = [`:warning: ${problem}`, `Usage: \`/aisre ${usage}\``, example ? `Example: \`/aisre ${example}\`` : ""].filter(Boolean).join("\n");
  return [{ type: "section", text: { type: "mrkdwn", text: fitSection(text) } }];
}
