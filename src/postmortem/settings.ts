import type { Severity } from "../domain/alert.ts";

/** The postmortem part of the sync file (AISRE_SYNC_FILE `postmortem:`). */
export interface PostmortemSettings {
  onResolve: boolean;
  slo: { objective: number; windowDays: number };
  services: Record<string, { objective?: number; windowDays?: number }>;
  actionItemDueDays: Record<Severity, number>;
}
