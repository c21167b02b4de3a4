import type { Db } from "../db.ts";

/** Where an incident's messages live: `root` is the one card, edited in place; others by purpose. */
export interface SlackMessageRef {
  incidentId: string;
  purpose: string;
  channel: string;
  ts: string;
  threadTs?: string;
}

interface Row {
  incident_id: string;
  purpose: string;
  channel: string;
  ts: string;
  thread_ts: string | null;
}

const toRef = (r: Row): SlackMessageRef => ({ incidentId: r.incident_id, purpose: r.purpose, channel: r.channel, ts: r.ts, threadTs: r.thread_ts ?? undefined });

export class SlackMessageRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Records a message; returns false (and keeps the first) if the purpose is already taken. */
  async put(ref: SlackMessageRef): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO slack_messages (incident_id, purpose, channel, ts, thread_ts) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (incident_id, purpose) DO NOTHING RETURNING ts`,
      [ref.incidentId, ref.purpose, ref.channel, ref.ts, ref.threadTs ?? null],
    );
    return rows.length > 0;
  }

  async get(incidentId: string, purpose: string): Promise<SlackMessageRef | undefined> {
    const [row] = await this.db.query<Row>("SELECT * FROM slack_messages WHERE incident_id = $1 AND purpose = $2", [incidentId, purpose]);
    return row ? toRef(row) : undefined;
  }

  /** The recorded messages of these (incident, purpose) pairs, in one statement; a pair without one is left out. */
  async getMany(pairs: ReadonlyArray<{ incidentId: string; purpose: string }>): Promise<SlackMessageRef[]> {
    if (pairs.length === 0) return [];
    const rows = await this.db.query<Row>("SELECT m.* FROM unnest($1::text[], $2::text[]) AS p(incident_id, purpose) JOIN slack_messages m ON m.incident_id = p.incident_id AND m.purpose = p.purpose", [pairs.map((p) => p.incidentId), pairs.map((p) => p.purpose)]);
    return rows.map(toRef);
  }

  /** Incidents not resolved that have a message recorded under this purpose. */
  async openIncidentsWith(purpose: string): Promise<string[]> {
    const rows = await this.db.query<{ incident_id: string }>("SELECT m.incident_id FROM slack_messages m JOIN incidents i ON i.id = m.incident_id WHERE m.purpose = $1 AND i.status <> 'resolved'", [purpose]);
    return rows.map((r) => r.incident_id);
  }

  /** The incident whose thread (or root message) has this ts in this channel. */
  /** Incidents (any status) whose root message is in this channel, newest first, at most `limit`. */
  async incidentsWithRootIn(channel: string, limit: number): Promise<Array<{ id: string; status: string }>> {
    return this.db.query<{ id: string; status: string }>("SELECT i.id, i.status FROM slack_messages m JOIN incidents i ON i.id = m.incident_id WHERE m.purpose = 'root' AND m.channel = $1 ORDER BY i.created_at DESC LIMIT $2", [channel, limit]);
  }

  /** Incidents not resolved whose root message is in this channel, newest first. */
  async openIncidentsWithRootIn(channel: string): Promise<string[]> {
    const rows = await this.db.query<{ incident_id: string }>("SELECT m.incident_id FROM slack_messages m JOIN incidents i ON i.id = m.incident_id WHERE m.purpose = 'root' AND m.channel = $1 AND i.status <> 'resolved' ORDER BY i.created_at DESC", [channel]);
    return rows.map((r) => r.incident_id);
  }

  async incidentForThread(channel: string, ts: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ incident_id: string }>("SELECT incident_id FROM slack_messages WHERE channel = $1 AND (ts = $2 OR thread_ts = $2) ORDER BY purpose = 'root' DESC LIMIT 1", [channel, ts]);
    return row?.incident_id;
  }
}
