import type { KnownBlock } from "@slack/types";
import { mentionUser } from "./mrkdwn.ts";

/** The first message of an assistant thread (its metadata then carries the thread's context). */
export function assistantGreeting(user: string): { text: string; blocks: KnownBlock[] } {
  const text = `Hi ${mentionUser(user)}, I'm aisre. Ask me what's on fire, about an incident or a service, or who's on call. I answer from the incidents, metrics, deploys and on-call schedules I watch.`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}
