import { NAMESPACE } from "../catalog.ts";
import type { ScenarioDefinition } from "./types.ts";

const M = 60_000;

/**
 * payments leaks DB connections (a refund retry path never returns them) until its HikariCP pool is
 * empty; requests wait 5 s for a connection, checkout gives up after 2.5 s, frontend shows errors.
 * Red herrings: search was deployed ten minutes before, and Redis evictions alert on and off.
 */
export const cascadingFailure: ScenarioDefinition = {
  name: "cascading-failure",
  info: () => ({
    name: "cascading-failure",
    description:
      "search v3.1.0 deploys (harmless); Redis evictions start flapping (harmless); ten minutes after the deploy payments starts leaking DB connections until its pool is exhausted. Symptoms show first at frontend and checkout (timeouts), payments' own alerts come later. Restarting payments returns the connections.",
    rootCause: "payments",
    fault: "payments exhausts its database connection pool (connections leaked on the refund retry path)",
    fix: "rollout_restart",
    fixTarget: { kind: "deployment", namespace: NAMESPACE, name: "payments" },
    expectedAlerts: [
      { alertname: "SLOErrorBudgetBurn", service: "frontend" },
      { alertname: "SLOErrorBudgetBurn", service: "checkout" },
      { alertname: "DBConnectionPoolExhausted", service: "payments" },
    ],
    detectWithinMs: 25 * M,
    redHerrings: ["search v3.1.0 deployed ten minutes before the symptoms", "RedisEvictionsHigh (cache) firing and resolving"],
    wrongAction: { action: "rollback", target: "search", why: "search is not on the checkout path and its deploy is healthy" },
  }),
  start(ctx) {
    const w = ctx.world;
    const t0 = ctx.startedAt;
    w.deploy("search", "3.1.0", { creator: "li-wei", description: "search: synonyms for sizes (#877)" });
    w.addFault({
      id: `${ctx.id}:evictions`,
      cacheEvictionsPerSec: (now) => {
        if (now < t0 + 3 * M) return 0;
        const phase = ((now - t0 - 3 * M) / M) % 7;
        return phase < 3 ? 45 : 0;
      },
    });
    const trigger = t0 + 10 * M;
    w.addFault({
      id: `${ctx.id}:pool-leak`,
      podEffect: (pod, now) => {
        if (pod.service !== "payments" || now < trigger || pod.containerStartedAt > trigger) return undefined;
        // Fast at first (8.5 of 10 connections per pod in under 5 min: starved at evening traffic),
        // then on until the pool is gone, so the quiet hours' traffic starves too, only later.
        const minutes = (now - trigger) / M;
        return { leakedConnections: minutes < 8.5 / 1.8 ? 1.8 * minutes : Math.min(10, 8.5 + 0.1 * (minutes - 8.5 / 1.8)) };
      },
    });
  },
};
