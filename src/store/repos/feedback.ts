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

/** What responders said about a hypothesis or answer: the raw material for calibration. */
export class FeedbackRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async add(f: Feedback): Promise<void> {
    await this.db.query("INSERT INTO feedback (incident_id, subject, user_id, verdict, comment) VALUES ($1, $2, $3, $4, $5)", [f.incidentId ?? null, f.subject, f.userId, f.verdict, f.comment ?? null]);
  }

  async byIncident(incidentId: string): Promise<Feedback[]> {
    const rows = await this.db.query<{ incident_id: string; subject: string; user_id: string; verdict: Feedback["verdict"]; comment: string | null; at: Date }>("SELECT * FROM feedback WHERE incident_id = $1 ORDER BY at, id", [incidentId]);
    return rows.map((r) => ({ incidentId: r.incident_id, subject: r.subject, userId: r.user_id, verdict: r.verdict, comment: r.comment ?? undefined, at: iso(r.at) }));
  }
}
