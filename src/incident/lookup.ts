import type { Incident } from "../domain/incident.ts";
import { AppError } from "../errors.ts";
import type { Store } from "../store/store.ts";

/**
 * What the incident is understood to be now: the card's headline once the diagnosis wrote one
 * ("Checkout failing 30 % — inventory deploy 2.3.0 likely"), else its first signal's title. The
 * PagerDuty incident and the Jira summary carry it.
 */
export async function currentTitle(store: Store, incident: Incident): Promise<string> {
  return titleOf(incident, await store.incidents.card(incident.id));
}

/** The current title from a card already read (pure): its headline, else the incident's first title. */
export function titleOf(incident: Pick<Incident, "title">, card: { headline?: string }): string {
  return card.headline ?? incident.title;
}

/** Incidents as lists show them: each with its current title (currentTitle), not the first signal's. */
export function withCurrentTitles(store: Store, incidents: readonly Incident[]): Promise<Incident[]> {
  return Promise.all(incidents.map(async (i) => ({ ...i, title: await currentTitle(store, i) })));
}

/** Open incidents whose root message is in this channel. */
export async function openIncidentsInChannel(store: Store, channelId: string): Promise<Incident[]> {
  const out: Incident[] = [];
  for (const id of await store.slackMessages.openIncidentsWithRootIn(channelId)) {
    const inc = await store.incidents.get(id);
    if (inc) out.push(inc);
  }
  return out;
}

/**
 * The incident a command means: the id given, else the only open incident in the channel.
 * Slack does not say which thread a slash command came from, so two open incidents need an id.
 */
export async function resolveIncidentArg(store: Store, channelId: string, arg: string | undefined): Promise<Incident> {
  if (arg) {
    // Ids are `INC-<date>-<hex>`; people type them in any case.
    const inc = await store.incidents.get(arg.replace(/^inc-/i, "INC-").replace(/-([0-9A-Fa-f]+)$/, (_, h: string) => `-${h.toLowerCase()}`));
    if (!inc) throw new AppError("incident_not_found", `No incident \`${arg}\`. \`/aisre incidents\` lists the open ones.`);
    return inc;
  }
  const here = await openIncidentsInChannel(store, channelId);
  const [first] = here;
  if (first && here.length === 1) return first;
  if (!first) throw new AppError("incident_required", "There is no open incident in this channel. Give its id, e.g. `/aisre incident resolve INC-20261123-abc123` (`/aisre incidents` lists them).");
  throw new AppError("incident_ambiguous", `This channel has ${here.length} open incidents (${here.map((i) => `\`${i.id}\``).join(", ")}). Say which one, e.g. \`/aisre incident resolve ${first.id}\`.`);
}
