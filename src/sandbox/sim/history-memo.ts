import type { MetricEmitter } from "./metrics/emit.ts";
import type { SeriesStore } from "./metrics/series-store.ts";
import type { World } from "./world/world.ts";
import { copier } from "./history-copy.ts";

/**
 * The simulation's healthy history, generated once per process for each (seed, start, length) and
 * copied for every further simulated system of the same inputs: the history is the same world
 * stepped the same ~720 times from the same seed (~0.5 s of CPU), and the test suite starts the
 * product (so a simulation) a few hundred times with the reference start and seed. A copy takes a
 * few milliseconds. Scenarios, inputs and listeners come after the history, so none is in it.
 */
export interface History {
  world: World;
  store: SeriesStore;
  emitter: MetricEmitter;
}

/** A remembered history: its objects (series trimmed to the history) and the steps it took. */
const histories = new Map<string, { history: History; steps: number }>();

/** Histories kept at once (each a few MB: its series up to the start). */
const MAX_REMEMBERED = 4;

const keyOf = (seed: number, start: number, historyMs: number): string => `${seed}:${start}:${historyMs}`;

/** The world's listener lists (each system registers its own; a history has none of its own). */
export const listenersOf = (w: World) => w as unknown as { stepListeners: unknown[]; rolloutListeners: unknown[] };

/** True when a history of these inputs was generated earlier in this process (restoreHistory copies it). */
export function hasHistory(seed: number, start: number, historyMs: number): boolean {
  return histories.has(keyOf(seed, start, historyMs));
}

/** Forgets the history of these inputs (a test that generates the same history twice, independently). */
export function forgetHistory(seed: number, start: number, historyMs: number): void {
  histories.delete(keyOf(seed, start, historyMs));
}

/**
 * Keeps a copy of a just-generated history (before any listener, scenario or input acted on the
 * world) for the next system of the same inputs. Series values past the history are all NaN: they
 * are not kept (restoreHistory gives them back).
 */
export function rememberHistory(seed: number, start: number, historyMs: number, h: History, steps: number): void {
  const key = keyOf(seed, start, historyMs);
  if (histories.has(key)) return;
  const l = listenersOf(h.world);
  const { copy } = copier(
    new Map<object, unknown>([
      [l.stepListeners, []],
      [l.rolloutListeners, []],
    ]),
  );
  const kept = copy(h);
  const store = kept.store;
  if (store.head < store.capacity) for (const s of store.all()) s.values = s.values.slice(0, store.head + 1);
  if (histories.size >= MAX_REMEMBERED) histories.delete(histories.keys().next().value!);
  histories.set(key, { history: kept, steps });
}

/**
 * Copies the history of these inputs generated earlier in this process, if any, into a new system's
 * world, store and emitter (as made by their constructors, nothing stepped): the steps it took, or
 * undefined when there is none. The objects stay the ones the system's routes hold; what they
 * hold becomes a copy sharing nothing with the remembered one, the world's listeners kept.
 */
export function restoreHistory(seed: number, start: number, historyMs: number, into: History): number | undefined {
  const kept = histories.get(keyOf(seed, start, historyMs));
  if (!kept) return undefined;
  const from = listenersOf(kept.history.world);
  const to = listenersOf(into.world);
  const { copyInto } = copier(
    new Map<object, unknown>([
      [from.stepListeners, to.stepListeners],
      [from.rolloutListeners, to.rolloutListeners],
      [kept.history.world, into.world],
      [kept.history.store, into.store],
      [kept.history.emitter, into.emitter],
    ]),
  );
  copyInto(kept.history.world, into.world);
  copyInto(kept.history.store, into.store);
  copyInto(kept.history.emitter, into.emitter);
  const store = into.store;
  for (const s of store.all()) {
    if (s.values.length === store.capacity) continue;
    const full = new Float64Array(store.capacity).fill(Number.NaN);
    full.set(s.values);
    s.values = full;
  }
  return kept.steps;
}
