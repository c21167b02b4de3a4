import type { KnownBlock } from "@slack/types";
import type { Incident } from "../src/domain/incident.ts";
import type { IncidentCard } from "../src/store/repos/incidents.ts";
import { fit, fitSection } from "./limits.ts";
import { escapeMrkdwn as esc, link } from "./mrkdwn.ts";

const SEVERITY_ICON: Record<string, string> = { sev1: ":red_circle:", sev2: ":red_circle:", sev3: ":large_orange_circle:", sev4: ":large_blue_circle:" };

/** What a shared aisre incident link unfurls into: the incident at a glance and a link to its thread. */
export function incidentUnfurl(incident: Incident, card: IncidentCard, threadUrl: string | undefined): { blocks: KnownBlock[] } {
  const icon = SEVERITY_ICON[incident.severity] ?? ":white_circle:";
  const lines = [`${icon} *${esc(fit(incident.title, 200))}*`, `${esc(incident.severity)} · ${esc(incident.status)} · ${incident.services.map((s) => `\`${esc(s)}\``).join(", ") || "no service"}`];
  if (card.headline) lines.push(esc(fit(card.headline, 500)));
  const cause = card.diagnosis?.cause;
  if (cause) lines.push(`Leading cause: ${esc(fit(cause, 500))}${card.diagnosis?.confidence !== undefined ? ` (${Math.round(card.diagnosis.confidence * 100)} %)` : ""}`);
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: fitSection(lines.join("\n")) } }];
  const thread = threadUrl ? link(threadUrl, "Open the incident thread") : undefined;
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `aisre incident ${esc(incident.id)}${thread ? ` · ${thread}` : ""}` }] });
  return { blocks };
}
