import { badDeploy } from "./bad-deploy.ts";
import { cascadingFailure } from "./cascading-failure.ts";
import { crashloopConfig } from "./crashloop-config.ts";
import { dbReportQuery } from "./db-report-query.ts";
import { diskFull } from "./disk-full.ts";
import { memoryLeak } from "./memory-leak.ts";
import type { ScenarioDefinition } from "./types.ts";

export const SCENARIOS: ScenarioDefinition[] = [memoryLeak, dbReportQuery, badDeploy, cascadingFailure, diskFull, crashloopConfig];

export function scenarioByName(name: string): ScenarioDefinition | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
