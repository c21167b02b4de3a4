/**
 * Input and output of the deterministic diagnosis engine. Plain data: the live product fills a
 * `DiagnosisInput` from Prometheus / CloudWatch / Kubernetes / webhooks; offline replay fills it from
 * a recorded case folder. Times are unix seconds everywhere.
 */

import type { FeedbackCalibration } from "./feedback-calibration.ts";

import type { MetricSeries, ServiceMetrics } from "../domain/metrics.ts";

export type { MetricSeries, ServiceMetrics };

/**
 * Fault-propagation edge: a fault in `source` can surface in `target` (target calls or depends on
 * source). Build it from a call graph with `propagationEdgesFromCalls`.
 */
export interface PropagationEdge {
  source: string;
  target: string;
}

export interface DiagnosisGraph {
  edges: PropagationEdge[];
  /**
   * How far to trust the declared direction. "as-given": use it. "auto" (default): if a symptom is
   * known and no service can propagate to it under the declared direction while the reverse
   * direction can, the graph was evidently written caller→callee and is reversed (reported as a gap).
   */
  orientation?: "as-given" | "auto";
}

export interface ChangeEventInput {
  service: string;
  /** unix seconds */
  at: number;
  kind?: string;
  description?: string;
  version?: string;
}

export interface K8sSignalInput {
  service: string;
  kind: "OOMKilled" | "CrashLoopBackOff" | "restarts" | "Pending" | "ImagePullBackOff" | "Evicted" | "NotReady" | string;
  /** Number of restarts / affected pods (default 1). */
  count?: number;
  /** unix seconds, when seen (first). */
  at?: number;
  /** unix seconds, when the earliest pod behind it was created (unknown: undefined). */
  bornAt?: number;
  detail?: string;
}

export interface LogSignatureInput {
  service: string;
  signature: string;
  count: number;
  /** unix seconds */
  firstSeen?: number;
  /** Error-ish (true) or informational (false); default: guessed from the text. */
  error?: boolean;
  /**
   * A line from a caller's logs that names this service: its part of all the caller logged since the
   * onset (default 1). A caller that blames everything it calls, or fails on its own, says little of
   * each one.
   */
  share?: number;
}

export interface RunbookMatchInput {
  runbookId: string;
  title: string;
  /** 0..1 from `matchRunbooks`. */
  score: number;
  /** Services the runbook matched on (empty or ["*"] = generic). */
  services: string[];
}

export interface DiagnosisInput {
  services: ServiceMetrics[];
  graph?: DiagnosisGraph;
  /** A normal period of the same system (same shape as `services`). */
  baseline?: ServiceMetrics[];
  /** unix seconds: when the incident started. */
  anomalyStart: number;
  /** The SLO / alert that fired, when known. */
  symptom?: { service: string; metric?: string };
  changes?: ChangeEventInput[];
  k8s?: K8sSignalInput[];
  /**
   * What was done to services while the incident ran (a remediation's restart or rollback; unix
   * seconds). Pods that started after it, like those of a rollback after the onset, are the fix's
   * own: their state (Pending while they start) is not evidence of the cause.
   */
  interventions?: Array<{ service: string; at: number }>;
  logs?: LogSignatureInput[];
  runbooks?: RunbookMatchInput[];
  /** Extra services to consider even without metrics (e.g. from alerts). */
  extraServices?: string[];
  /**
   * Which evidence sources were queried at all. When a kind is absent here and its array is empty
   * or missing, a gap is reported ("no deploy data"). Defaults to: a kind counts as queried when
   * its array is present.
   */
  queried?: Partial<Record<"changes" | "k8s" | "logs" | "runbooks", boolean>>;
  options?: DiagnosisOptions;
}

export interface DiagnosisOptions {
  /** Maximum hypotheses returned (default all services with any score). */
  limit?: number;
  /** Also list services with no evidence at all (score 0, at the end); offline replay uses it. */
  includeAll?: boolean;
  /** The correction learnt from responders' grades (feedback-calibration.ts), applied to the leader's confidence. */
  feedback?: FeedbackCalibration;
}

export type EvidenceKind = "metric" | "topology" | "symptom" | "change" | "k8s" | "log" | "runbook";

export interface EvidenceItem {
  kind: EvidenceKind;
  /** The signal it came from. */
  source: { service: string; metric?: string; ref?: string };
  summary: string;
  /** Contribution weight (for ordering and display), >= 0. */
  weight: number;
  /** unix seconds, when relevant (peak of a metric, deploy time, first log line…). */
  at?: number;
}

export type UncertaintyVerdict = "confident" | "unsure: two candidates" | "thin evidence";

export interface Hypothesis {
  rank: number;
  /** The suspected origin. */
  service: string;
  /** The cause in a sentence. */
  cause: string;
  /** Origin first, then the affected services it explains. */
  services: string[];
  score: number;
  /** Calibrated probability that `service` is the root cause, in [0, 1]. */
  confidence: number;
  evidence: EvidenceItem[];
  counterEvidence: EvidenceItem[];
  gaps: string[];
}

export interface Diagnosis {
  hypotheses: Hypothesis[];
  uncertainty: UncertaintyVerdict;
  /** One line for the root card. */
  headline: string;
  /** Gaps that apply to the whole diagnosis (missing data sources). */
  gaps: string[];
  /** Notes on how the input was interpreted (graph orientation, reference period…). */
  notes: string[];
  /** What the leader's confidence was computed from (absent when nothing scored). */
  leader?: { margin: number; strength: number };
  /** How long the ranking took (ms). */
  elapsedMs: number;
}
