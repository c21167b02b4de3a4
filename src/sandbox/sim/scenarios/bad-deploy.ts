import { NAMESPACE } from "../catalog.ts";
import type { ScenarioDefinition } from "./types.ts";

const BAD_VERSION = "2.3.0";

/** inventory 2.3.0 assumes every SKU has a warehouse_id: reservations for marketplace items crash. */
export const badDeploy: ScenarioDefinition = {
  name: "bad-deploy",
  info: () => ({
    name: "bad-deploy",
    description:
      "inventory v2.3.0 rolls out (GitHub deployment_status in_progress → success); two minutes after the rollout starts, about 30% of reservations fail with KeyError: 'warehouse_id'. checkout fails with it and frontend's checkout page errors. Rolling back to the previous ReplicaSet fixes it; a restart does not.",
    rootCause: "inventory",
    fault: "bad deploy: inventory v2.3.0 regression (KeyError 'warehouse_id' on reservations)",
    fix: "rollback",
    fixTarget: { kind: "deployment", namespace: NAMESPACE, name: "inventory" },
    expectedAlerts: [
      { alertname: "HighErrorRate", service: "inventory" },
      { alertname: "SLOErrorBudgetBurn", service: "checkout" },
    ],
    detectWithinMs: 10 * 60_000,
    redHerrings: [],
    wrongAction: { action: "rollout_restart", target: "inventory", why: "restarted pods run the same bad image" },
  }),
  start(ctx) {
    const w = ctx.world;
    w.deploy("inventory", BAD_VERSION, { creator: "maria-dev", description: "inventory: multi-warehouse reservations (#1432)" });
    w.addFault({
      id: `${ctx.id}:regression`,
      podEffect: (pod, now) =>
        pod.service === "inventory" && pod.version === BAD_VERSION && now >= ctx.startedAt + 2 * 60_000
          ? {
              errorRatio: 0.3,
              errorCause: "defect",
              errorLog: `Traceback (most recent call last): File "/app/inventory/reservations.py", line 212, in reserve: wh = sku_row["warehouse_id"] KeyError: 'warehouse_id'`,
            }
          : undefined,
    });
  },
};
