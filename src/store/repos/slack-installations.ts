import { isoNow, systemClock, type Clock } from "../../domain/clock.ts";
import type { Db } from "../db.ts";

/** Which install a Slack request belongs to: the organization's for an org-wide install, else the workspace's. */
export interface InstallationKey {
  enterpriseId?: string;
  teamId?: string;
  isEnterpriseInstall: boolean;
}

export interface StoredInstallation<T> {
  key: InstallationKey;
  installation: T;
  botTokenExpiresAt?: number;
  installedAt: string;
  updatedAt: string;
}

interface Row {
  enterprise_id: string | null;
  team_id: string | null;
  is_enterprise_install: boolean;
  installation: unknown;
  bot_token_expires_at: string | number | null;
  installed_at: string | Date;
  updated_at: string | Date;
}

const iso = (v: string | Date) => new Date(v).toISOString();

/** The row's key: `E:<enterprise>` for an org-wide install, `T:<team>` (or `E:…/T:…` on a Grid workspace) otherwise. */
export function installKey(k: InstallationKey): string {
  if (k.isEnterpriseInstall) {
    if (!k.enterpriseId) throw new Error("an org-wide install needs its enterprise id");
    return `E:${k.enterpriseId}`;
  }
  if (!k.teamId) throw new Error("a workspace install needs its team id");
  return k.enterpriseId ? `E:${k.enterpriseId}/T:${k.teamId}` : `T:${k.teamId}`;
}

/** Slack installs (Bolt's Installation objects, as JSON), kept and renewed per workspace or organization. */
export class SlackInstallationRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  constructor(db: Db, clock: Clock = systemClock) {
    this.db = db;
    this.clock = clock;
  }

  /** Stores an install, replacing the one with the same key (a re-install, or a token rotation). */
  async save<T>(key: InstallationKey, installation: T, botTokenExpiresAt?: number): Promise<void> {
    const now = isoNow(this.clock);
    await this.db.query(
      `INSERT INTO slack_installations (install_key, enterprise_id, team_id, is_enterprise_install, installation, bot_token_expires_at, installed_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (install_key) DO UPDATE SET installation = EXCLUDED.installation, bot_token_expires_at = EXCLUDED.bot_token_expires_at, updated_at = EXCLUDED.updated_at`,
      [installKey(key), key.enterpriseId ?? null, key.isEnterpriseInstall ? null : (key.teamId ?? null), key.isEnterpriseInstall, JSON.stringify(installation), botTokenExpiresAt ?? null, now],
    );
  }

  /**
   * The install a request belongs to: the org-wide one when `isEnterpriseInstall`, else the
   * workspace's (on a Grid workspace without its own install, the organization's).
   */
  async find<T>(key: InstallationKey): Promise<StoredInstallation<T> | undefined> {
    const keys = [installKey(key)];
    if (!key.isEnterpriseInstall && key.enterpriseId) keys.push(`E:${key.enterpriseId}`);
    const rows = await this.db.query<Row & { install_key: string }>("SELECT * FROM slack_installations WHERE install_key = ANY($1::text[])", [keys]);
    const row = keys.map((k) => rows.find((r) => r.install_key === k)).find((r) => r !== undefined);
    if (!row) return undefined;
    const installation = (typeof row.installation === "string" ? JSON.parse(row.installation) : row.installation) as T;
    return {
      key: { ...(row.enterprise_id ? { enterpriseId: row.enterprise_id } : {}), ...(row.team_id ? { teamId: row.team_id } : {}), isEnterpriseInstall: row.is_enterprise_install },
      installation,
      ...(row.bot_token_expires_at !== null ? { botTokenExpiresAt: Number(row.bot_token_expires_at) } : {}),
      installedAt: iso(row.installed_at),
      updatedAt: iso(row.updated_at),
    };
  }

  /** Removes an install (the app was uninstalled); true when there was one. */
  async delete(key: InstallationKey): Promise<boolean> {
    const rows = await this.db.query("DELETE FROM slack_installations WHERE install_key = $1 RETURNING install_key", [installKey(key)]);
    return rows.length > 0;
  }

  /** The keys of every install, oldest first (the default workspace is the first one). */
  async keys(): Promise<InstallationKey[]> {
    const rows = await this.db.query<{ enterprise_id: string | null; team_id: string | null; is_enterprise_install: boolean }>("SELECT enterprise_id, team_id, is_enterprise_install FROM slack_installations ORDER BY installed_at, install_key");
    return rows.map((r) => ({ ...(r.enterprise_id ? { enterpriseId: r.enterprise_id } : {}), ...(r.team_id ? { teamId: r.team_id } : {}), isEnterpriseInstall: r.is_enterprise_install }));
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM slack_installations");
    return Number(row?.n ?? 0);
  }
}

/** A workspace (and its organization, on Enterprise Grid). */
export interface SlackWorkspaceRef {
  teamId: string;
  enterpriseId?: string;
}

/** Which workspace each channel (or, `forPeople`, each person) belongs to (several OAuth installs). */
export class SlackChannelWorkspaceRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly table: "slack_channel_workspaces" | "slack_user_workspaces";
  private readonly column: "channel_id" | "user_id";
  constructor(db: Db, clock: Clock = systemClock, forPeople = false) {
    this.db = db;
    this.clock = clock;
    this.table = forPeople ? "slack_user_workspaces" : "slack_channel_workspaces";
    this.column = forPeople ? "user_id" : "channel_id";
  }

  async put(id: string, ws: SlackWorkspaceRef): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table} (${this.column}, team_id, enterprise_id, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (${this.column}) DO UPDATE SET team_id = EXCLUDED.team_id, enterprise_id = EXCLUDED.enterprise_id, updated_at = EXCLUDED.updated_at`,
      [id, ws.teamId, ws.enterpriseId ?? null, isoNow(this.clock)],
    );
  }

  async get(id: string): Promise<SlackWorkspaceRef | undefined> {
    const [row] = await this.db.query<{ team_id: string; enterprise_id: string | null }>(`SELECT team_id, enterprise_id FROM ${this.table} WHERE ${this.column} = $1`, [id]);
    return row ? { teamId: row.team_id, ...(row.enterprise_id ? { enterpriseId: row.enterprise_id } : {}) } : undefined;
  }
}
