import { baselineWasmOnly, cliConfig } from "../load-config.ts";
import { openDb } from "../../store/open.ts";
import { createStore } from "../../store/store.ts";
import { mergeTopology } from "../../topology/merge.ts";
import type { DiscoveredTopology } from "../../topology/model.ts";
import { topologyJson } from "../../topology/model.ts";
import { loadServiceOverrides } from "../../topology/overrides.ts";
import { topologyDot, topologyText } from "../../topology/render.ts";

export const summary = "print the discovered service graph (--json, --dot; --url <bot> to ask a running bot)";

const USAGE = "usage: aisre topology [--json | --dot] [--url http://bot:3000]\n";

/**
 * The service graph the product uses: from a running bot's `GET /api/topology` (`--url`, with
 * AISRE_API_TOKEN), else from the configured store (DATABASE_URL, else the PGlite folder
 * AISRE_DATA_DIR; embedded PGlite is single-process, so use --url while the bot runs).
 */
export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const dot = args.includes("--dot");
  const urlAt = args.indexOf("--url");
  const url = urlAt >= 0 ? args[urlAt + 1] : undefined;
  if ((json && dot) || (urlAt >= 0 && !url) || args.some((a, i) => a.startsWith("-") && !["--json", "--dot", "--url"].includes(a) && args[i - 1] !== "--url")) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = cliConfig();
  if (!config) return 2;
  let topology: DiscoveredTopology;
  if (url) {
    const token = config.env.AISRE_API_TOKEN;
    const res = await fetch(`${url.replace(/\/$/, "")}/api/topology`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch((e: unknown) => e as Error);
    if (res instanceof Error || !res.ok) {
      process.stderr.write(`aisre topology: ${url}/api/topology answered ${res instanceof Error ? res.message : `HTTP ${res.status}`}\n`);
      return 1;
    }
    topology = (await res.json()) as DiscoveredTopology;
    topology.details ??= [];
  } else {
    baselineWasmOnly();
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const repo = createStore(db).topology;
      const [services, edges] = await Promise.all([repo.services(), repo.edges()]);
      // Read as of the newest observation, so a graph recorded in simulated time is shown as it was.
      const newest = Math.max(0, ...[...services, ...edges].map((x) => Date.parse(x.lastSeen)));
      topology = mergeTopology(services, edges, loadServiceOverrides(config.env.AISRE_SERVICES_FILE), { now: newest || Date.now(), maxAgeMs: config.env.AISRE_TOPOLOGY_MAX_AGE });
    } finally {
      await db.close();
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(topologyJson(topology), null, 2)}\n`);
  else if (dot) process.stdout.write(topologyDot(topology));
  else process.stdout.write(topologyText(topology));
  return 0;
}
