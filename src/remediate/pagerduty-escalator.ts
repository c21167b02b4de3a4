import type { Incident } from "../domain/incident.ts";
import { dedupKeyFor, type PagerDutyPort } from "../integrations/pagerduty/port.ts";
import type { Escalator } from "./ports.ts";

/**
 * Escalation through PagerDuty: when the incident already has a page, a note and the next
 * escalation level; otherwise a new page (Events API v2, the incident's stable dedup key).
 */
export class PagerDutyEscalator implements Escalator {
  private readonly pd: PagerDutyPort;
  constructor(pd: PagerDutyPort) {
    this.pd = pd;
  }

  async escalate(incident: Incident, e: { summary: string; details: string; actionId: string }): Promise<{ ok: boolean; ref?: string; error?: string }> {
    try {
      const dedupKey = dedupKeyFor(incident.id);
      const existing = await this.pd.findByDedupKey(dedupKey);
      if (existing && existing.status !== "resolved") {
        await this.pd.addNote(existing.id, `aisre remediation did not fix it: ${e.summary}\n${e.details}`);
        const up = await this.pd.escalate(existing.id);
        return { ok: true, ref: `PagerDuty #${up.number} escalated to level ${up.escalationLevel ?? "next"}` };
      }
      await this.pd.trigger({
        dedupKey,
        summary: `${incident.title}: ${e.summary}`.slice(0, 1024),
        source: incident.services[0] ?? "aisre",
        severity: "critical",
        component: incident.services[0],
        class: "remediation-failed",
        customDetails: { incident: incident.id, action: e.actionId, details: e.details },
      });
      return { ok: true, ref: `PagerDuty page ${dedupKey}` };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
