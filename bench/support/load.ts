import http from "node:http";

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * The one load generator both receivers get: `clients` concurrent keep-alive connections, each
 * sending one request after the other for `seconds`; `body(i)` builds the i-th delivery (one alert).
 * Returns the acknowledged rate (2xx per second) and the ack latency percentiles.
 */
export async function closedLoop(url: string, body: (i: number) => string, o: { clients: number; seconds: number }): Promise<LoadResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  const one = (payload: string) =>
    new Promise<number>((resolve) => {
      const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", () => resolve(0));
      req.end(payload);
    });
  const client = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const status = await one(body(next++));
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) {
        ok++;
        latencies.push(performance.now() - t0);
      } else failed++;
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { sent: next, ok, failed, statuses, seconds, rate: ok / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Open loop: `perSecond` requests a second for `seconds`, whatever the answers take. */
export async function openLoop(url: string, body: (i: number) => string, o: { perSecond: number; seconds: number }): Promise<LoadResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  const total = Math.round(o.perSecond * o.seconds);
  const started = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / o.perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const payload = body(i);
    const t0 = performance.now();
    pending.push(
      new Promise<void>((resolve) => {
        const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
          res.resume();
          res.on("end", () => {
            const s = res.statusCode ?? 0;
            statuses[s] = (statuses[s] ?? 0) + 1;
            if (s >= 200 && s < 300) {
              ok++;
              latencies.push(performance.now() - t0);
            } else failed++;
            resolve();
          });
        });
        req.on("error", () => {
          failed++;
          resolve();
        });
        req.end(payload);
      }),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { sent: total, ok, failed, statuses, seconds, rate: ok / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
