import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAisre } from "../../handlers/app.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { REFERENCE_START } from "../../src/sandbox/sim/reference-start.ts";
import type { Db } from "../../src/store/db.ts";
import { openServiceDb } from "../../src/store/open.ts";
import { counter, drained, threadCpuSeconds } from "./product.ts";
import { delivery } from "./storm-alerts.ts";
import { observedDb } from "../../test/support/observed-db.ts";

/**
 * The store's statements per processed delivery in a storm, counted rather than timed (a count does
 * not depend on how busy the machine is): the whole product as `startTestAisre` builds it (sandbox
 * mode, the embedded PGlite store in its worker, the door thread), its Db wrapped to count every
 * statement by normalized SQL and by the product function that issued it. It sends storm.bench's
 * deliveries (single alerts on 10 services, every fingerprint new, a probe for a new service every
 * 3 s) at STORM_RATE/s for STORM_SECONDS, waits for the backlog to drain and 3 s of housekeeping,
 * and prints statements (and rows returned) per processed delivery with the top statements.
 *
 *   nice -n 15 node bench/support/storm-statements.ts        (not a bench: `npm run bench` skips it)
 *
 * Counts still depend a little on timing (how many deliveries a batch gathers; how many housekeeping
 * ticks fall in the window), so the per-batch work is printed too: statements per batch of the
 * processing transaction, which does not.
 */
const RATE = Number(process.env.STORM_RATE ?? 200);
const SECONDS = Number(process.env.STORM_SECONDS ?? 15);
const SERVICES = Array.from({ length: 10 }, (_, i) => `storm-svc-${i}`);

interface Stat {
  n: number;
  rows: number;
  ms: number;
  /** Service time (ms): the round trip less the time it queued behind the statement before it (PGlite runs one at a time). */
  svc: number;
  /** Statements and their service time in the storm's last third. */
  nLate: number;
  svcLate: number;
}

/** When the statement before ended: a statement sent before then waited for it (PGlite's one connection, first in first out). */
let lastEnd = 0;
/** Where the storm's last third begins (performance.now() ms). */
const late = { from: Number.POSITIVE_INFINITY };

/** The product function that issued a statement: the first stack frame outside src/store and this file. */
function caller(): string {
  const stack = new Error().stack?.split("\n").slice(2) ?? [];
  for (const line of stack) {
    if (line.includes("/src/store/") || line.includes("storm-statements.ts") || line.includes("node:internal") || line.includes("node_modules")) continue;
    const m = /at (?:async )?([^\s(]+) \((?:.*\/)?((?:src|handlers|blocks)\/[^:)]+)/.exec(line);
    if (m) return `${m[1]} (${m[2]})`;
  }
  return "?";
}

const normalized = (sql: string) => sql.replace(/\s+/g, " ").trim().slice(0, 110);

function counting(db: Db, stats: Map<string, Stat>, byCaller: Map<string, Stat>, byBoth: Map<string, Stat>, on: { counting: boolean }): Db {
  const note = (sql: string, rows: number, ms: number) => {
    const end = performance.now();
    const svc = end - Math.max(end - ms, lastEnd);
    lastEnd = Math.max(lastEnd, end);
    if (!on.counting) return;
    const isLate = end >= late.from;
    const who = caller();
    for (const [map, key] of [
      [stats, normalized(sql)],
      [byCaller, who],
      [byBoth, `${who} | ${normalized(sql).slice(0, 80)}`],
    ] as const) {
      const s = map.get(key) ?? { n: 0, rows: 0, ms: 0, svc: 0, nLate: 0, svcLate: 0 };
      s.n++;
      s.rows += rows;
      s.ms += ms;
      s.svc += svc;
      if (isLate) {
        s.nLate++;
        s.svcLate += svc;
      }
      map.set(key, s);
    }
  };
  return observedDb(
    db,
    (sql, rows, ms) => note(sql, rows.length, ms),
    (sql, ms) => note(`exec: ${sql}`, 0, ms),
  );
}

type TableStats = Map<string, { ins: number; upd: number; del: number; read: number }>;

/** Rows each table had inserted, updated, deleted and read (sequential scans' and index fetches') so far. */
async function tableStats(db: Db): Promise<TableStats> {
  await db.query("SELECT pg_stat_force_next_flush()").catch(() => undefined);
  await db.query("SELECT pg_stat_clear_snapshot()").catch(() => undefined);
  const rows = await db.query<{ relname: string; ins: string; upd: string; del: string; read: string }>("SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS read FROM pg_stat_user_tables");
  return new Map(rows.map((r) => [r.relname, { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del), read: Number(r.read) }]));
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-stmts-"));
  const config = loadConfig({ PORT: "0", SANDBOX_PORT: "0", HOST: "127.0.0.1", AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent", SIM_START: REFERENCE_START });
  const stats = new Map<string, Stat>();
  const byCaller = new Map<string, Stat>();
  const byBoth = new Map<string, Stat>();
  const on = { counting: false };
  const raw = openServiceDb(config, silentLogger);
  const db = raw.then((d) => counting(d, stats, byCaller, byBoth, on));
  const aisre = await startAisre(config, { logger: silentLogger, db });
  try {
    await aisre.warm;
    await new Promise((r) => setTimeout(r, 3000));
    const metrics = async () => {
      const text = await fetch(`${aisre.url}/metrics`).then((r) => r.text());
      return { accepted: counter(text, "aisre_webhooks_received_total", 'outcome="accepted"'), processed: counter(text, "aisre_webhook_delivery_outcomes_total", 'outcome="processed"') };
    };
    const before = await metrics();
    const tablesBefore = await tableStats(await raw);
    const byThread = () => {
      const out = new Map<string, number>();
      for (const [tid, { name, s }] of threadCpuSeconds(process.pid)) out.set(tid === process.pid ? "main" : name, (out.get(tid === process.pid ? "main" : name) ?? 0) + s);
      return out;
    };
    const cpuBefore = byThread();
    on.counting = true;
    late.from = performance.now() + (SECONDS * 1000 * 2) / 3;
    const run = `st${Date.now()}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const target = new URL(`${aisre.url}/webhooks/alertmanager`);
    const post = (payload: string) =>
      new Promise<void>((resolve) => {
        const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
          res.resume();
          res.on("end", () => resolve());
        });
        req.on("error", () => resolve());
        req.end(payload);
      });
    const total = RATE * SECONDS;
    const started = performance.now();
    const pending: Promise<void>[] = [];
    let probes = 0;
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / RATE - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (i % (RATE * 3) === 0) {
        const service = `probe-${run}-${probes++}`;
        pending.push(post(delivery({ name: `ProbeFailure${probes}`, service, instance: `${service}-0`, fingerprint: `${service}-fp`, severity: "critical", summary: `${service} is failing` })));
      }
      const service = SERVICES[i % SERVICES.length] ?? "storm-svc-0";
      pending.push(post(delivery({ name: `StormAlert${i % 4}`, service, instance: `${service}-${run}-${i}`, fingerprint: `${run}-${i}`, severity: "warning", summary: `${service} symptom ${i}` })));
    }
    await Promise.all(pending);
    agent.destroy();
    const m = await drained(metrics, before, 120_000);
    const drainedS = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    on.counting = false;
    const cpuAfter = byThread();
    const tablesAfter = await tableStats(await raw);
    const processed = m.processed - before.processed;
    const all = [...stats.values()].reduce((a, s) => ({ n: a.n + s.n, rows: a.rows + s.rows, ms: a.ms + s.ms }), { n: 0, rows: 0, ms: 0 });
    const per = (x: number) => (x / processed).toFixed(3);
    console.log(`deliveries processed: ${processed} (accepted ${m.accepted - before.accepted}, ${probes} probes), sent at ${RATE}/s for ${SECONDS} s, drained at ${drainedS.toFixed(1)} s, counted until 3 s later`);
    console.log(`statements per delivery: ${per(all.n)}  rows returned per delivery: ${per(all.rows)}  statement wall ms per delivery (round trip to the worker, queueing included): ${per(all.ms)}`);
    console.log("\ntop statements by count: per delivery, rows returned per delivery, ms per delivery — SQL");
    for (const [sql, s] of [...stats].sort((a, b) => b[1].n - a[1].n).slice(0, 30)) console.log(`${per(s.n).padStart(7)} ${per(s.rows).padStart(8)} ${per(s.ms).padStart(7)}  ${sql}`);
    console.log("\ntop statements by time (round trip ms per delivery, count per delivery) — SQL");
    for (const [sql, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(`${per(s.ms).padStart(7)} ${per(s.n).padStart(7)}  ${sql}`);
    const avg = (ms: number, n: number) => (n > 0 ? (ms / n).toFixed(2) : "-");
    console.log("\ntop statements by service time (ms per delivery; ms per statement over the storm, and in its last third; count per delivery) — SQL");
    for (const [sql, s] of [...stats].sort((a, b) => b[1].svc - a[1].svc).slice(0, 20)) console.log(`${per(s.svc).padStart(7)} ${avg(s.svc, s.n).padStart(7)} ${avg(s.svcLate, s.nLate).padStart(7)} ${per(s.n).padStart(7)}  ${sql}`);
    console.log("\nby issuing function: statements per delivery, rows per delivery");
    for (const [who, s] of [...byCaller].sort((a, b) => b[1].n - a[1].n).slice(0, 25)) console.log(`${per(s.n).padStart(7)} ${per(s.rows).padStart(8)}  ${who}`);
    // CPU time (not wall time) of this process's threads: the main thread, the door's, PGlite's worker
    // (the sandbox runs in this process here, on the main thread: "main" is the product's and its).
    console.log(
      `\nthread CPU ms per delivery: ${[...cpuAfter]
        .map(([k, v]) => [k, v - (cpuBefore.get(k) ?? 0)] as const)
        .filter(([, v]) => v > 0.05)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${((1000 * v) / processed).toFixed(2)}`)
        .join(", ")}`,
    );
    const tables = [...tablesAfter].map(([t, a]) => {
      const b = tablesBefore.get(t) ?? { ins: 0, upd: 0, del: 0, read: 0 };
      return { t, ins: a.ins - b.ins, upd: a.upd - b.upd, del: a.del - b.del, read: a.read - b.read };
    });
    const sum = (k: "ins" | "upd" | "del" | "read") => tables.reduce((x, r) => x + r[k], 0);
    console.log(`\nrows per delivery (pg_stat_user_tables, triggers' writes included): inserted ${per(sum("ins"))}, updated ${per(sum("upd"))}, deleted ${per(sum("del"))}, read (sequential + index fetches) ${per(sum("read"))}`);
    console.log("by table: inserted, updated, deleted, read per delivery");
    for (const r of tables
      .filter((r) => r.ins + r.upd + r.del + r.read > 0)
      .sort((a, b) => b.ins + b.upd + b.del + b.read - (a.ins + a.upd + a.del + a.read))
      .slice(0, 20))
      console.log(`${per(r.ins).padStart(7)} ${per(r.upd).padStart(7)} ${per(r.del).padStart(7)} ${per(r.read).padStart(9)}  ${r.t}`);
    console.log("\nby issuing function and statement: statements per delivery, rows per delivery");
    for (const [who, s] of [...byBoth].sort((a, b) => b[1].n - a[1].n).slice(0, Number(process.env.STORM_TOP ?? 40))) console.log(`${per(s.n).padStart(7)} ${per(s.rows).padStart(8)}  ${who}`);
  } finally {
    await aisre.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
