import type { SlackMessage } from "../incident/presenter.ts";
import { escapeText } from "../text/slack-markup.ts";
import { GRADE_LABELS, type Grade } from "../domain/grades.ts";
import { causeWithoutService } from "./stated-cause.ts";

/** What the "Was this the cause?" question shows: the leading cause aisre stated at resolve, and the grades so far. */
export interface CauseGradeView {
  incidentId: string;
  service?: string;
  cause?: string;
  confidence?: number;
  grades: Array<{ userId: string; grade: Grade }>;
}

/** Renders the grading question; implemented with Block Kit (buttons) in blocks/feedback.ts. */
export interface FeedbackPresenter {
  causeGrade(v: CauseGradeView): SlackMessage;
}

/** A plain-text presenter (tests, and anywhere Block Kit is not wanted): the question without buttons. */
export const plainFeedbackPresenter: FeedbackPresenter = {
  causeGrade(v) {
    const said = v.cause ? `${v.service ?? "?"}: ${causeWithoutService(v)}${v.confidence !== undefined ? ` (${Math.round(v.confidence * 100)} %)` : ""}` : "no leading cause";
    const graded = v.grades.map((g) => `${g.userId}: ${GRADE_LABELS[g.grade]}`).join(", ");
    return { text: escapeText(`Was this the cause? ${said}${graded ? `. Graded: ${graded}` : ""}`), blocks: [] };
  },
};
