import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Router } from "../../http/router.ts";
import { createSimulatedSystem, type SimulatedSystem, type SimulatedSystemOptions } from "./system.ts";

export interface ServedSimulation {
  sim: SimulatedSystem;
  /** Base URL: `/k8s`, `/prometheus`, `/cloudwatch`, `/sim/…`, `/sandbox/topology`. */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/**
 * The simulated system alone on an ephemeral port (no Slack, Jira or PagerDuty): what tests and
 * evaluations point the real adapters at. Its clock moves only through `sim.tick` unless started.
 */
export async function serveSimulation(options: Partial<SimulatedSystemOptions> = {}): Promise<ServedSimulation> {
  let router: Router | undefined;
  const server = createServer((req, res) => {
    void router!.handle(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found");
      }
    });
  });
  const url = await listen(server);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "aisre-sim-"));
  const sim = createSimulatedSystem({ speed: 60, seed: 7, publicUrl: url, historyMs: 30 * 60_000, ...options, dataDir });
  router = sim.router;
  return {
    sim,
    url,
    dataDir,
    async close() {
      await sim.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
