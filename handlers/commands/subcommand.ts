import type { RespondFn, SlashCommand } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Services } from "../../src/app/services.ts";
import type { Logger } from "../../src/log.ts";

export interface SubcommandContext {
  /** Words after the subcommand name. */
  args: string[];
  command: SlashCommand;
  respond: RespondFn;
  client: WebClient;
  services: Services;
  logger: Logger;
}

/** One `/aisre <name> …` subcommand, in its own file; the dispatcher acks before calling it. */
export interface Subcommand {
  name: string;
  usage: string;
  summary: string;
  run(ctx: SubcommandContext): Promise<void>;
}
