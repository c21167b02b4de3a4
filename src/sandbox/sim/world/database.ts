/** A statement running on orders-db, as `pg_stat_activity` would show it. */
export interface DbQuery {
  /** Stable id (the backend pid as a string); what `POST /sim/hooks/kill-query` takes. */
  queryId: string;
  pid: number;
  datname: string;
  usename: string;
  applicationName: string;
  clientAddr: string;
  state: "active" | "idle in transaction";
  query: string;
  /** sim ms */
  startedAt: number;
  /** CPU cores it burns now (ramps up as parallel workers join). */
  cores: number;
  targetCores: number;
  /** Ground truth: a runaway statement a scenario started. */
  runaway: boolean;
}

export interface KilledQuery {
  query: DbQuery;
  at: number;
  by: string;
}

/** Long-running statements on orders-db (request traffic is modelled as load, not listed here). */
export class Database {
  queries: DbQuery[] = [];
  killed: KilledQuery[] = [];
  private nextPid = 48_211;

  start(q: Omit<DbQuery, "pid" | "queryId" | "cores" | "datname" | "state"> & { state?: DbQuery["state"] }): DbQuery {
    const pid = this.nextPid;
    this.nextPid += 17;
    const query: DbQuery = { ...q, pid, queryId: String(pid), datname: "orders", state: q.state ?? "active", cores: 0.2 };
    this.queries.push(query);
    return query;
  }

  /** Ramps each statement's CPU towards its target. */
  step(stepMs: number): void {
    for (const q of this.queries) q.cores = Math.min(q.targetCores, q.cores + (q.targetCores / 180_000) * stepMs);
  }

  extraCores(): number {
    return this.queries.reduce((a, q) => a + q.cores, 0);
  }

  /** Terminates one statement (pg_terminate_backend); without an id, the one burning most CPU. */
  kill(queryId: string | undefined, now: number, by = "sim-hook"): DbQuery | undefined {
    const target = queryId ? this.queries.find((q) => q.queryId === queryId || String(q.pid) === queryId) : [...this.queries].sort((a, b) => b.cores - a.cores)[0];
    if (!target) return undefined;
    this.queries = this.queries.filter((q) => q !== target);
    this.killed.push({ query: target, at: now, by });
    return target;
  }

  finish(queryId: string): void {
    this.queries = this.queries.filter((q) => q.queryId !== queryId);
  }

  longestSeconds(now: number): number {
    return this.queries.reduce((a, q) => Math.max(a, (now - q.startedAt) / 1000), 0);
  }
}
