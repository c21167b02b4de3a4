import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { Db } from "./db.ts";
import { alwaysUp } from "./health.ts";
import { openPgliteInWorker } from "./pglite-worker.ts";

type Queryable = Pick<PGlite, "query" | "exec"> | Transaction;

function bind(q: Queryable, root: PGlite): Db {
  return {
    driver: "pglite",
    health: alwaysUp,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    transaction<T>(fn: (tx: Db) => Promise<T>) {
      // PGlite has one connection: a nested transaction runs inside the outer one.
      if (q !== root) return fn(bind(q, root));
      return root.transaction((tx) => fn(bind(tx, root)));
    },
    async tryAdvisoryLock(key: number) {
      // One process owns a PGlite data folder, so the lock only guards against this process.
      const [row] = (await root.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key])).rows;
      if (!row?.locked) return null;
      return async () => {
        await root.query("SELECT pg_advisory_unlock($1)", [key]);
      };
    },
    async close() {
      if (!root.closed) await root.close();
    },
  };
}

/**
 * Postgres's buffer cache inside the WebAssembly heap. PGlite's 128 MB default is never given back
 * once touched and is most of the process's memory; the embedded database is small and its files are
 * in the operating system's cache anyway.
 */
export const EMBEDDED_SHARED_BUFFERS = "16MB";

/**
 * The statistics target of the embedded database's ANALYZE (the busy tables' pass gathers the
 * deliveries' statistics: EMBEDDED_ANALYZED_TABLES). ANALYZE holds a sample of 300 × target whole
 * rows in memory — at Postgres's default of 100, 30,000 deliveries with their bodies, ~20 MB of
 * PGlite's WebAssembly heap, which is never given back once touched: in a storm its resident
 * memory stepped up by ~14 MB with every pass as the table grew (35 → 95 MiB over 300 s). The
 * planner needs only the share of pending deliveries from it, which 3,000 rows give as well (the
 * same plan: the pending index in arrival order, the estimate within 2% at 40,000 rows).
 */
export const EMBEDDED_STATISTICS_TARGET = 10;

/** What the embedded database starts with on top of PGlite's own start parameters. */
const EMBEDDED_START_PARAMS = ["-c", `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`, "-c", `default_statistics_target=${EMBEDDED_STATISTICS_TARGET}`];

/**
 * PGlite's module, loaded when a database opens in this thread: the service's database opens in a
 * worker (pglite-worker.ts), so the product's main thread never loads it.
 */
const pglite = () => import("@electric-sql/pglite").then((m) => m.PGlite);

let templatePath: string | undefined;
let template: Blob | undefined;

/**
 * A dump whose bytes are read from its file once and handed to every fresh database as they are.
 * PGlite reads a dump with `arrayBuffer()`, which for a plain Blob streams its 40 MB in chunks and
 * joins them again at every database (~50 ms of CPU and as much garbage each); it only reads them.
 */
class HeldDump extends Blob {
  readonly #bytes: ArrayBuffer;
  constructor(bytes: ArrayBuffer) {
    super([bytes]);
    this.#bytes = bytes;
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.#bytes);
  }
}

/**
 * A dump (`dumpMigratedDatabase`) of an empty, migrated database from which fresh PGlite databases —
 * in memory, or a data folder holding none yet — start instead of creating a cluster (initdb) and
 * migrating: the same database, several times sooner. The test setup sets it once per process
 * (test/support/pglite-template.ts); unset (the product), every database is created.
 */
export function startFreshDatabasesFrom(path: string | undefined): void {
  templatePath = path;
  template = undefined;
}

function freshTemplate(): Blob | undefined {
  if (!templatePath) return undefined;
  template ??= new HeldDump(new Uint8Array(readFileSync(templatePath)).buffer);
  return template;
}

/**
 * Tables whose rows are rewritten all the time: queues leased and marked done (deliveries, incident
 * events, thread renders, the outbox, Jira writes), alerts upserted again, incidents touched by every
 * batch, and the counts and kept keys that every batch's alerts update.
 */
export const EMBEDDED_BUSY_TABLES = ["webhook_deliveries", "incident_events", "incident_renders", "outbox", "jira_writes", "alerts", "incidents", "slack_events", "sync_echoes", "incident_alert_counts", "timeline_alert_counts", "timeline_alert_keys"];

/**
 * How often the embedded database vacuums its busy tables. PGlite runs Postgres without autovacuum,
 * so a queue's updated rows stayed dead in its indexes and every claim and count scanned all the
 * rows ever queued (30,000 processed deliveries: a claim 166 ms, 15 ms after a VACUUM). Often enough
 * that each pass is short (it holds the one connection while it runs).
 */
export const EMBEDDED_VACUUM_MS = 10_000;

/**
 * Busy tables whose statistics are gathered too, as autovacuum's analyze would: without them the
 * planner takes the pending deliveries for one row, and a claim read and sorted every pending
 * delivery to take the first page (14,000 pending: 240 ms a claim; with them it walks the pending
 * index in arrival order, 22 ms), a cost per delivery that grew with the backlog.
 */
export const EMBEDDED_ANALYZED_TABLES: ReadonlySet<string> = new Set(["webhook_deliveries"]);

/** Vacuums the busy tables one at a time (other statements run between them); a missing table is skipped. */
export async function vacuumBusyTables(db: { exec(sql: string): Promise<unknown> }): Promise<void> {
  for (const table of EMBEDDED_BUSY_TABLES) await db.exec(EMBEDDED_ANALYZED_TABLES.has(table) ? `VACUUM (ANALYZE) ${table}` : `VACUUM ${table}`).catch(() => undefined);
}

/** The embedded database, vacuuming its busy tables every `ms` until it is closed (never for Infinity). */
function vacuumedEvery(db: Db, ms: number): Db {
  if (!Number.isFinite(ms)) return db;
  let vacuuming = false;
  let closed = false;
  const timer = setInterval(() => {
    if (vacuuming || closed) return;
    vacuuming = true;
    void vacuumBusyTables(db).finally(() => {
      vacuuming = false;
    });
  }, ms);
  timer.unref();
  return {
    ...db,
    async close() {
      closed = true;
      clearInterval(timer);
      await db.close();
    },
  };
}

/**
 * A database in memory (the CLI's `kb` and evaluations) starts from the product's migrated template
 * (node_modules/.cache/aisre, made by `npm install`) when there is one, as a first start's data
 * folder does: the same empty, migrated database without initdb and every migration (~4 s of CPU).
 */
async function productTemplate(file: string | undefined): Promise<Blob | undefined> {
  const path = file ?? (await import("./pglite-template.ts")).embeddedTemplateFile();
  return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

/**
 * The embedded default: Postgres compiled to WebAssembly, persisted in a data folder (or memory).
 * `worker`: in a worker thread (a data folder only; see pglite-worker.ts) — the service's database,
 * so that statements never stop its HTTP door. `template`: the product template a database in
 * memory starts from (default: node_modules/.cache's), and a data folder without a database (in a
 * worker: extracted there; else created). `vacuumMs`: the busy tables' vacuum period
 * (Infinity: never, for a test that vacuums by hand).
 */
export async function openPgliteDb(dataDir: string | "memory", options: { worker?: boolean; template?: string; vacuumMs?: number } = {}): Promise<Db> {
  const vacuumMs = options.vacuumMs ?? EMBEDDED_VACUUM_MS;
  if (dataDir !== "memory") mkdirSync(dataDir, { recursive: true });
  const fresh = dataDir === "memory" || !existsSync(join(dataDir, "PG_VERSION"));
  // The worker starts before this function first awaits (the product's start: see pglite-worker.ts).
  if (options.worker && dataDir !== "memory") return vacuumedEvery(await openPgliteInWorker(dataDir, { extraStartParams: EMBEDDED_START_PARAMS }, fresh ? (options.template ?? templatePath) : undefined), vacuumMs);
  const PGlite = await pglite();
  const startParams = [...PGlite.defaultStartParams, ...EMBEDDED_START_PARAMS];
  const loadDataDir = fresh ? freshTemplate() : undefined;
  if (dataDir === "memory" && !loadDataDir) {
    const product = await productTemplate(options.template).catch(() => undefined);
    // An unreadable product template (cut short, another PGlite's) leaves the database to be created.
    const pg = product ? await PGlite.create(undefined, { startParams, loadDataDir: product }).catch(() => undefined) : undefined;
    if (pg) return vacuumedEvery(bind(pg, pg), vacuumMs);
  }
  const pg = await PGlite.create(dataDir === "memory" ? undefined : dataDir, { startParams, ...(loadDataDir ? { loadDataDir } : {}) });
  return vacuumedEvery(bind(pg, pg), vacuumMs);
}

/**
 * A migrated database's files as the template (an uncompressed tar), checkpointed first: a dump is
 * taken while the database runs, so a start from it recovers from the last checkpoint, and without
 * one that meant replaying every migration's WAL at each first start (the template opened in 0.92 -
 * 1.1 s rather than 0.74 - 0.78 s).
 */
export async function templateDump(pg: { exec(sql: string): Promise<unknown>; dumpDataDir(compression: "none"): Promise<Blob | File> }): Promise<Blob> {
  await pg.exec("CHECKPOINT");
  return pg.dumpDataDir("none");
}

/**
 * A first start's embedded database in `dataDir` (which holds none yet) when there is no template:
 * created (initdb) and migrated; `keep` receives a dump of it, to serve as the template next time.
 */
export async function createEmbeddedCluster(dataDir: string, migrate: (db: Db) => Promise<unknown>, keep?: (dump: Blob) => Promise<unknown>): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const PGlite = await pglite();
  const pg = await PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_START_PARAMS] });
  try {
    await migrate(bind(pg, pg));
    if (keep) await keep(await templateDump(pg));
  } finally {
    await pg.close();
  }
}

/** An empty database with every migration applied, dumped (uncompressed tar) for `startFreshDatabasesFrom`. */
export async function dumpMigratedDatabase(migrate: (db: Db) => Promise<unknown>): Promise<Blob> {
  const pg = await (await pglite()).create();
  try {
    await migrate(bind(pg, pg));
    return await templateDump(pg);
  } finally {
    await pg.close();
  }
}
