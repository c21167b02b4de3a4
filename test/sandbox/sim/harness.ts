import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serveSimulation, type ServedSimulation } from "../../../src/sandbox/sim/serve.ts";
import { REFERENCE_START } from "../../../src/sandbox/sim/reference-start.ts";
import type { SimulatedSystemOptions } from "../../../src/sandbox/sim/system.ts";

/** 18:00 UTC on a Monday: evening traffic, deterministic. */
export const START = Date.parse(REFERENCE_START);

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

export type RunningSim = ServedSimulation;

/** Serves a fresh simulated system's router on an ephemeral port (the URL is known before it is built). */
export function startSim(options: Partial<SimulatedSystemOptions> = {}): Promise<RunningSim> {
  return serveSimulation({ startTime: START, ...options });
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
