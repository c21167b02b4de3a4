import type { KnownBlock } from "@slack/types";
import type { Answer } from "../src/assistant/types.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn as esc } from "./mrkdwn.ts";

/** Splits mrkdwn into section-sized pieces at line breaks. */
export function sectionsOf(text: string, max: number = SLACK_LIMITS.sectionText): string[] {
  const out: string[] = [];
  let cur = "";
  for (const line of text.split("\n")) {
    const piece = line.length > max ? fit(line, max) : line;
    if (cur && cur.length + 1 + piece.length > max) {
      out.push(cur);
      cur = piece;
    } else cur = cur ? `${cur}\n${piece}` : piece;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

function modeLine(a: Answer): string {
  if (a.mode === "llm" && a.llm) return `:robot_face: ${esc(a.llm.model)} · ${a.llm.steps} step${a.llm.steps === 1 ? "" : "s"} · ${a.llm.tokens.toLocaleString("en-US")} tokens · ${(a.llm.elapsedMs / 1000).toFixed(1)} s · nothing runs without a person's approval`;
  if (a.mode === "fallback") return ":warning: Rules-based answer (the language model did not answer)";
  return ":gear: Rules-based answer";
}

/** The answer in the thread: the text, proposed actions, then where it came from. */
export function answerMessage(a: Answer): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = sectionsOf(a.text)
    .slice(0, 20)
    .map((t) => ({ type: "section", text: { type: "mrkdwn", text: t } }));
  blocks.push(...answerFooter(a));
  const text = fit(a.text.replace(/\s+/g, " ").trim(), 3000) || "aisre answered";
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}

/** Below an answer's text (also under a streamed answer): proposed actions, then where it came from. */
export function answerFooter(a: Answer): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (a.proposals?.length) {
    const lines = a.proposals.map((p) => `• *${esc(p.type)}* on *${esc(p.service)}*${p.reason ? `: ${esc(p.reason)}` : ""} (${esc(p.note)})`);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(`:bulb: *Proposed* (a person decides):\n${lines.join("\n")}`) } });
  }
  const notes = a.notes.slice(0, 5).map((n) => fit(`:information_source: ${esc(n)}`, 500));
  const sources = a.sources.length ? fit(`Evidence: ${esc(a.sources.join(" · "))}`, SLACK_LIMITS.sectionText) : undefined;
  const elements = [modeLine(a), ...(sources ? [sources] : []), ...notes].slice(0, 10).map((t) => ({ type: "mrkdwn" as const, text: t }));
  blocks.push({ type: "context", elements });
  return blocks;
}
