import type { KnownBlock } from "@slack/types";
import { fitSection } from "./limits.ts";
import { escapeMrkdwn as esc } from "./mrkdwn.ts";

/** The reply to a command used the wrong way: what was wrong, and how to use it. */
export function usageBlocks(problem: string, usage: string, example?: string): KnownBlock[] {
  const text = [`:warning: ${esc(problem)}`, `Usage: \`/aisre ${esc(usage)}\``, example ? `Example: \`/aisre ${esc(example)}\`` : ""].filter(Boolean).join("\n");
  return [{ type: "section", text: { type: "mrkdwn", text: fitSection(text) } }];
}
