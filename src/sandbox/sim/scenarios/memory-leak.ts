import { NAMESPACE } from "../catalog.ts";
import { fnv32 } from "../hash.ts";
import type { ScenarioDefinition } from "./types.ts";

/** order-processor 4.2.1 keeps every confirmation e-mail it renders: memory climbs to the limit. */
export const memoryLeak: ScenarioDefinition = {
  name: "memory-leak",
  info: () => ({
    name: "memory-leak",
    description: "order-processor memory climbs steadily towards its 768Mi limit (about 11 MiB/min per pod); near the limit it slows down and the orders queue backs up, then the kernel OOM-kills it. A rollout restart clears it for now (the leak comes back).",
    rootCause: "order-processor",
    fault: "memory leak in order-processor (in-process cache of rendered confirmation e-mails is never evicted)",
    fix: "rollout_restart",
    fixTarget: { kind: "deployment", namespace: NAMESPACE, name: "order-processor" },
    expectedAlerts: [{ alertname: "ContainerMemoryNearLimit", service: "order-processor" }],
    detectWithinMs: 50 * 60_000,
    redHerrings: ["OrdersQueueBacklog looks like a queue problem; the consumer is the one slowing down"],
    wrongAction: { action: "scale", target: "order-processor", why: "more pods share the load, but every pod still leaks and the old ones still reach the limit" },
  }),
  start(ctx) {
    ctx.world.addFault({
      id: `${ctx.id}:leak`,
      podEffect: (pod) => (pod.service === "order-processor" ? { leakMiBPerMin: 10 + (fnv32(pod.name) % 30) / 10, leakSince: ctx.startedAt } : undefined),
    });
  },
};
