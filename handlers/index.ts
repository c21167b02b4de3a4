import type { App } from "@slack/bolt";
import type { Services } from "../src/app/services.ts";
import { registerAisreCommand } from "./commands/aisre.ts";
import type { Subcommand } from "./commands/subcommand.ts";
import { registerAppMention, type MentionAnswerer } from "./events/app-mention.ts";

export interface ListenerOptions {
  subcommands?: Subcommand[];
  answerMention?: MentionAnswerer;
}

/** Registers every listener group on the Bolt app. */
export function registerListeners(app: App, services: Services, options: ListenerOptions = {}): void {
  registerAisreCommand(app, services, options.subcommands ?? []);
  registerAppMention(app, services, options.answerMention);
}
