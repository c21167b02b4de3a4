/** One signal from a monitoring source, normalised from any webhook format. */
export type AlertStatus = "firing" | "resolved";
export type Severity = "sev1" | "sev2" | "sev3" | "sev4";

export const SEVERITIES: readonly Severity[] = ["sev1", "sev2", "sev3", "sev4"];

export interface Alert {
  /** Stable identity of the alerting condition (same alert re-firing keeps it). */
  fingerprint: string;
  source: string;
  name: string;
  status: AlertStatus;
  severity: Severity;
  /** Service the alert is about, when it can be told. */
  service?: string;
  summary: string;
  description?: string;
  labels: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorUrl?: string;
  runbookUrl?: string;
}

/** A deploy, rollback or config change: context for incidents, never an incident by itself. */
export interface ChangeEvent {
  id: string;
  source: string;
  kind: "deploy" | "config" | "rollback" | "scale" | "other";
  service: string;
  version?: string;
  previousVersion?: string;
  environment?: string;
  status?: string;
  author?: string;
  description?: string;
  url?: string;
  at: string;
}
