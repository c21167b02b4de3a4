export { SLACK_LIMITS } from "../src/domain/slack-limits.ts";
import { SLACK_LIMITS } from "../src/domain/slack-limits.ts";

/** Cuts text to fit a limit, marking the cut so a reader knows something was left out. */
export function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const fitSection = (text: string) => fit(text, SLACK_LIMITS.sectionText);
export const fitHeader = (text: string) => fit(text, SLACK_LIMITS.headerText);
export const fitButton = (text: string) => fit(text, SLACK_LIMITS.buttonText);
