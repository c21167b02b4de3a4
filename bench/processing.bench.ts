import { observedDb } from "../test/support/observed-db.ts";
import { blockKitIncidentPresenter } from "../blocks/incident-thread.ts";
import type { Alert } from "../src/domain/alert.ts";
import { clockOf } from "../src/domain/clock.ts";
import { IncidentService } from "../src/incident/incident-service.ts";
import { silentLogger } from "../src/log.ts";
import type { Db } from "../src/store/db.ts";
import { openDb } from "../src/store/open.ts";
import { createStore } from "../src/store/store.ts";

export const name = "processing: CPU ms per delivery as a storm's incidents grow (IncidentService on embedded PGlite, single-alert deliveries, a housekeeping tick per batch)";

/**
 * What processing costs per delivery, segment by segment, while 10 incidents collect a storm's
 * single alerts (every fingerprint new, 200 deliveries/s of simulated time, batches of 20 as the
 * delivery processor forms them in a storm), each batch followed by the housekeeping tick (card and
 * digest renders, auto-resolution). Work that re-reads every alert of an incident shows as a cost
 * that grows from segment to segment. CPU time, not wall time: a busy machine disturbs it least.
 * `--quick` (or PROCESSING_TOTAL) runs fewer deliveries. PROCESSING_BATCH: deliveries per batch;
 * PROCESSING_DIR=<dir>: the database in a data folder on disk, as the product's, not in memory (its
 * row writes cost ~30% more there: PGlite's file system goes through the thread's file calls);
 * PROCESSING_TOP: how many statements to list.
 */
const TOTAL = Number(process.env.PROCESSING_TOTAL ?? (process.argv.includes("--quick") ? 2000 : 6000));
/** 20, as a storm followed live forms them; 500 is a claimed page of a backlog. */
const BATCH = Number(process.env.PROCESSING_BATCH ?? 20);
const SEGMENTS = 4;

/** Counts statements and their time by SQL text (the database is in this process: its time is this CPU's). */
function counted(db: Db, stats: Map<string, { n: number; ms: number }>): Db {
  return observedDb(db, (sql, _rows, ms) => {
    const key = sql.replace(/\s+/g, " ").trim().slice(0, 90);
    const s = stats.get(key) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += ms;
    stats.set(key, s);
  });
}

export async function run(): Promise<Record<string, string | number>> {
  const raw = await openDb({ dataDir: process.env.PROCESSING_DIR ?? "memory" });
  const stats = new Map<string, { n: number; ms: number }>();
  const db = counted(raw, stats);
  const store = createStore(db);
  let now = Date.parse("2026-11-23T10:00:00Z");
  const services = Array.from({ length: 10 }, (_, i) => `storm-svc-${i}`);
  const incidents = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => ({ services, edges: [] }), threadFlushMs: 1000, clock: clockOf(() => now) });
  const segment = Math.max(BATCH, Math.round(TOTAL / SEGMENTS / BATCH) * BATCH);
  const out: Record<string, string | number> = { deliveries: `${TOTAL} single-alert deliveries into 10 incidents, batches of ${BATCH}, a tick after each` };
  let cpu = process.cpuUsage();
  let wall = performance.now();
  try {
    for (let i = 0; i < TOTAL; i += BATCH) {
      const alerts: Alert[] = Array.from({ length: BATCH }, (_, k) => {
        const n = i + k;
        const service = services[n % services.length] ?? "storm-svc-0";
        return { fingerprint: `fp-${n}`, source: "alertmanager", name: `StormAlert${n % 4}`, status: "firing", severity: "sev3", service, summary: `${service} symptom ${n}`, labels: { alertname: `StormAlert${n % 4}`, service, instance: `${service}-${n}` }, startsAt: new Date(now - 30_000).toISOString() };
      });
      await incidents.ingest({ alerts, changes: [] });
      now += (BATCH / 200) * 1000;
      await incidents.tick();
      if ((i + BATCH) % segment === 0) {
        const used = process.cpuUsage(cpu);
        const statements = [...stats.values()].reduce((a, s) => a + s.n, 0);
        out[`deliveries ${i + BATCH - segment}–${i + BATCH}: CPU / wall ms per delivery, statements per delivery`] = `${((used.user + used.system) / 1000 / segment).toFixed(2)} / ${((performance.now() - wall) / segment).toFixed(2)}, ${(statements / segment).toFixed(2)}`;
        if (i + BATCH >= TOTAL) {
          [...stats.entries()]
            .sort((a, b) => b[1].ms - a[1].ms)
            .slice(0, Number(process.env.PROCESSING_TOP ?? 6))
            .forEach(([sql, s], r) => (out[`last segment's statement #${r + 1} by time: ms per delivery, count`] = `${(s.ms / segment).toFixed(3)}, ${s.n} — ${sql}`));
        }
        stats.clear();
        cpu = process.cpuUsage();
        wall = performance.now();
      }
    }
  } finally {
    await raw.close();
  }
  return out;
}
