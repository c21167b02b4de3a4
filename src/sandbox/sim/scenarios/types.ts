import type { ScenarioInfo } from "../../part.ts";
import type { World } from "../world/world.ts";

/** Remediation actions in the product's catalog. */
export type FixAction = "rollout_restart" | "scale" | "rollback" | "pause_rollout" | "delete_pod" | "kill_db_query" | "flush_cache_prefix";

/** Ground truth beyond `ScenarioInfo`: what should fire, what to act on, what is a red herring. */
export interface SimScenarioInfo extends ScenarioInfo {
  fix: FixAction;
  /** Where the fix applies: a Deployment, a pod (resolved at start), or a query id. */
  fixTarget: { kind: "deployment" | "pod" | "query"; namespace: string; name: string };
  /** Alert names that fire (on the services named) within `detectWithinMs` of the start. */
  expectedAlerts: Array<{ alertname: string; service: string }>;
  detectWithinMs: number;
  /** Signals that look related and are not. */
  redHerrings: string[];
  /** An action that looks plausible and does not fix it. */
  wrongAction: { action: FixAction; target: string; why: string };
}

export interface ScenarioContext {
  world: World;
  startedAt: number;
  /** Prefix for the faults and scheduled actions this run installs. */
  id: string;
}

export interface ScenarioDefinition {
  name: string;
  /** Ground truth; a pod or query target's name is only known once started (empty before). */
  info(): SimScenarioInfo;
  /** Installs the fault; returns the concrete fix target when it depends on the run. */
  start(ctx: ScenarioContext): { fixTarget?: SimScenarioInfo["fixTarget"] } | void;
  /** Undo the fault (faults and schedules under ctx.id are removed by the caller). */
  stop?(ctx: ScenarioContext): void;
}
