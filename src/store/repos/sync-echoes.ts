import type { Db } from "../db.ts";

const ms = (n: number) => String(Math.max(0, Math.round(n)));
const PRUNE_EVERY = 200;

/**
 * Changes aisre just made in Jira or PagerDuty (`sync_echoes`), shared by every replica: the webhook
 * that comes back may reach any of them. One remembered change absorbs one echo.
 */
export class SyncEchoRepo {
  private readonly db: Db;
  private writes = 0;
  constructor(db: Db) {
    this.db = db;
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    if (++this.writes % PRUNE_EVERY === 0) await this.db.query("DELETE FROM sync_echoes WHERE expires_at < now()");
    await this.db.query("INSERT INTO sync_echoes (echo_key, expires_at) VALUES ($1, now() + ($2 || ' milliseconds')::interval)", [key, ms(ttlMs)]);
  }

  /** True (and that one memory forgotten) when the change was remembered and has not expired. */
  async consume(key: string): Promise<boolean> {
    const rows = await this.db.query(`DELETE FROM sync_echoes WHERE id = (SELECT id FROM sync_echoes WHERE echo_key = $1 AND expires_at > now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`, [key]);
    return rows.length > 0;
  }

  async has(key: string): Promise<boolean> {
    const rows = await this.db.query("SELECT 1 FROM sync_echoes WHERE echo_key = $1 AND expires_at > now() LIMIT 1", [key]);
    return rows.length > 0;
  }
}
