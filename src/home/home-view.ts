import type { Severity } from "../domain/alert.ts";
import type { Grade } from "../domain/grades.ts";
import type { AutomationState } from "../remediate/kill-switch.ts";
import type { OncallPerson } from "../sync/presenter.ts";

/**
 * What one person's Home tab shows, as plain data (laid out by a presenter, Block Kit in
 * blocks/app-home.ts): the open incidents, the actions waiting for their approval, who is on call,
 * the automation switch, and the last resolved incidents with how right aisre was.
 */
export interface HomeView {
  user: string;
  /** The system's time when the view was built (unix ms). */
  now: number;
  open: HomeIncident[];
  approvals: HomeApproval[];
  oncall: Array<{ service: string; people: OncallPerson[] }>;
  /** Why nobody is listed as on call (PagerDuty not configured, lookup failed). */
  oncallNote?: string;
  automation: AutomationState;
  resolved: HomeResolved[];
  /** Over the graded incidents in `resolved`: mean score (0–100). */
  accuracy?: { graded: number; meanScore: number };
}

export interface HomeIncident {
  id: string;
  title: string;
  severity: Severity;
  status: string;
  services: string[];
  createdAt: string;
  /** How long it has been open (system time). */
  ageMs: number;
  permalink?: string;
  cause?: string;
  confidence?: number;
}

export interface HomeApproval {
  actionId: string;
  incidentId: string;
  title: string;
  service: string;
  approvals: number;
  required: number;
  permalink?: string;
}

export interface HomeResolved {
  id: string;
  title: string;
  severity: Severity;
  resolvedAt: string;
  cause?: string;
  confidence?: number;
  /** Mean of the grades that know (0–100); undefined when ungraded. */
  score?: number;
  grade?: Grade;
  graders: number;
  permalink?: string;
}

/** "3 d 4 h", "2 h 5 min", "12 min", "40 s". */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d${h ? ` ${h} h` : ""}`;
  if (h > 0) return `${h} h${m ? ` ${m} min` : ""}`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}
