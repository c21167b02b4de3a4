import { NAMESPACE } from "../catalog.ts";
import type { ScenarioDefinition } from "./types.ts";

export const RUNAWAY_REPORT_QUERY =
  "SELECT c.country, p.category, date_trunc('hour', o.created_at) AS hour, count(DISTINCT o.customer_id), sum(i.quantity * i.unit_price) FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id JOIN customers c ON c.id = o.customer_id WHERE o.created_at > now() - interval '400 days' GROUP BY ROLLUP (1, 2, 3) ORDER BY 5 DESC";

/** Someone runs the sales report by hand with a 400-day window: parallel seq scans eat orders-db. */
export const dbReportQuery: ScenarioDefinition = {
  name: "db-report-query",
  info: () => ({
    name: "db-report-query",
    description: "A manually triggered reporting job runs a 400-day ROLLUP over orders/order_items with parallel sequential scans; orders-db CPU saturates, queries slow down, checkout latency and errors climb and payments' pool fills. Killing the query (pg_terminate_backend) fixes it; it needs approval.",
    rootCause: "orders-db",
    fault: "runaway reporting query saturates orders-db CPU (full scans from the reporting job)",
    fix: "kill_db_query",
    fixTarget: { kind: "query", namespace: NAMESPACE, name: "" },
    expectedAlerts: [
      { alertname: "PostgresHighCPU", service: "orders-db" },
      { alertname: "PostgresLongRunningQuery", service: "orders-db" },
      { alertname: "SLOErrorBudgetBurn", service: "checkout" },
    ],
    detectWithinMs: 12 * 60_000,
    redHerrings: ["checkout alerts first, but checkout itself is fine", "payments' pool fills up because every query is slow"],
    wrongAction: { action: "rollout_restart", target: "checkout", why: "new checkout pods hit the same saturated database" },
  }),
  start(ctx) {
    const q = ctx.world.startReportJob(RUNAWAY_REPORT_QUERY, 4.2, 4 * 3_600_000, true);
    return { fixTarget: { kind: "query", namespace: NAMESPACE, name: q.queryId } };
  },
  stop(ctx) {
    for (const q of [...ctx.world.db.queries]) if (q.runaway) ctx.world.killQuery(q.queryId, "scenario-stop");
  },
};
