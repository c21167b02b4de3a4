import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Router } from "../../../src/http/router.ts";
import { createSimulatedSystem, type SimulatedSystem, type SimulatedSystemOptions } from "../../../src/sandbox/sim/system.ts";

/** 18:00 UTC on a Monday: evening traffic, deterministic. */
export const START = Date.parse("2025-03-10T18:00:00Z");

export interface RunningSim {
  sim: SimulatedSystem;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** Serves a fresh simulated system's router on an ephemeral port (the URL is known before it is built). */
export async function startSim(options: Partial<SimulatedSystemOptions> = {}): Promise<RunningSim> {
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
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-sim-"));
  const sim = createSimulatedSystem({ speed: 60, seed: 7, dataDir, publicUrl: url, startTime: START, historyMs: 30 * 60_000, ...options });
  router = sim.router;
  return {
    sim,
    url,
    dataDir,
    async close() {
      await sim.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Captured {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver; `failFirst` answers 500 to that many requests before accepting. */
export async function startReceiver(options: { failFirst?: number } = {}): Promise<{ url: string; received: Captured[]; attempts: number; close(): Promise<void> }> {
  let failures = options.failFirst ?? 0;
  const state = { url: "", received: [] as Captured[], attempts: 0, close: async () => {} };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      state.attempts += 1;
      if (failures > 0) {
        failures -= 1;
        res.writeHead(500);
        res.end("boom");
        return;
      }
      state.received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  state.url = await listen(server);
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
