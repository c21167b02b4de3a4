import { isoNow, systemClock, type Clock } from "../../domain/clock.ts";
import type { Severity } from "../../domain/alert.ts";
import type { FeedbackSubject, Grade, Sentiment } from "../../domain/grades.ts";
import type { Db } from "../db.ts";
import { iso } from "../rows.ts";

export interface Feedback {
  incidentId?: string;
  subject: string;
  userId: string;
  verdict: "helpful" | "wrong" | "partly";
  comment?: string;
  at?: string;
}

/** A 👍/👎 on one of aisre's messages (an answer or a diagnosis post). */
export interface Rating {
  channel: string;
  messageTs: string;
  userId: string;
  subject: FeedbackSubject;
  incidentId?: string;
  sentiment: Sentiment;
  at: string;
}

/** "Was this the cause?": one person's grade of an incident's leading cause, with what aisre said then. */
export interface CauseGrade {
  incidentId: string;
  userId: string;
  grade: Grade;
  score: number;
  service?: string;
  cause?: string;
  /** The leader's confidence when the incident was resolved (0..1). */
  confidence?: number;
  at: string;
}

/** A resolved incident with the grades it got (none yet: an empty list). */
export interface GradedIncident {
  id: string;
  title: string;
  severity: Severity;
  services: string[];
  resolvedAt: string;
  /** The card's leading cause at resolve. */
  cause?: string;
  confidence?: number;
  grades: CauseGrade[];
}

interface GradeRow {
  incident_id: string;
  user_id: string;
  grade: Grade;
  score: number;
  service: string | null;
  cause: string | null;
  confidence: number | null;
  at: Date;
}

const toGrade = (r: GradeRow): CauseGrade => ({
  incidentId: r.incident_id,
  userId: r.user_id,
  grade: r.grade,
  score: Number(r.score),
  ...(r.service ? { service: r.service } : {}),
  ...(r.cause ? { cause: r.cause } : {}),
  ...(r.confidence !== null && r.confidence !== undefined ? { confidence: Number(r.confidence) } : {}),
  at: iso(r.at),
});

/** What responders said about aisre's answers, diagnoses and leading causes: the raw material for calibration. */
export class FeedbackRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  constructor(db: Db, clock: Clock = systemClock) {
    this.db = db;
    this.clock = clock;
  }

  async add(f: Feedback): Promise<void> {
    await this.db.query("INSERT INTO feedback (incident_id, subject, user_id, verdict, comment) VALUES ($1, $2, $3, $4, $5)", [f.incidentId ?? null, f.subject, f.userId, f.verdict, f.comment ?? null]);
  }

  async byIncident(incidentId: string): Promise<Feedback[]> {
    const rows = await this.db.query<{ incident_id: string; subject: string; user_id: string; verdict: Feedback["verdict"]; comment: string | null; at: Date }>("SELECT * FROM feedback WHERE incident_id = $1 ORDER BY at, id", [incidentId]);
    return rows.map((r) => ({ incidentId: r.incident_id, subject: r.subject, userId: r.user_id, verdict: r.verdict, comment: r.comment ?? undefined, at: iso(r.at) }));
  }

  /** Records a 👍/👎; the same person rating the same message again replaces their rating. */
  async rate(r: Omit<Rating, "at">): Promise<Rating> {
    const at = isoNow(this.clock);
    await this.db.query(
      `INSERT INTO ai_ratings (channel, message_ts, user_id, subject, incident_id, sentiment, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (channel, message_ts, user_id) DO UPDATE SET sentiment = EXCLUDED.sentiment, subject = EXCLUDED.subject, incident_id = EXCLUDED.incident_id, at = EXCLUDED.at`,
      [r.channel, r.messageTs, r.userId, r.subject, r.incidentId ?? null, r.sentiment, at],
    );
    return { ...r, at };
  }

  /** Ratings since `since` (ISO; default all), oldest first. */
  async ratings(since?: string): Promise<Rating[]> {
    const rows = await this.db.query<{ channel: string; message_ts: string; user_id: string; subject: FeedbackSubject; incident_id: string | null; sentiment: Sentiment; at: Date }>("SELECT * FROM ai_ratings WHERE ($1::timestamptz IS NULL OR at >= $1::timestamptz) ORDER BY at, channel, message_ts, user_id", [
      since ?? null,
    ]);
    return rows.map((r) => ({ channel: r.channel, messageTs: r.message_ts, userId: r.user_id, subject: r.subject, ...(r.incident_id ? { incidentId: r.incident_id } : {}), sentiment: r.sentiment, at: iso(r.at) }));
  }

  /** Records a grade of an incident's leading cause; the same person grading again replaces their grade. */
  async grade(g: Omit<CauseGrade, "at">): Promise<CauseGrade> {
    const at = isoNow(this.clock);
    await this.db.query(
      `INSERT INTO cause_grades (incident_id, user_id, grade, score, service, cause, confidence, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (incident_id, user_id) DO UPDATE SET grade = EXCLUDED.grade, score = EXCLUDED.score, service = EXCLUDED.service, cause = EXCLUDED.cause, confidence = EXCLUDED.confidence, at = EXCLUDED.at`,
      [g.incidentId, g.userId, g.grade, g.score, g.service ?? null, g.cause ?? null, g.confidence ?? null, at],
    );
    return { ...g, at };
  }

  async gradesOf(incidentId: string): Promise<CauseGrade[]> {
    const rows = await this.db.query<GradeRow>("SELECT * FROM cause_grades WHERE incident_id = $1 ORDER BY at, user_id", [incidentId]);
    return rows.map(toGrade);
  }

  /** Every grade since `since` (ISO; default all), oldest first: what calibration and the report read. */
  async grades(since?: string): Promise<CauseGrade[]> {
    const rows = await this.db.query<GradeRow>("SELECT * FROM cause_grades WHERE ($1::timestamptz IS NULL OR at >= $1::timestamptz) ORDER BY at, incident_id, user_id", [since ?? null]);
    return rows.map(toGrade);
  }

  /** The last `limit` resolved incidents, newest first, with the leading cause on their card and their grades. */
  async recentResolved(limit = 5): Promise<GradedIncident[]> {
    const rows = await this.db.query<{ id: string; title: string; severity: Severity; services: string[]; resolved_at: Date; card: { diagnosis?: { cause?: string; confidence?: number } } | null }>(
      "SELECT id, title, severity, services, resolved_at, card FROM incidents WHERE status = 'resolved' AND resolved_at IS NOT NULL ORDER BY resolved_at DESC, id LIMIT $1",
      [limit],
    );
    if (rows.length === 0) return [];
    const grades = await this.db.query<GradeRow>("SELECT * FROM cause_grades WHERE incident_id = ANY($1::text[]) ORDER BY at, user_id", [rows.map((r) => r.id)]);
    return rows.map((r) => {
      const d = r.card?.diagnosis;
      return {
        id: r.id,
        title: r.title,
        severity: r.severity,
        services: r.services,
        resolvedAt: iso(r.resolved_at),
        ...(d?.cause ? { cause: d.cause } : {}),
        ...(typeof d?.confidence === "number" ? { confidence: d.confidence } : {}),
        grades: grades.filter((g) => g.incident_id === r.id).map(toGrade),
      };
    });
  }
}
