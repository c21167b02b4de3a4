import type { Router } from "../http/router.ts";

/**
 * A piece of the local sandbox served on SANDBOX_PORT: the Slack workspace, the simulated
 * production system, the Jira and PagerDuty sandboxes. Each brings its routes (already under their
 * own prefix, e.g. `/k8s/...`, `/jira/...`) and contributes top-level keys to `GET /sandbox/state`.
 */
export interface SandboxPart {
  name: string;
  router: Router;
  /** Top-level keys merged into GET /sandbox/state, e.g. `{ jiraIssues: [...] }`. */
  state(): Record<string, unknown>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Resolves once the part can answer (the simulation's history generated); `state()` waits for it. */
  warm?(): Promise<void>;
}

export interface ScenarioInfo {
  name: string;
  description: string;
  /** Ground truth: the root-cause service, the fault, and the action that fixes it. */
  rootCause: string;
  fault: string;
  fix: string;
}

/** Fault injection, implemented by the simulated system; the control API and the page call it. */
export interface ScenarioControl {
  list(): ScenarioInfo[];
  active(): string | null;
  /** Starts a scenario; the running one stops first unless `overlap` (two faults at once). */
  start(name: string, opts?: { overlap?: boolean }): Promise<ScenarioInfo>;
  stop(name: string): Promise<void>;
}
