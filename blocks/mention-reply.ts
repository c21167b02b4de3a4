import type { KnownBlock } from "@slack/types";
import { fitSection } from "./limits.ts";

/** A plain answer in a thread, with a context line that says where it came from. */
export function answerBlocks(answer: string, footnote?: string): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: fitSection(answer) } }];
  if (footnote) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fitSection(footnote) }] });
  return blocks;
}
