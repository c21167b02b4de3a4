import type { Db } from "../db.ts";

/** How long handled event ids are kept (Slack retries within minutes). */
const KEEP = "1 day";
const PRUNE_EVERY = 500;

/** Slack event ids already handled, shared by every replica (the event dedupe of the fleet). */
export class SlackEventRepo {
  private readonly db: Db;
  private claims = 0;
  constructor(db: Db) {
    this.db = db;
  }

  /** True for the first claim of an event id anywhere; false when a replica already took it. */
  async claim(eventId: string, kind: string): Promise<boolean> {
    if (++this.claims % PRUNE_EVERY === 0) await this.db.query(`DELETE FROM slack_events WHERE received_at < now() - interval '${KEEP}'`);
    const rows = await this.db.query("INSERT INTO slack_events (event_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id", [eventId, kind]);
    return rows.length > 0;
  }
}
