import { createScratchDatabase, dropScratchDatabase } from "../test/support/scratch-databases.ts";
import { closedLoop } from "./support/load.ts";
import { startProduct } from "./support/product.ts";
import { delivery } from "./support/storm-alerts.ts";

export const name = "flood: a new failure's webhook → root message while a flood of single-alert deliveries holds processing (a burst, see src/webhooks/burst.ts), PGlite and Postgres";

/** FLOOD_SECONDS (20; 8 with --quick) of 32 clients posting as fast as the door answers. */
const SECONDS = Number(process.env.FLOOD_SECONDS ?? (process.argv.includes("--quick") ? 8 : 20));
const SERVICES = Array.from({ length: 10 }, (_, i) => `flood-svc-${i}`);

interface Probe {
  service: string;
  sentAt: number;
  rootAt?: number;
}

/** One product: warmed, then the flood, with a new service's critical alert every 3 s timed to its root message. */
async function flood(databaseUrl?: string): Promise<Record<string, string | number>> {
  const product = await startProduct(databaseUrl ? { DATABASE_URL: databaseUrl } : {});
  try {
    // Warm: the first topology and the simulation's history, after which alerts are grouped.
    for (let i = 0; i < 150 && (await product.metrics()).processed === 0; i++) {
      await fetch(`${product.url}/webhooks/alertmanager`, { method: "POST", headers: { "content-type": "application/json" }, body: delivery({ name: "WarmUp", service: "warm-svc", instance: `warm-${i}`, fingerprint: `warm-${i}`, severity: "warning", summary: "warm" }) });
      await new Promise((r) => setTimeout(r, 200));
    }
    const run = `fl${Date.now()}`;
    const probes: Probe[] = [];
    let watching = true;
    // The channel's messages, read every 100 ms while probes wait.
    const watcher = (async () => {
      while (watching) {
        try {
          const h = (await (await fetch(`${product.sandboxUrl}/sandbox/users/U_ALICE/channels/%23incidents/messages?limit=1000`)).json()) as { messages?: Array<{ text?: string; blocks?: unknown }> };
          const texts = (h.messages ?? []).map((m) => `${m.text ?? ""} ${JSON.stringify(m.blocks ?? [])}`);
          for (const p of probes) if (p.rootAt === undefined && texts.some((t) => t.includes(p.service))) p.rootAt = performance.now();
        } catch {
          // the sandbox busy: read again
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const before = await product.metrics();
    const prober = setInterval(() => {
      const service = `probe-${run}-${probes.length}`;
      probes.push({ service, sentAt: performance.now() });
      void fetch(`${product.url}/webhooks/alertmanager`, { method: "POST", headers: { "content-type": "application/json" }, body: delivery({ name: `ProbeFailure${probes.length}`, service, instance: `${service}-0`, fingerprint: `${service}-fp`, severity: "critical", summary: `${service} is failing` }) }).catch(
        () => undefined,
      );
    }, 3000);
    const load = await closedLoop(
      `${product.url}/webhooks/alertmanager`,
      (i) => {
        const service = SERVICES[i % SERVICES.length] ?? "flood-svc-0";
        return delivery({ name: `FloodAlert${i % 4}`, service, instance: `${service}-${run}-${i}`, fingerprint: `${run}-${i}`, severity: "warning", summary: `${service} symptom ${i}` });
      },
      { clients: 32, seconds: SECONDS },
    );
    clearInterval(prober);
    const atEnd = await product.metrics();
    const deadline = performance.now() + 180_000;
    while (probes.some((p) => p.rootAt === undefined) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    watching = false;
    await watcher;
    const waits = probes.map((p) => (p.rootAt === undefined ? Number.NaN : (p.rootAt - p.sentAt) / 1000));
    return {
      flood: `${Math.round(load.rate)} deliveries/s acknowledged for ${SECONDS} s (ack p99 ${load.p99.toFixed(1)} ms); bursts ${atEnd.bursts - before.bursts}; processed during it ${atEnd.processed - before.processed}`,
      "each probe: s into the flood → root message s (a new service's critical alert, read every 100 ms)": probes.map((p, i) => `${Math.round((p.sentAt - probes[0]!.sentAt) / 1000) + 3}s ${Number.isNaN(waits[i]!) ? "none in 180 s" : waits[i]!.toFixed(1)}`).join(", "),
      "slowest probe → root message s": Math.max(...waits.map((w) => (Number.isNaN(w) ? Number.POSITIVE_INFINITY : w))).toFixed(1),
    };
  } finally {
    await product.stop();
  }
}

export async function run(): Promise<Record<string, string | number>> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(await flood())) out[`PGlite: ${k}`] = v;
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) {
    out.Postgres = "skipped: set TEST_DATABASE_URL or BENCH_DATABASE_URL";
    return out;
  }
  const db = await createScratchDatabase(url);
  try {
    for (const [k, v] of Object.entries(await flood(db.url))) out[`Postgres: ${k}`] = v;
  } finally {
    await dropScratchDatabase(url, db.name);
  }
  return out;
}
