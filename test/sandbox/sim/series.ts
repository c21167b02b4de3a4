import type { SimulatedSystem } from "../../../src/sandbox/sim/system.ts";
import { serveRouter } from "../jira/serve.ts";

/** A PromQL range query (15 s steps) from `startMs` to the simulation's now, through its own Prometheus API. */
export async function simSeries(sim: SimulatedSystem, query: string, startMs: number): Promise<unknown> {
  const served = await serveRouter(sim.router);
  try {
    const q = new URLSearchParams({ query, start: String(startMs / 1000), end: String(sim.now() / 1000), step: "15" });
    return await (await fetch(`${served.url}/prometheus/api/v1/query_range?${q}`)).json();
  } finally {
    await served.close();
  }
}
