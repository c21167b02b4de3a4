import type { ContextActionsBlock, KnownBlock } from "@slack/types";
import { feedbackValue, GRADE_LABELS, GRADE_SCORES, GRADES, type FeedbackSubject } from "../src/domain/grades.ts";
import type { CauseGradeView, FeedbackPresenter } from "../src/feedback/presenter.ts";
import { causeWithoutService } from "../src/feedback/stated-cause.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn as esc, mentionUser } from "./mrkdwn.ts";

/**
 * Feedback on aisre's AI output. `feedbackBlock` is the one helper every AI answer and diagnosis
 * post appends (mentions, the assistant surface, the thread's diagnosis): Slack's native
 * `feedback_buttons` in a `context_actions` block, action_id `ai_feedback`, handled by
 * handlers/actions/feedback.ts. `causeGradeMessage` is the "Was this the cause?" question posted on
 * resolve.
 */

/** The 👍/👎 row under an answer (`subject` "answer") or a diagnosis post ("diagnosis"), for the incident when there is one. */
export function feedbackBlock(subject: FeedbackSubject, incidentId?: string): ContextActionsBlock {
  return {
    type: "context_actions",
    elements: [
      {
        type: "feedback_buttons",
        action_id: ACTION.aiFeedback,
        positive_button: { text: { type: "plain_text", text: "👍" }, value: fit(feedbackValue("positive", subject, incidentId), SLACK_LIMITS.buttonValue), accessibility_label: subject === "answer" ? "This answer helped" : "This diagnosis helped" },
        negative_button: { text: { type: "plain_text", text: "👎" }, value: fit(feedbackValue("negative", subject, incidentId), SLACK_LIMITS.buttonValue), accessibility_label: subject === "answer" ? "This answer was wrong or unhelpful" : "This diagnosis was wrong or unhelpful" },
      },
    ],
  };
}

/** Appends the feedback row to a message's blocks, within Slack's 50-block limit (the last block gives way). */
export function withFeedback<T extends { blocks: unknown[] }>(msg: T, subject: FeedbackSubject, incidentId?: string): T {
  const blocks = msg.blocks.slice(0, SLACK_LIMITS.blocksPerMessage - 1);
  return { ...msg, blocks: [...blocks, feedbackBlock(subject, incidentId)] };
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** "Was this the cause?" with right / partly / wrong / no idea; graded ones listed below (a second click changes a grade). */
export function causeGradeMessage(v: CauseGradeView): { text: string; blocks: KnownBlock[] } {
  const said = v.cause ? `*${esc(v.service ?? "?")}*: _${esc(fit(causeWithoutService(v), 600))}_${v.confidence !== undefined ? ` (${pct(v.confidence)})` : ""}` : "_aisre named no leading cause._";
  const blocks: KnownBlock[] = [
    { type: "section", block_id: BLOCK.causeGradeQuestion, text: { type: "mrkdwn", text: fitSection(`:dart: *Was this the cause?* Grading tells aisre how far to trust its confidence next time.\n${said}`) } },
    {
      type: "actions",
      block_id: BLOCK.causeGrade,
      elements: GRADES.map((g) => ({ type: "button" as const, action_id: `${ACTION.causeGradePrefix}${g}`, text: { type: "plain_text" as const, text: `${GRADE_LABELS[g]} (${GRADE_SCORES[g]})` }, value: fit(v.incidentId, SLACK_LIMITS.buttonValue), ...(g === "right" ? { style: "primary" as const } : {}) })),
    },
  ];
  if (v.grades.length) {
    const by = v.grades.slice(0, 20).map((g) => `${mentionUser(g.userId)}: ${GRADE_LABELS[g.grade].toLowerCase()}`);
    blocks.push({ type: "context", block_id: BLOCK.causeGradeBy, elements: [{ type: "mrkdwn", text: fit(`Graded: ${by.join(" · ")}`, SLACK_LIMITS.sectionText) }] });
  }
  const text = v.cause ? `Was this the cause? ${esc(v.service ?? "")}: ${esc(fit(causeWithoutService(v), 300))}` : "Was this the cause?";
  return { text, blocks };
}

const GRADE_BLOCKS = new Set<string>([BLOCK.causeGradeQuestion, BLOCK.causeGrade, BLOCK.causeGradeBy]);

/**
 * The message a grade was given on, with its grading question as it now reads: the question travels
 * in the resolution note, whose own blocks stay as they were. A message that is only the question
 * (or that no longer shows it) becomes the new question.
 */
export function withCauseGrade(original: { text?: string; blocks?: readonly unknown[] } | undefined, question: { text: string; blocks: KnownBlock[] }): { text: string; blocks: KnownBlock[] } {
  const blocks = (original?.blocks ?? []) as KnownBlock[];
  const at = blocks.findIndex((b) => GRADE_BLOCKS.has(b.block_id ?? ""));
  const rest = blocks.filter((b) => !GRADE_BLOCKS.has(b.block_id ?? ""));
  if (at < 0 || rest.length === 0) return question;
  const before = blocks.slice(0, at).filter((b) => !GRADE_BLOCKS.has(b.block_id ?? ""));
  const after = blocks.slice(at).filter((b) => !GRADE_BLOCKS.has(b.block_id ?? ""));
  return { text: original?.text ?? question.text, blocks: [...before, ...question.blocks, ...after] };
}

export const blockKitFeedbackPresenter: FeedbackPresenter = { causeGrade: causeGradeMessage };
