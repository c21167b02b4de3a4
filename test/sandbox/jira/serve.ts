import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Router } from "../../../src/http/router.ts";
import { readBody } from "../../../src/http/router.ts";

/** Test helpers: serve a sandbox part's router on a random port, and receive its webhooks. */

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<Served> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function serveRouter(router: Router): Promise<Served> {
  return listen(
    createServer((req, res) => {
      router
        .handle(req, res)
        .then((handled) => {
          if (!handled) {
            res.writeHead(404, { "content-type": "text/plain" });
            res.end("not found");
          }
        })
        .catch((e) => {
          res.writeHead(500);
          res.end(String(e));
        });
    }),
  );
}

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

export interface HookReceiver extends Served {
  received: ReceivedHook[];
  /** Status codes to answer with, in order; 200 once used up. */
  respondWith: number[];
  waitFor(predicate: (hooks: ReceivedHook[]) => boolean, timeoutMs?: number): Promise<ReceivedHook[]>;
}

export async function webhookReceiver(): Promise<HookReceiver> {
  const received: ReceivedHook[] = [];
  const respondWith: number[] = [];
  const served = await listen(
    createServer(async (req, res) => {
      const raw = (await readBody(req, 5_000_000)).toString("utf8");
      const status = respondWith.shift() ?? 200;
      if (status < 300) received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(status);
      res.end();
    }),
  );
  return {
    ...served,
    received,
    respondWith,
    async waitFor(predicate, timeoutMs = 5_000) {
      const start = Date.now();
      while (!predicate(received)) {
        if (Date.now() - start > timeoutMs) throw new Error(`webhooks not received in time; got ${received.length}: ${received.map((h) => h.body.webhookEvent ?? h.body.event?.event_type).join(", ")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
  };
}
