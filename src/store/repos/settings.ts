import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

/** Small durable switches (the automation kill switch) that must survive restarts. */
export class SettingsRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async get<T>(key: string): Promise<{ value: T; updatedBy?: string; updatedAt: string } | undefined> {
    const [row] = await this.db.query<{ value: T; updated_by: string | null; updated_at: Date }>("SELECT * FROM settings WHERE key = $1", [key]);
    return row ? { value: row.value, updatedBy: row.updated_by ?? undefined, updatedAt: iso(row.updated_at) } : undefined;
  }

  async set(key: string, value: unknown, updatedBy?: string): Promise<void> {
    await this.db.query(
      `INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [key, json(value), updatedBy ?? null],
    );
  }
}
