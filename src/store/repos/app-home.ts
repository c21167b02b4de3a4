import { isoNow, systemClock, type Clock } from "../../domain/clock.ts";
import type { Db } from "../db.ts";

/** Who opened aisre's Home tab (and when last): their Home is kept current as things change. */
export class AppHomeRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  constructor(db: Db, clock: Clock = systemClock) {
    this.db = db;
    this.clock = clock;
  }

  async opened(userId: string): Promise<void> {
    await this.db.query("INSERT INTO app_home_viewers (user_id, opened_at) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET opened_at = EXCLUDED.opened_at", [userId, isoNow(this.clock)]);
  }

  /** People who opened Home, most recent first (at most `limit`). */
  async viewers(limit = 500): Promise<string[]> {
    const rows = await this.db.query<{ user_id: string }>("SELECT user_id FROM app_home_viewers ORDER BY opened_at DESC, user_id LIMIT $1", [limit]);
    return rows.map((r) => r.user_id);
  }
}
