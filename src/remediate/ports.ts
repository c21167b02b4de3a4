import type { Incident } from "../domain/incident.ts";
import type { SymptomCheck } from "./types.ts";

/**
 * What remediation needs from the outside world. Each port has a real adapter (the Kubernetes
 * integration, the metrics backends, PagerDuty) and in tests an in-memory one.
 */

export interface WorkloadRef {
  namespace: string;
  kind: "Deployment" | "StatefulSet";
  name: string;
}

export interface PodState {
  name: string;
  ready: boolean;
  phase: string;
  restarts: number;
}

export interface WorkloadState {
  ref: WorkloadRef;
  replicas: number;
  readyReplicas: number;
  /** Current rollout revision (deployment.kubernetes.io/revision) and the one a rollback returns to. */
  revision?: number;
  previousRevision?: number;
  /** The image/version on the current and the previous revision, for the card. */
  version?: string;
  previousVersion?: string;
  paused?: boolean;
  pods: PodState[];
}

/** What a change did (or, in a dry run, would do). */
export interface ChangeReport {
  summary: string;
  dryRun: boolean;
  detail?: Record<string, unknown>;
}

export interface DryRunOption {
  /** Server-side dry run: validated and admitted by the API server, not persisted. */
  dryRun: boolean;
}

/**
 * The Kubernetes operations remediation uses. The Kubernetes integration implements it with
 * `@kubernetes/client-node` (patches with `dryRun=All` for the dry run).
 */
export interface RemediationKubernetes {
  workload(ref: WorkloadRef): Promise<WorkloadState | undefined>;
  /** Rollout restart: the `kubectl.kubernetes.io/restartedAt` pod template annotation. */
  restart(ref: WorkloadRef, o: DryRunOption): Promise<ChangeReport>;
  /** Through the scale subresource. */
  scale(ref: WorkloadRef, replicas: number, o: DryRunOption): Promise<ChangeReport>;
  /** Restores the previous ReplicaSet's pod template. */
  rollback(ref: WorkloadRef, o: DryRunOption): Promise<ChangeReport>;
  pauseRollout(ref: WorkloadRef, o: DryRunOption): Promise<ChangeReport>;
  deletePod(namespace: string, pod: string, o: DryRunOption): Promise<ChangeReport>;
}

/** One reading of a symptom: healthy, not, or unknown (no data). */
export interface SymptomReading {
  check: SymptomCheck;
  healthy: boolean | undefined;
  value?: number;
  summary: string;
}

/** Reads the health of the symptoms an action should fix (metrics backends, pod state). */
export interface Verifier {
  read(symptoms: SymptomCheck[]): Promise<SymptomReading[]>;
}

/** Pages a human when remediation could not fix it (PagerDuty). */
export interface Escalator {
  escalate(incident: Incident, e: { summary: string; details: string; actionId: string }): Promise<{ ok: boolean; ref?: string; error?: string }>;
}

/** Runs a runbook action declared in the policy (an HTTP hook or a script). */
export interface RunbookRunner {
  run(spec: RunbookTransport, args: Record<string, unknown>, o: DryRunOption): Promise<ChangeReport>;
}

export type RunbookTransport = { kind: "http"; url: string; method: "POST" | "PUT" | "DELETE"; headers: Record<string, string>; timeoutMs: number; dryRun: "body" | "query" | "none" } | { kind: "script"; command: string[]; timeoutMs: number; dryRun: "flag" | "none" };
