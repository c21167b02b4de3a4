import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAisre } from "../handlers/app.ts";
import { loadConfig } from "../src/config.ts";
import { silentLogger } from "../src/log.ts";

export const name = "incident: webhook → root message in Slack (whole product on the sandbox)";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * Posts webhooks for new, unrelated failures (one per 1.2 s: Slack allows about one post per second
 * per channel) and times each until its root message is in the sandbox channel.
 */
export async function run(): Promise<Record<string, string | number>> {
  const config = loadConfig({ PORT: "0", SANDBOX_PORT: "0", HOST: "127.0.0.1", AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-bench-")), LOG_LEVEL: "silent" });
  const aisre = await startAisre(config, { logger: silentLogger });
  const ws = aisre.sandbox!.workspace;
  const latencies: number[] = [];
  const n = 25;
  try {
    for (let i = 0; i < n; i++) {
      const service = `bench-svc-${i}`;
      const seen = new Promise<number>((resolve) => {
        const off = ws.subscribe((c) => {
          if (c.kind === "message_posted" && !c.message.threadTs && JSON.stringify(c.message.blocks ?? []).includes(service)) {
            off();
            resolve(performance.now());
          }
        });
      });
      const t0 = performance.now();
      const res = await fetch(`${aisre.url}/webhooks/generic`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ alerts: [{ name: "BenchAlert", status: "firing", severity: "critical", service, summary: `bench failure on ${service}` }] }),
      });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      const timeout = new Promise<number>((_, reject) => setTimeout(() => reject(new Error("root message not seen within 10 s")), 10_000));
      latencies.push((await Promise.race([seen, timeout])) - t0);
      await new Promise((r) => setTimeout(r, 1200));
    }
  } finally {
    await aisre.close();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    "incidents timed": n,
    "webhook → root message p50 ms": Math.round(percentile(sorted, 50)),
    "webhook → root message p99 ms (target < 1000)": Math.round(percentile(sorted, 99)),
    "max ms": Math.round(sorted.at(-1)!),
    "RSS MB": Math.round(process.memoryUsage().rss / 1e6),
  };
}
