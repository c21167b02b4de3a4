import type { IncidentEvents } from "../incident/incident-events.ts";
import type { SlackMessage } from "../incident/presenter.ts";
import type { Logger } from "../log.ts";
import type { CauseGrade, Rating } from "../store/repos/feedback.ts";
import type { Store } from "../store/store.ts";
import { GRADE_SCORES, type FeedbackSubject, type Grade, type Sentiment } from "../domain/grades.ts";
import { plainFeedbackPresenter, type CauseGradeView, type FeedbackPresenter } from "./presenter.ts";

/** The leading cause aisre stated for an incident (the last published ranking's leader). */
export interface LeadingCause {
  service?: string;
  cause?: string;
  confidence?: number;
}

export interface FeedbackServiceOptions {
  store: Store;
  /** The incident service: its resolution note carries the grading question (askOnResolve). */
  incidents: { events: IncidentEvents; askOnResolve(question: (incidentId: string) => Promise<SlackMessage | undefined>): () => void };
  outbox: { poke(): void };
  logger: Logger;
  defaultChannel: string;
  presenter?: FeedbackPresenter;
  /** What aisre said was the cause (the diagnosis's last published leader); default the card's. */
  leading?: (incidentId: string) => Promise<LeadingCause | undefined>;
}

/**
 * Feedback on aisre's AI output: the 👍/👎 under answers and diagnoses, and "Was this the cause?"
 * asked in the thread when an incident is resolved (right / partly / wrong / no idea). Grades keep the
 * cause and confidence aisre stated, which is what the confidence calibration learns from.
 */
export class FeedbackService {
  private readonly o: FeedbackServiceOptions;
  private readonly presenter: FeedbackPresenter;
  private readonly listeners = new Set<() => void>();
  private off?: () => void;

  constructor(o: FeedbackServiceOptions) {
    this.o = o;
    this.presenter = o.presenter ?? plainFeedbackPresenter;
  }

  /** Called after every rating or grade (the Home tab republishes). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /** Asks "Was this the cause?" in the resolution note itself: one thread message per resolution, not two. */
  start(): void {
    this.off = this.o.incidents.askOnResolve(async (id) => {
      try {
        // An incident merged into another is graded there, not in its own thread.
        if ((await this.o.store.incidents.card(id)).mergedInto) return undefined;
        // Nothing to grade when aisre named no cause (resolved before any ranking).
        const view = await this.gradeView(id);
        return view.cause ? this.presenter.causeGrade(view) : undefined;
      } catch (e) {
        this.o.logger.warn({ err: e, incident: id }, "could not ask for a grade");
        return undefined;
      }
    });
  }

  stop(): void {
    this.off?.();
  }

  private async leading(incidentId: string): Promise<LeadingCause> {
    const fromDiagnosis = await this.o.leading?.(incidentId);
    if (fromDiagnosis?.cause) return fromDiagnosis;
    const d = (await this.o.store.incidents.card(incidentId)).diagnosis;
    return { ...(d?.cause ? { cause: d.cause } : {}), ...(d?.confidence !== undefined ? { confidence: d.confidence } : {}) };
  }

  /** The grading question as it reads now (with the grades given so far). */
  async gradeView(incidentId: string): Promise<CauseGradeView> {
    const lead = await this.leading(incidentId);
    const grades = await this.o.store.feedback.gradesOf(incidentId);
    return { incidentId, ...lead, grades: grades.map((g) => ({ userId: g.userId, grade: g.grade })) };
  }

  /** A person grades the leading cause; their earlier grade is replaced. Returns the question as it now reads. */
  async grade(incidentId: string, userId: string, grade: Grade): Promise<{ grade: CauseGrade; view: CauseGradeView; message: ReturnType<FeedbackPresenter["causeGrade"]> } | undefined> {
    const incident = await this.o.store.incidents.get(incidentId);
    if (!incident) return undefined;
    const lead = await this.leading(incidentId);
    const saved = await this.o.store.feedback.grade({ incidentId, userId, grade, score: GRADE_SCORES[grade], ...lead });
    this.changed();
    const view = await this.gradeView(incidentId);
    return { grade: saved, view, message: this.presenter.causeGrade(view) };
  }

  /** A 👍/👎 on an answer or diagnosis message. */
  async rate(r: { channel: string; messageTs: string; userId: string; subject: FeedbackSubject; sentiment: Sentiment; incidentId?: string }): Promise<Rating> {
    const incidentId = r.incidentId && (await this.o.store.incidents.get(r.incidentId)) ? r.incidentId : undefined;
    const saved = await this.o.store.feedback.rate({ ...r, incidentId });
    this.changed();
    return saved;
  }
}
