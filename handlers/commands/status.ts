import { statusCardMessage } from "../../blocks/status-card.ts";
import { usageBlocks } from "../../blocks/usage.ts";
import type { Services } from "../../src/app/services.ts";
import { openIncidentsInChannel } from "../../src/incident/lookup.ts";
import { closestNames } from "../../src/text/similarity.ts";
import { escapeMrkdwn } from "../../blocks/mrkdwn.ts";
import type { Subcommand, SubcommandContext } from "./subcommand.ts";
import type { SlackMessage } from "../../src/incident/presenter.ts";

const USAGE = "status <service> [service…]";
const MAX_SERVICES = 4;

/** Words → service names: commas or spaces, no duplicates. */
export function serviceArgs(args: string[]): string[] {
  return [
    ...new Set(
      args
        .flatMap((a) => a.split(","))
        .map((s) => s.trim().replace(/^#/, ""))
        .filter(Boolean),
    ),
  ];
}

/**
 * Matches typed names against the known services (case-insensitively). Unknown names come back
 * with "did you mean" guesses. With no known services at all, every name is taken as typed.
 */
export function matchServices(typed: string[], known: readonly string[]): { ok: string[]; unknown: Array<{ name: string; guesses: string[] }> } {
  if (known.length === 0) return { ok: typed, unknown: [] };
  const ok: string[] = [];
  const unknown: Array<{ name: string; guesses: string[] }> = [];
  for (const t of typed) {
    const hit = known.find((k) => k.toLowerCase() === t.toLowerCase());
    if (hit) ok.push(hit);
    else unknown.push({ name: t, guesses: closestNames(t, [...known], 3) });
  }
  return { ok, unknown };
}

export function unknownServiceText(unknown: Array<{ name: string; guesses: string[] }>, known: readonly string[]): string {
  return unknown
    .map((u) =>
      u.guesses.length
        ? `I don't know a service \`${u.name}\`. Did you mean ${u.guesses.map((g) => `\`${g}\``).join(" or ")}?`
        : `I don't know a service \`${u.name}\`. Known services: ${known
            .slice(0, 30)
            .map((k) => `\`${k}\``)
            .join(", ")}${known.length > 30 ? ", …" : ""}.`,
    )
    .join("\n");
}

/** The services a command means: the ones typed, else the open incidents' in this channel. */
export async function servicesFromArgs(ctx: SubcommandContext, usage: string, example: string): Promise<string[] | undefined> {
  const { services, command } = ctx;
  const assistant = services.assistant;
  const typed = serviceArgs(ctx.args);
  if (typed.length === 0) {
    const here = await openIncidentsInChannel(services.store, command.channel_id);
    const fromIncidents = [...new Set(here.flatMap((i) => i.services))];
    if (fromIncidents.length) return fromIncidents.slice(0, MAX_SERVICES);
    const known = await assistant.knownServices();
    const problem = `Name a service${
      known.length
        ? ` (one of ${known
            .slice(0, 20)
            .map((k) => `\`${k}\``)
            .join(", ")})`
        : ""
    }. Without one, I use the services of the open incident in this channel, and there is none.`;
    await ctx.respond({ response_type: "ephemeral", text: escapeMrkdwn(`${problem} Usage: /aisre ${usage}`), blocks: usageBlocks(problem, usage, example) });
    return undefined;
  }
  const known = await assistant.knownServices();
  const { ok, unknown } = matchServices(typed, known);
  if (unknown.length) {
    const problem = unknownServiceText(unknown, known);
    await ctx.respond({ response_type: "ephemeral", text: escapeMrkdwn(`${problem} Usage: /aisre ${usage}`), blocks: usageBlocks(problem, usage, example) });
    return undefined;
  }
  return ok.slice(0, MAX_SERVICES);
}

/** The status card of some services (shared by the command and the share button). */
export async function statusMessage(services: Services, names: string[], o: { shareable?: boolean; sharedBy?: string } = {}): Promise<SlackMessage> {
  const assistant = services.assistant;
  const hs = await Promise.all(names.map((n) => assistant.health(n)));
  return statusCardMessage(hs, { now: hs[0]?.at ? Date.parse(hs[0].at) : services.store.clock.now(), ...o });
}

/** `/aisre status <service>`: the health card, ephemeral, with a "Share in channel" button. */
export const statusSubcommand: Subcommand = {
  name: "status",
  usage: USAGE,
  summary: "health of a service: pods, errors and latency against baseline, CPU/memory, deploys, on-call (no argument: the incident's services)",
  async run(ctx) {
    const names = await servicesFromArgs(ctx, USAGE, "status checkout");
    if (!names) return;
    const msg = await statusMessage(ctx.services, names, { shareable: true });
    await ctx.respond({ response_type: "ephemeral", text: msg.text, blocks: msg.blocks });
  },
};
