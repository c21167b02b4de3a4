import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blockKitIncidentPresenter } from "../blocks/incident-thread.ts";
import type { Alert } from "../src/domain/alert.ts";
import { systemClock } from "../src/domain/clock.ts";
import { IncidentService } from "../src/incident/incident-service.ts";
import { parseDelivery, SOURCES } from "../src/ingest/registry.ts";
import { silentLogger } from "../src/log.ts";
import { openDb } from "../src/store/open.ts";
import { createStore } from "../src/store/store.ts";
import { topFrames } from "./support/cpu-profile.ts";
import { openLoop } from "./support/load.ts";
import { cpuSeconds, mainThreadCpuSeconds, startProduct } from "./support/product.ts";

export const name = "backlog: the product's CPU ms per processed delivery with N deliveries pending in the store, or R deliveries/s arriving, and K alerts in each of the storm's incidents (sandbox mode, PGlite, the sandbox in its own process)";

/**
 * A storm's state without the storm: the data folder is prepared with K alerts already grouped into
 * each of 10 incidents (one per service, as a storm's are) and deliveries pending in the store,
 * unleased (as the door leaves them when processing is behind); then the product starts on it.
 * Measured: the product process's CPU (all its threads; the sandbox runs in a process of its own)
 * per delivery processed. Work that grows with the backlog or with the incidents' size shows as
 * ms/delivery that grows with N or K.
 *
 * A case "N:K" drains a backlog: N + WARM + MEASURE deliveries pending, measured over MEASURE
 * deliveries after WARM (the backlog falling from N + MEASURE to N; N at least 500, a claimed page).
 * The processed count includes the sandbox Jira's own webhooks (a few dozen). As fast as the product goes,
 * what it does once a second per incident (card and digest edits, the Jira timeline field) is spread
 * over many deliveries.
 *
 * A case "K@R" holds the rate instead: WARM deliveries pending, then R single-alert deliveries/s
 * through the webhook door for SECONDS; measured from the load's start until all are processed (the
 * door, processing and what follows at R/s, as in a storm whose processing fell to R/s).
 *
 * BACKLOG_CASES (default 1000:100,10000:100,50000:100,1000:3000,100@50,3000@50); BACKLOG_MEASURE
 * (2000); BACKLOG_SECONDS (40); BACKLOG_PROFILE=1: a CPU profile of the product's main thread over
 * the window, its top frames; BACKLOG_CPU_PROF=<dir>: whole-run profiles of every thread there.
 */
const CASES = (process.env.BACKLOG_CASES ?? "1000:100,10000:100,50000:100,1000:3000,100@50,3000@50").split(",").map((c) => {
  const [k, r] = c.split("@").map(Number);
  if (r !== undefined) return { pending: 0, perIncident: k ?? 0, rate: r };
  const [n, kk] = c.split(":").map(Number);
  // A claimed page (500) may be processed at once: with fewer left, the window would run past the backlog.
  if (!((n ?? 0) >= 500)) throw new Error(`backlog case ${c}: N must be 500 or more`);
  return { pending: n ?? 0, perIncident: kk ?? 0, rate: 0 };
});
const MEASURE = Number(process.env.BACKLOG_MEASURE ?? 2000);
const WARM = Number(process.env.BACKLOG_WARM ?? 300);
const SECONDS = Number(process.env.BACKLOG_SECONDS ?? 40);
const PROFILE = process.env.BACKLOG_PROFILE === "1";
/** BACKLOG_CPU_PROF=<dir>: every thread of the product (and the sandbox's process) writes a V8 CPU profile there on exit, the whole run. */
const CPU_PROF = process.env.BACKLOG_CPU_PROF;
const SERVICES = Array.from({ length: 10 }, (_, i) => `storm-svc-${i}`);

function body(i: number, run: string): string {
  const service = SERVICES[i % SERVICES.length] ?? "storm-svc-0";
  const instance = `${service}-${run}-${i}`;
  const labels = { alertname: `StormAlert${i % 4}`, service, instance, severity: "warning" };
  const a = { status: "firing", labels, annotations: { summary: `${service} symptom ${i}` }, startsAt: new Date(Date.now() - 30_000).toISOString(), endsAt: "0001-01-01T00:00:00Z", generatorURL: "http://prometheus/graph", fingerprint: `${run}-${i}` };
  return JSON.stringify({ version: "4", groupKey: `{}:{instance="${instance}"}`, truncatedAlerts: 0, status: "firing", receiver: "aisre", groupLabels: { instance }, commonLabels: labels, commonAnnotations: a.annotations, externalURL: "http://alertmanager", alerts: [a] });
}

/** A data folder with K alerts in each of the 10 storm incidents and N deliveries pending. */
async function prepare(pending: number, perIncident: number, run: string): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-bench-backlog-"));
  const db = await openDb({ dataDir });
  try {
    const store = createStore(db);
    const incidents = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => ({ services: SERVICES, edges: [] }), clock: systemClock });
    const total = perIncident * SERVICES.length;
    for (let i = 0; i < total; i += 500) {
      const alerts: Alert[] = Array.from({ length: Math.min(500, total - i) }, (_, k) => {
        const n = i + k;
        const service = SERVICES[n % SERVICES.length] ?? "storm-svc-0";
        return {
          fingerprint: `pre-${n}`,
          source: "alertmanager",
          name: `StormAlert${n % 4}`,
          status: "firing",
          severity: "sev4",
          service,
          summary: `${service} symptom ${n}`,
          labels: { alertname: `StormAlert${n % 4}`, service, instance: `${service}-pre-${n}`, severity: "warning" },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
        };
      });
      await incidents.ingest({ alerts, changes: [] });
    }
    await incidents.tick();
    const source = SOURCES.alertmanager!;
    for (let i = 0; i < pending; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, pending - i) }, (_, k) => {
        const text = body(i + k, run);
        const receivedAt = new Date().toISOString();
        const headers = { "content-type": "application/json" };
        const parsed = parseDelivery(source, { headers, body: Buffer.from(text, "utf8"), receivedAt });
        return { source: "alertmanager", deliveryId: parsed.deliveryId, body: { headers, body: text, receivedAt } };
      });
      await store.deliveries.recordMany(rows);
    }
  } finally {
    await db.close();
  }
  return dataDir;
}

export async function run(): Promise<Record<string, string | number>> {
  const out: Record<string, string | number> = { measured: `product CPU (all threads) and its main thread's, per delivery: N:K over ${MEASURE} deliveries processed after the first ${WARM}; K@R from the load's start until all ${SECONDS} s of it are processed` };
  for (const { pending, perIncident, rate } of CASES) {
    const run = `bl${Date.now()}`;
    // The backlog falls from N + MEASURE to N while measured; at a rate, only the warm-up waits.
    const dataDir = await prepare(rate ? WARM : pending + WARM + MEASURE, perIncident, run);
    const product = await startProduct({ AISRE_DATA_DIR: dataDir, AISRE_SANDBOX_PROCESS: "true", AISRE_PROFILE_CPU: PROFILE ? "1" : "0", ...(process.env.AISRE_SYNC_FILE ? { AISRE_SYNC_FILE: process.env.AISRE_SYNC_FILE } : {}), ...(CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF}` } : {}) });
    const pid = product.child.pid ?? 0;
    try {
      const waitFor = async (n: number) => {
        const deadline = performance.now() + 900_000;
        for (;;) {
          if (product.child.exitCode !== null) throw new Error(`aisre exited (${product.child.exitCode}) with ${n} deliveries to process`);
          // A busy product may drop a scrape: asked again.
          const m = await product.metrics().catch(() => undefined);
          if (m && m.processed >= n) return m.processed;
          if (performance.now() > deadline) throw new Error(`${m?.processed} of ${n} deliveries processed in 15 min`);
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      const from = await waitFor(WARM);
      const cpu0 = cpuSeconds(pid);
      const main0 = mainThreadCpuSeconds(pid);
      const t0 = performance.now();
      if (PROFILE) product.toggleProfile();
      let to: number;
      if (rate) {
        const load = await openLoop(`${product.url}/webhooks/alertmanager`, (i) => body(WARM + i, run), { perSecond: rate, seconds: SECONDS });
        to = await waitFor(from + load.ok);
      } else to = await waitFor(from + MEASURE);
      if (PROFILE) product.toggleProfile();
      const n = to - from;
      const wall = (performance.now() - t0) / 1000;
      const key = rate ? `K=${perIncident} alerts/incident, ${rate} deliveries/s for ${SECONDS} s: CPU ms per delivery all threads / main thread; processed /s` : `N=${pending} pending, K=${perIncident} alerts/incident: CPU ms per delivery all threads / main thread; processed /s`;
      out[key] = `${((1000 * (cpuSeconds(pid) - cpu0)) / n).toFixed(2)} / ${((1000 * (mainThreadCpuSeconds(pid) - main0)) / n).toFixed(2)}; ${(n / wall).toFixed(0)}`;
      process.stderr.write(`${key} ${out[key]}\n`);
      if (PROFILE) {
        await new Promise((r) => setTimeout(r, 3000));
        const file = readdirSync(product.profileDir).find((f) => f.endsWith(".cpuprofile"));
        if (file) topFrames(join(product.profileDir, file), { top: 12 }).frames.forEach((line, i) => (out[`N=${pending} K=${perIncident} main-thread top frame #${i + 1}`] = line));
      }
    } finally {
      await product.stop();
      // The prepared folder holds the backlog's deliveries (~200 MB at 50,000): not left in /tmp.
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return out;
}
