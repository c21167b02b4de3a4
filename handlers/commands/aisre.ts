import type { App } from "@slack/bolt";
import { redactedRespond } from "../middleware/redacted-respond.ts";
import { usageBlocks } from "../../blocks/usage.ts";
import type { Services } from "../../src/app/services.ts";
import { closestNames } from "../../src/text/similarity.ts";
import { reportListenerError } from "../middleware/errors.ts";
import { helpSubcommand } from "./help.ts";
import { escapeMrkdwn } from "../../blocks/mrkdwn.ts";
import type { Subcommand } from "./subcommand.ts";

/** The slash commands this app registers; the manifest test checks them against manifest.yml. */
export const SLASH_COMMANDS = ["/aisre"] as const;

/** Parses `/aisre <sub> args…`, acks at once, then runs the subcommand (which replies via respond). */
export function registerAisreCommand(app: App, services: Services, extra: Subcommand[]): void {
  const subcommands: Subcommand[] = [];
  const byName = new Map<string, Subcommand>();
  for (const s of [helpSubcommand(() => subcommands), ...extra]) {
    subcommands.push(s);
    byName.set(s.name, s);
  }

  app.command("/aisre", async ({ command, ack, respond: send, client }) => {
    // Every reply passes the one redactor (secrets): a pod message or a log line never shows a token.
    const respond = redactedRespond(send);
    const started = performance.now();
    await ack();
    services.metrics.slackListenerSeconds.observe((performance.now() - started) / 1000, { kind: "command" });
    const words = command.text.trim().split(/\s+/).filter(Boolean);
    const name = (words[0] ?? "help").toLowerCase();
    const sub = byName.get(name);
    const logger = services.logger.child({ user: command.user_id, channel: command.channel_id, command: name });
    if (!sub) {
      const guesses = closestNames(name, [...byName.keys()], 3);
      const hint = guesses.length ? ` Did you mean ${guesses.map((g) => `\`${g}\``).join(" or ")}?` : "";
      await respond({
        response_type: "ephemeral",
        text: `Unknown command "${escapeMrkdwn(name)}".${hint}`,
        blocks: usageBlocks(`Unknown command \`${name}\`.${hint}`, "help", "status checkout"),
      });
      return;
    }
    try {
      await sub.run({ args: words.slice(1), command, respond, client, services, logger });
    } catch (e) {
      await reportListenerError(e, { logger, metrics: services.metrics, respond, user: command.user_id, what: `/aisre ${name}` });
    }
  });
}
