import type OpenAI from "openai";
import type { Logger } from "../log.ts";
import { NARRATIVE_SECTIONS, type NarrativeSection, type PostmortemFacts, type SectionKey } from "./model.ts";
import { clock, type KeyMoment } from "./timeline.ts";

/**
 * The port an LLM writes the narrative parts of a postmortem through. It only ever sees the
 * redacted facts and timeline; whatever it returns replaces the template's text for those sections,
 * never the facts sections (impact, detection, action items). Optional: without OPENAI_API_KEY no
 * narrator exists and the templates are used.
 */
export interface PostmortemNarrator {
  readonly name: string;
  narrate(input: NarrativeInput): Promise<Partial<Record<NarrativeSection, string>>>;
}

export interface NarrativeInput {
  /** Redacted plain text: facts, timeline and the template's draft of each section. */
  facts: string;
  timeline: string;
  draft: Partial<Record<SectionKey, string>>;
}

/** The redacted material a narrator may see. */
export function narrativeInput(f: PostmortemFacts, timeline: KeyMoment[], draft: Record<SectionKey, string>, redact: (text: string) => string, names: (actor: string) => string): NarrativeInput {
  const facts = [
    `Incident ${f.incidentId}: ${f.title} (${f.severity.toUpperCase()})`,
    `Services: ${f.services.join(", ") || "unknown"}`,
    `First symptom ${f.startedAt}; detected ${f.detectedAt} by ${f.detectedBy}; acknowledged ${f.acknowledgedAt ?? "never"}; resolved ${f.resolvedAt ?? "not yet"}`,
    `Duration ${f.durationMinutes ?? "ongoing"} min; time to detect ${f.timeToDetectMinutes} min; time to acknowledge ${f.timeToAcknowledgeMinutes ?? "n/a"} min`,
    `Alerts (${f.alertCount}): ${f.alerts.map((a) => `${a.name}${a.service ? ` on ${a.service}` : ""} x${a.count}`).join("; ") || "none"}`,
    `Changes before it: ${f.changes.map((c) => `${c.kind} of ${c.service} ${c.version ?? ""} ${c.minutesBefore} min before`).join("; ") || "none"}`,
    `Leading cause: ${f.leadingCause ? `${f.leadingCause.text} (confidence ${f.leadingCause.confidence ?? "unknown"})` : "none recorded"}`,
    `Other hypotheses: ${f.hypotheses.map((h) => h.text).join("; ") || "none"}`,
    `Actions: ${f.actions.map((a) => `${a.event}: ${a.text}`).join("; ") || "none"}`,
    `Messages from responders: ${
      f.messages
        .slice(-20)
        .map((m) => `${names(m.actor)}: ${m.text}`)
        .join(" | ") || "none"
    }`,
  ].join("\n");
  const lines = timeline.map((m) => `${clock(m.at)} [${m.kind}] ${m.kind === "message" ? `${names(m.actor)}: ` : ""}${m.text}`).join("\n");
  const draftRedacted: Partial<Record<SectionKey, string>> = {};
  for (const k of NARRATIVE_SECTIONS) draftRedacted[k] = redact(draft[k]);
  return { facts: redact(facts), timeline: redact(lines), draft: draftRedacted };
}

const SYSTEM = `You write blameless incident postmortems for SRE teams. You get the facts and the timeline of one incident (already redacted) and a template draft of each section.
Rewrite the narrative sections as clear, specific prose for engineers: summary (3-5 sentences), rootCause, trigger, resolution, wentWell, wentWrong, lessons (the last three as short bullet lines starting with "• ").
Use only what the facts and timeline say. Never invent a cause, a number, a person or a time; when the records do not establish something, say so. Keep mentions like <@U123> as they are.
Answer with one JSON object whose keys are exactly: summary, rootCause, trigger, resolution, wentWell, wentWrong, lessons; each value a string.`;

/** An OpenAI-compatible chat model as the narrator (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL). */
export class OpenAINarrator implements PostmortemNarrator {
  readonly name: string;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly logger?: Logger;

  /** `client`: the one OpenAI client the composition root builds; this narrows its timeout and retries. */
  constructor(o: { client: OpenAI; model: string; timeoutMs?: number; logger?: Logger }) {
    this.model = o.model;
    this.name = o.model;
    this.logger = o.logger;
    this.client = o.client.withOptions({ timeout: o.timeoutMs ?? 30_000, maxRetries: 2 });
  }

  async narrate(input: NarrativeInput): Promise<Partial<Record<NarrativeSection, string>>> {
    const res = await this.client.chat.completions.create({
      model: this.model,
      temperature: 0.2,
      response_format: { type: "json_object" },
      messages: [
        { role: "system", content: SYSTEM },
        { role: "user", content: `FACTS\n${input.facts}\n\nTIMELINE\n${input.timeline}\n\nTEMPLATE DRAFT (JSON)\n${JSON.stringify(input.draft)}` },
      ],
    });
    return parseNarrative(res.choices[0]?.message?.content ?? "", this.logger);
  }
}

/** The sections of a model's JSON answer that are non-empty strings; anything else is ignored. */
export function parseNarrative(content: string, logger?: Logger): Partial<Record<NarrativeSection, string>> {
  let json: unknown;
  try {
    json = JSON.parse(content.replace(/^```(?:json)?\s*|\s*```$/g, ""));
  } catch {
    logger?.warn("postmortem narrator answered with something that is not JSON; using the templates");
    return {};
  }
  const out: Partial<Record<NarrativeSection, string>> = {};
  if (!json || typeof json !== "object") return out;
  for (const k of NARRATIVE_SECTIONS) {
    const v = (json as Record<string, unknown>)[k];
    if (typeof v === "string" && v.trim()) out[k] = v.trim().slice(0, 2_800);
    else if (Array.isArray(v) && v.every((x) => typeof x === "string"))
      out[k] = v
        .map((x) => `• ${String(x).replace(/^[•*-]\s*/, "")}`)
        .join("\n")
        .slice(0, 2_800);
  }
  return out;
}
