import type { Incident } from "../domain/incident.ts";
import type { ParsedQuestion } from "./intents.ts";

/**
 * The assistant container (Slack's AI app surface: the side panel and the app's DM), pure parts:
 * the prompts it suggests, the status it shows while it works, a thread's title, and which incident
 * a question asked there is about.
 */

/** Shown when a thread starts; manifest.yml's `assistant_view.suggested_prompts` are the same. */
export const SUGGESTED_PROMPTS = [
  { title: "What's on fire?", message: "What's on fire?" },
  { title: "Summarise the checkout incident", message: "Summarise the checkout incident" },
  { title: "Who's on call for payments?", message: "Who's on call for payments?" },
] as const;

export const PROMPTS_TITLE = "Try asking";

/** Slack shows titles in the thread list; longer ones are cut. */
const TITLE_MAX = 80;

/** What "aisre is …" says while it answers this question (plain text: Slack shows it as is). */
export function workingStatus(q: ParsedQuestion): string {
  const s = q.service;
  switch (q.intent) {
    case "on_fire":
      return "Reading the open incidents and firing alerts…";
    case "metric":
    case "health":
      return s ? `Reading ${s}'s metrics…` : "Reading the open incidents…";
    case "changes":
      return s ? `Checking what changed around ${s}…` : "Checking recent deploys and changes…";
    case "oncall":
      return s ? `Looking up who's on call for ${s}…` : "Looking up who's on call…";
    case "summary":
    case "timeline":
    case "progress":
    case "impact":
      return s ? `Reading the ${s} incident…` : "Reading the incident…";
    case "why":
    case "why_not":
    case "next_steps":
      return s ? `Weighing the evidence on ${s}…` : "Weighing the evidence…";
    case "similar":
      return "Searching past incidents and runbooks…";
    default:
      return "Looking into it…";
  }
}

/** Loading messages Slack rotates under the status (at most 10). */
export function loadingMessages(q: ParsedQuestion): string[] {
  return [workingStatus(q), "Checking the evidence…", "Writing it up…"];
}

/** The thread's title: the first question, on one line, cut to fit. */
export function threadTitle(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > TITLE_MAX ? `${one.slice(0, TITLE_MAX - 1)}…` : one;
}

/**
 * The incident a question in the container is about (it has no incident thread of its own): the
 * open incident of the service it names, when there is exactly one; else the only open incident in
 * the channel the person is looking at (left to the engine).
 */
export function incidentNamed(q: ParsedQuestion, open: Pick<Incident, "id" | "services">[]): string | undefined {
  const service = q.service;
  if (!service) return undefined;
  const matching = open.filter((i) => i.services.includes(service));
  return matching.length === 1 ? matching[0]?.id : undefined;
}

/** A long answer streamed in pieces at line breaks (each append is one piece). */
export function streamPieces(markdown: string, size = 400): string[] {
  const out: string[] = [];
  let cur = "";
  for (const line of markdown.split(/(?<=\n)/)) {
    if (cur && cur.length + line.length > size) {
      out.push(cur);
      cur = "";
    }
    cur += line;
  }
  if (cur) out.push(cur);
  return out;
}
