import { NAMESPACE } from "../catalog.ts";
import { templateEnv } from "../world/templates.ts";
import type { ScenarioDefinition } from "./types.ts";

const FLAGS = "/etc/cart/flags.yaml";

/** cart 1.8.0 expects a feature-flag file from a ConfigMap nobody created: new pods crash-loop. */
export const crashloopConfig: ScenarioDefinition = {
  name: "crashloop-config",
  info: () => ({
    name: "crashloop-config",
    description: "cart v1.8.0 rolls out with FEATURE_FLAGS_FILE pointing at a ConfigMap that was never created; new pods exit at start (CrashLoopBackOff), the rollout stalls with fewer cart pods serving, and the deploy fails after its progress deadline. Rolling back restores the old template.",
    rootCause: "cart",
    fault: "bad config: cart v1.8.0 reads FEATURE_FLAGS_FILE that is not mounted, pods crash-loop",
    fix: "rollback",
    fixTarget: { kind: "deployment", namespace: NAMESPACE, name: "cart" },
    expectedAlerts: [{ alertname: "KubePodCrashLooping", service: "cart" }],
    detectWithinMs: 10 * 60_000,
    redHerrings: [],
    wrongAction: { action: "rollout_restart", target: "cart", why: "restarted pods get the same configuration and crash again" },
  }),
  start(ctx) {
    ctx.world.deploy("cart", "1.8.0", { env: { FEATURE_FLAGS_FILE: FLAGS }, creator: "sam-ops", description: "cart: feature flags from file (#311)" });
    ctx.world.addFault({
      id: `${ctx.id}:crash`,
      podEffect: (pod) =>
        pod.service === "cart" && templateEnv(pod.template, "FEATURE_FLAGS_FILE")
          ? {
              crash: {
                exitCode: 1,
                reason: "Error",
                logs: [
                  JSON.stringify({ level: 30, time: 0, pid: 1, msg: "cart 1.8.0 starting" }),
                  `Error: ENOENT: no such file or directory, open '${FLAGS}'`,
                  "    at Object.openSync (node:fs:573:18)",
                  "    at Object.readFileSync (node:fs:452:35)",
                  "    at loadFlags (/app/dist/config.js:41:27)",
                  "    at main (/app/dist/server.js:12:5) {",
                  `  errno: -2, code: 'ENOENT', syscall: 'open', path: '${FLAGS}'`,
                  "}",
                ],
              },
            }
          : undefined,
    });
  },
};
