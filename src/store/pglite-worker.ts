import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { flushCompileCache } from "node:module";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Db } from "./db.ts";
import { alwaysUp } from "./health.ts";

/**
 * PGlite in a worker thread. Postgres compiled to WebAssembly runs each statement synchronously on
 * the thread that calls it: on the main thread, every statement — a long transaction of a storm's
 * processing — stops the HTTP door for its duration. Here the main thread sends statements and
 * receives rows (structured clone: dates stay dates); the worker owns the one connection, so the
 * semantics are PGlite's own (a statement outside a transaction waits for the transaction).
 */

type Request = { id: number; op: "query"; tx?: number; sql: string; params: unknown[] } | { id: number; op: "exec"; tx?: number; sql: string } | { id: number; op: "begin" } | { id: number; op: "end"; tx: number; commit: boolean } | { id: number; op: "close" };

/** A request before it is numbered. */
type Unnumbered<R> = R extends unknown ? Omit<R, "id"> : never;

type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: { message: string; props: Record<string, unknown> } };

interface WorkerInit {
  pgliteWorker: true;
  dataDir: string;
  /** PGlite.create's options (clonable ones); `extraStartParams` go after PGlite's default start parameters. */
  options: Record<string, unknown> & { extraStartParams?: string[] };
  /** A dump to start a fresh data folder from (see startFreshDatabasesFrom): its files are extracted into it. */
  loadDataDirFrom?: string;
  /** PGlite's WebAssembly, compiled once in this process (see `compiled`); absent for the process's first worker, which compiles it and sends it back. */
  pgliteWasmModule?: WebAssembly.Module;
}

/** What a worker without a compiled module sends back once it has compiled PGlite's WebAssembly (undefined if it could not). */
interface CompiledReply {
  compiled: WebAssembly.Module | undefined;
}

/** PGlite's WebAssembly file, compiled (undefined when that fails: PGlite then loads its own). */
function compilePglite(): Promise<WebAssembly.Module | undefined> {
  return (async () => {
    const wasm = new URL("./pglite.wasm", import.meta.resolve("@electric-sql/pglite"));
    return WebAssembly.compile(await readFile(wasm));
  })().catch(() => undefined);
}

/**
 * PGlite's WebAssembly (9 MB), compiled once per process and given to every worker: a worker that
 * compiled its own copy spent twice the CPU opening a database (1.5 s rather than 0.75 s), and the
 * code V8 compiles for the module as it runs (function by function) is shared by every worker. The
 * process's first worker compiles it and sends it back (see openPgliteInWorker); undefined until
 * then, and again if that failed (a worker then loads PGlite's own).
 */
let compiled: Promise<WebAssembly.Module | undefined> | undefined;

/** An Error as the worker saw it, with its fields (code, severity, detail…) that callers read. */
function revive(e: { message: string; props: Record<string, unknown> }): Error {
  return Object.assign(new Error(e.message), e.props);
}

/**
 * Opens the embedded database in `dataDir` inside a worker thread; `options` are PGlite.create's
 * (clonable ones), `extraStartParams` added to PGlite's default start parameters (in the worker:
 * this thread does not load PGlite).
 */
export async function openPgliteInWorker(dataDir: string, options: WorkerInit["options"], loadDataDirFrom?: string): Promise<Db> {
  // The process's first worker starts at once and compiles PGlite's WebAssembly itself: compiled
  // here, the compile's promise (and the worker's start after it) waited for turns of this thread,
  // which at the product's start is busy loading its modules for a second or more, so the database
  // opened only after them. The module it sends back is given to every later worker.
  const first = compiled ? undefined : Promise.withResolvers<WebAssembly.Module | undefined>();
  if (first) {
    compiled = first.promise;
    // Not compiled (or the worker gone before it sent it): the next worker compiles it again.
    void first.promise.then((m) => {
      if (!m && compiled === first.promise) compiled = undefined;
    });
  }
  const pgliteWasmModule = first ? undefined : await compiled;
  const worker = new Worker(new URL(import.meta.url), { name: "pglite", workerData: { pgliteWorker: true, dataDir, options, loadDataDirFrom, pgliteWasmModule } satisfies WorkerInit });
  if (first) worker.once("exit", () => first.resolve(undefined));
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let next = 1;
  let dead: Error | undefined;
  worker.on("message", (m: Reply | CompiledReply) => {
    if ("compiled" in m) return first?.resolve(m.compiled);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.value);
    else w.reject(revive(m.error));
  });
  const fail = (e: Error) => {
    dead = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on("error", (e) => fail(e instanceof Error ? e : new Error(String(e))));
  worker.on("exit", (code) => fail(new Error(`the embedded database's worker exited (${code})`)));
  const call = (req: Unnumbered<Request>): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    const id = next++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...req, id });
    });
  };
  // The worker answers id 0 once the database is open (or with why it could not be).
  await new Promise<void>((resolve, reject) => {
    waiting.set(0, { resolve: () => resolve(), reject });
  });
  let closed = false;
  const bind = (tx?: number): Db => ({
    driver: "pglite",
    health: alwaysUp,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await call({ op: "query", tx, sql, params })) as T[];
    },
    async exec(sql: string) {
      await call({ op: "exec", tx, sql });
    },
    async transaction<T>(fn: (t: Db) => Promise<T>): Promise<T> {
      // One connection: a nested transaction runs inside the outer one.
      if (tx !== undefined) return fn(bind(tx));
      const id = (await call({ op: "begin" })) as number;
      let result: T;
      try {
        result = await fn(bind(id));
      } catch (e) {
        await call({ op: "end", tx: id, commit: false }).catch(() => undefined);
        throw e;
      }
      await call({ op: "end", tx: id, commit: true });
      return result;
    },
    async tryAdvisoryLock(key: number) {
      // One process owns a PGlite data folder, so the lock only guards against this process.
      const [row] = (await call({ op: "query", sql: "SELECT pg_try_advisory_lock($1) AS locked", params: [key] })) as Array<{ locked: boolean }>;
      if (!row?.locked) return null;
      return async () => {
        await call({ op: "query", sql: "SELECT pg_advisory_unlock($1)", params: [key] });
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await call({ op: "close" }).catch(() => undefined);
      await worker.terminate();
    },
  });
  return bind();
}

async function serve(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  const { PGlite } = await import("@electric-sql/pglite");
  const { extractTemplate } = await import("./pglite-template.ts");
  type Tx = Parameters<Parameters<InstanceType<typeof PGlite>["transaction"]>[0]>[0];
  const reply = (r: Reply) => port.postMessage(r);
  const failure = (id: number, e: unknown): Reply => {
    const err = e instanceof Error ? e : new Error(String(e));
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(err)) if (v === null || ["string", "number", "boolean"].includes(typeof v)) props[k] = v;
    return { id, ok: false, error: { message: err.message, props } };
  };
  let pg: InstanceType<typeof PGlite>;
  try {
    // The process's first worker compiles PGlite's WebAssembly (beside the template's extraction)
    // and hands it back for the next workers.
    const compiling = init.pgliteWasmModule ? undefined : compilePglite();
    // Written straight to the folder, as a first start copies the product's template: 40% less CPU
    // than PGlite's loadDataDir, which writes the same files through its emulated file system.
    if (init.loadDataDirFrom) extractTemplate(readFileSync(init.loadDataDirFrom), init.dataDir);
    const pgliteWasmModule = init.pgliteWasmModule ?? (await compiling);
    if (compiling) port.postMessage({ compiled: pgliteWasmModule } satisfies CompiledReply);
    const { extraStartParams, ...options } = init.options;
    pg = await PGlite.create(init.dataDir, { ...options, ...(extraStartParams ? { startParams: [...PGlite.defaultStartParams, ...extraStartParams] } : {}), ...(pgliteWasmModule ? { pgliteWasmModule } : {}) });
  } catch (e) {
    reply(failure(0, e));
    return;
  }
  reply({ id: 0, ok: true });
  // PGlite is loaded: this thread's compile cache is written and its memory released (see handlers/main.ts).
  flushCompileCache();
  const txs = new Map<number, { tx: Tx; end(commit: boolean): void }>();
  const ends = new Map<number, Promise<unknown>>();
  let nextTx = 1;
  const on = (tx: number | undefined) => {
    if (tx === undefined) return pg;
    const t = txs.get(tx);
    if (!t) throw new Error(`no open transaction ${tx}`);
    return t.tx;
  };
  port.on("message", (req: Request) => {
    void (async (): Promise<Reply> => {
      switch (req.op) {
        case "query":
          return { id: req.id, ok: true, value: (await on(req.tx).query(req.sql, req.params)).rows };
        case "exec":
          await on(req.tx).exec(req.sql);
          return { id: req.id, ok: true };
        case "begin": {
          const txId = nextTx++;
          return await new Promise<Reply>((answered) => {
            const done = pg.transaction(
              (tx) =>
                new Promise<void>((commit, rollback) => {
                  txs.set(txId, { tx, end: (c) => (c ? commit() : rollback(new Error("rolled back"))) });
                  answered({ id: req.id, ok: true, value: txId });
                }),
            );
            // The end's reply goes out once PGlite has committed or rolled back.
            ends.set(txId, done);
            done.catch(() => undefined);
          });
        }
        case "end": {
          const t = txs.get(req.tx);
          if (!t) throw new Error(`no open transaction ${req.tx}`);
          txs.delete(req.tx);
          t.end(req.commit);
          const done = ends.get(req.tx);
          ends.delete(req.tx);
          try {
            await done;
          } catch (e) {
            if (req.commit) throw e;
          }
          return { id: req.id, ok: true };
        }
        case "close":
          if (!pg.closed) await pg.close();
          return { id: req.id, ok: true };
      }
    })().then(reply, (e: unknown) => reply(failure(req.id, e)));
  });
}

if (!isMainThread && (workerData as Partial<WorkerInit> | undefined)?.pgliteWorker) await serve(workerData as WorkerInit);
