import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { copier } from "./history-copy.ts";
import { type History, listenersOf } from "./history-memo.ts";
import { MetricEmitter } from "./metrics/emit.ts";
import { SeriesStore } from "./metrics/series-store.ts";
import { STEP_MS, World } from "./world/world.ts";

/**
 * The simulation's healthy history (3 hours, ~720 steps, about a second of CPU) generated in a
 * worker thread, so that the process the sandbox runs in — the product's, by default — keeps its
 * main thread: the worker steps the same world from the same seed as the main thread would, and
 * hands over the world, its series and the emitter's counters (structured clone, the series'
 * buffers transferred); the system copies them into its own objects (`adoptHistory`, tens of ms).
 */

/** The world, series store and emitter a simulated system begins with (system.ts), before any step. */
export function historyParts(seed: number, start: number, historyMs: number): History {
  const world = new World({ seed, start: start - historyMs });
  const store = new SeriesStore({ t0: world.now, stepMs: STEP_MS, retentionSteps: Math.ceil((historyMs + 12 * 3_600_000) / STEP_MS) });
  return { world, store, emitter: new MetricEmitter(store) };
}

interface HistoryJob {
  simHistory: true;
  seed: number;
  start: number;
  historyMs: number;
}

/**
 * A history as the worker sends it: plain objects (structured clone keeps no class), each class
 * instance listed with its class's name; the world's listener lists empty (functions do not cross).
 */
export interface HistoryMessage extends History {
  steps: number;
  classed: Array<[object, string]>;
}

/** Built-ins structured clone gives back as themselves: not class instances of the simulation. */
const BUILT_IN = new Set<unknown>([null, Object.prototype, Array.prototype, Map.prototype, Set.prototype, Date.prototype]);

/** Every object reachable from `roots` (own enumerable fields, Map and Set entries) whose class is the simulation's, with its class. */
function classInstances(roots: object[]): Map<object, object> {
  const seen = new Set<object>();
  const out = new Map<object, object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return;
    const proto = Object.getPrototypeOf(v) as object | null;
    if (!BUILT_IN.has(proto)) out.set(v, proto!);
    if (v instanceof Map) for (const [k, x] of v) walk(k), walk(x);
    else if (v instanceof Set) for (const x of v) walk(x);
    else for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
  };
  for (const r of roots) walk(r);
  return out;
}

/** A class's name, as both sides know it. */
const nameOf = (proto: object): string => (proto as { constructor?: { name?: string } }).constructor?.name ?? "";

/**
 * Starts generating the history of (seed, start, historyMs) in a worker thread. `result`
 * is undefined when the worker could not (the system then generates it itself); `stop` ends a
 * worker whose history is no longer wanted.
 */
export function historyInWorker(job: Omit<HistoryJob, "simHistory">): { result: Promise<HistoryMessage | undefined>; stop(): void } {
  let worker: Worker | undefined;
  const result = new Promise<HistoryMessage | undefined>((resolve) => {
    try {
      worker = new Worker(new URL(import.meta.url), { workerData: { ...job, simHistory: true } satisfies HistoryJob });
    } catch {
      resolve(undefined);
      return;
    }
    // It never holds the process open (a product stopping before the history is done).
    worker.unref();
    worker.once("message", (m: HistoryMessage) => resolve(m));
    worker.once("error", () => resolve(undefined));
    worker.once("exit", () => resolve(undefined));
  });
  return {
    result,
    stop: () => void worker?.terminate(),
  };
}

/**
 * Copies a history the worker sent into a new system's world, store and emitter (as their
 * constructors made them, nothing stepped), each class instance given its class again: the steps it
 * took, or undefined (nothing copied) when one of its classes is not one of those the system's own
 * objects hold.
 */
export function adoptHistory(h: HistoryMessage, into: History): number | undefined {
  const classes = new Map<string, object>();
  for (const proto of classInstances([into.world, into.store, into.emitter]).values()) {
    const name = nameOf(proto);
    if (classes.has(name) && classes.get(name) !== proto) return undefined;
    classes.set(name, proto);
  }
  const protoOf = new Map<object, object>();
  for (const [v, name] of h.classed) {
    const proto = classes.get(name);
    if (!proto) return undefined;
    protoOf.set(v, proto);
  }
  const from = listenersOf(h.world);
  const to = listenersOf(into.world);
  const { copyInto } = copier(
    new Map<object, unknown>([
      [from.stepListeners, to.stepListeners],
      [from.rolloutListeners, to.rolloutListeners],
      [h.world, into.world],
      [h.store, into.store],
      [h.emitter, into.emitter],
    ]),
    { protoOf: (v) => protoOf.get(v), shareViews: true },
  );
  copyInto(h.world, into.world);
  copyInto(h.store, into.store);
  copyInto(h.emitter, into.emitter);
  return h.steps;
}

if (!isMainThread && (workerData as Partial<HistoryJob> | undefined)?.simHistory) {
  const job = workerData as HistoryJob;
  const h = historyParts(job.seed, job.start, job.historyMs);
  let steps = 0;
  // What the system's own step listener does before the world is live (system.ts): the metrics.
  h.world.onStep((w) => {
    h.emitter.emit(w);
    steps += 1;
  });
  while (h.world.now + STEP_MS <= job.start) h.world.step();
  const l = listenersOf(h.world);
  l.stepListeners.length = 0;
  l.rolloutListeners.length = 0;
  const classed = [...classInstances([h.world, h.store, h.emitter])].map(([v, proto]): [object, string] => [v, nameOf(proto)]);
  const buffers = new Set<ArrayBuffer>();
  for (const s of h.store.all()) if (s.values.byteLength > 0 && s.values.buffer instanceof ArrayBuffer) buffers.add(s.values.buffer);
  parentPort?.postMessage({ world: h.world, store: h.store, emitter: h.emitter, steps, classed } satisfies HistoryMessage, [...buffers]);
}
