import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  "Rows Removed by Join Filter"?: number;
  Plans?: PlanNode[];
}

/** The key under which rowsReadBy counts the row pairs joins compared and dropped (not a table). */
export const JOIN_FILTER = "(pairs dropped by join filters)";

/** Rows each table's scans returned or threw away (filters, rechecks), summed over their loops. */
function rowsRead(node: PlanNode, out: Map<string, number>): Map<string, number> {
  const table = node["Relation Name"];
  if (table) out.set(table, (out.get(table) ?? 0) + ((node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0)) * (node["Actual Loops"] ?? 1));
  // Pairs a join looked at and dropped (a nested loop comparing every row of one side with every row of the other).
  const joined = node["Rows Removed by Join Filter"];
  if (joined) out.set(JOIN_FILTER, (out.get(JOIN_FILTER) ?? 0) + joined * (node["Actual Loops"] ?? 1));
  for (const child of node.Plans ?? []) rowsRead(child, out);
  return out;
}

/**
 * How many rows of each table the statements a store call makes read (EXPLAIN ANALYZE of each, with
 * the parameters it was given, after it ran): what a test asserts to pin that a read stays bounded
 * as the data grows, on both drivers, without timing anything.
 */
export async function rowsReadBy(db: Db, clock: Store["clock"], call: (s: Store) => Promise<unknown>): Promise<Map<string, number>> {
  const seen: Array<{ sql: string; params: unknown[] }> = [];
  const watched: Db = {
    driver: db.driver,
    health: db.health,
    query: (sql, params) => {
      seen.push({ sql, params: params ?? [] });
      return db.query(sql, params);
    },
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    tryAdvisoryLock: (key, onLost) => db.tryAdvisoryLock(key, onLost),
    close: () => db.close(),
  };
  await call(createStore(watched, clock));
  const out = new Map<string, number>();
  for (const { sql, params } of seen) {
    const [row] = await db.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const plan = row?.["QUERY PLAN"];
    const parsed = (typeof plan === "string" ? JSON.parse(plan) : plan) as Array<{ Plan: PlanNode }>;
    rowsRead(parsed[0]!.Plan, out);
  }
  return out;
}

/** All the rows a store call's statements read. */
export const totalRows = (read: Map<string, number>): number => [...read.values()].reduce((a, b) => a + b, 0);
