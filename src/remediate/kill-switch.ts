import type { SettingsRepo } from "../store/repos/settings.ts";

export const KILL_SWITCH_KEY = "remediation.automation";

export interface AutomationState {
  enabled: boolean;
  by?: string;
  at?: string;
  reason?: string;
}

/**
 * The automation kill switch. Kept in the database and read at every decision (never cached), so
 * `/aisre autonomy off` takes effect at once on every replica and survives restarts.
 */
export class KillSwitch {
  private readonly settings: SettingsRepo;
  constructor(settings: SettingsRepo) {
    this.settings = settings;
  }

  async state(): Promise<AutomationState> {
    const row = await this.settings.get<{ enabled: boolean; reason?: string }>(KILL_SWITCH_KEY);
    if (!row) return { enabled: true };
    return { enabled: row.value.enabled !== false, by: row.updatedBy, at: row.updatedAt, reason: row.value.reason };
  }

  async set(enabled: boolean, by: string, reason?: string): Promise<void> {
    await this.settings.set(KILL_SWITCH_KEY, { enabled, ...(reason ? { reason } : {}) }, by);
  }
}
