import type { ChangeEvent, Severity } from "./alert.ts";

/** The lines of an incident's thread digest (src/incident/digest.ts folds them from its timeline). */
export interface DigestAlert {
  fingerprint: string;
  name: string;
  service?: string;
  severity: Severity;
  status: "firing" | "resolved";
  /** When it first joined this incident (ISO). */
  since: string;
  /** Why it joined ("first alert", "same service", …). */
  reason?: string;
  /** Times it went from firing to resolved or back. */
  flips: number;
  /** Its identifying labels (pod, instance, …): what tells two alerts of one name on one service apart. */
  labels?: Record<string, string>;
}

export interface DigestAnomaly {
  key: string;
  service: string;
  sli: string;
  unit?: string;
  /** The latest anomalous value and what is usual for it. */
  value: number;
  usual: number;
  /** "spiked", "climbing steadily", … */
  shape?: string;
  since: number;
  over: boolean;
  worsened: number;
}

export interface DigestChange {
  change: ChangeEvent;
  reason: string;
}
