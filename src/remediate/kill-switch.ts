import type { SettingsRepo } from "../store/repos/settings.ts";

export const KILL_SWITCH_KEY = "remediation.automation";

/** The setting of a workspace's own switch (several workspaces); the default workspace's is KILL_SWITCH_KEY. */
export function killSwitchKey(teamId?: string): string {
  return teamId ? `${KILL_SWITCH_KEY}:${teamId}` : KILL_SWITCH_KEY;
}

export interface AutomationState {
  enabled: boolean;
  by?: string;
  at?: string;
  reason?: string;
  /** The workspace whose own switch this is (several workspaces); absent: the default workspace's (the only one with one workspace). */
  workspace?: string;
}

/**
 * The automation kill switch. Kept in the database and read at every decision (never cached), so
 * `/aisre autonomy off` takes effect at once on every replica and survives restarts. With several
 * workspaces each workspace that has its own settings has its own switch (`teamId`); the default
 * workspace's is the one switch of a single-workspace install.
 */
export class KillSwitch {
  private readonly settings: SettingsRepo;
  constructor(settings: SettingsRepo) {
    this.settings = settings;
  }

  async state(teamId?: string): Promise<AutomationState> {
    const row = await this.settings.get<{ enabled: boolean; reason?: string }>(killSwitchKey(teamId));
    const ws = teamId ? { workspace: teamId } : {};
    if (!row) return { enabled: true, ...ws };
    return { enabled: row.value.enabled !== false, by: row.updatedBy, at: row.updatedAt, reason: row.value.reason, ...ws };
  }

  async set(enabled: boolean, by: string, reason?: string, teamId?: string): Promise<void> {
    await this.settings.set(killSwitchKey(teamId), { enabled, ...(reason ? { reason } : {}) }, by);
  }
}
