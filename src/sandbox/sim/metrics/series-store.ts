export type Labels = Record<string, string>;

export type MetricType = "counter" | "gauge" | "histogram" | "summary";

export interface Family {
  name: string;
  type: MetricType;
  help: string;
}

export interface Series {
  key: string;
  labels: Labels;
  values: Float64Array;
  /** Last step index written: series not written for a while are stale (a pod gone). */
  lastStep: number;
}

interface KeyNode {
  /** By label name, then by its value. */
  next?: Map<string, Map<string, KeyNode>>;
  /** The canonical key of the label set ending here. */
  key?: string;
  /** The series stored under `key`, once written (the trie is cleared when a series is dropped). */
  series?: Series;
}

/** A label set's place in the store (`SeriesStore.ref`): its key, and where its series is. */
export interface SeriesRef {
  readonly key: string;
}

const EMPTY = new Float64Array(0);

/** A series' buffer grown to hold `slot` (doubling from 64, at most `capacity`), the new part empty (NaN). */
function grown(values: Float64Array, slot: number, capacity: number): Float64Array {
  let size = Math.max(64, values.length);
  while (size <= slot) size *= 2;
  const next = new Float64Array(Math.min(size, capacity)).fill(Number.NaN);
  next.set(values);
  return next;
}

/** Canonical key of a label set (`__name__` included), sorted by name. */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(",");
}

/**
 * Every sample the simulation produced, on a fixed step grid (one column per step), in a ring
 * buffer covering `retentionSteps`. Sample i of every series is at `t0 + i * stepMs`. A series'
 * buffer grows as it fills (doubling, up to the retention): the retention is the history plus 12
 * hours (3,600 steps, 28 KiB a series), and a world that has run for minutes holds its three hours
 * of history (~760 steps) in every one of its ~800 series.
 */
export class SeriesStore {
  readonly stepMs: number;
  readonly capacity: number;
  /** sim ms of step 0 */
  readonly t0: number;
  /** Latest written step index (-1: none yet). */
  head = -1;
  private readonly series = new Map<string, Series>();
  readonly families = new Map<string, Family>();

  constructor(options: { t0: number; stepMs: number; retentionSteps: number }) {
    this.t0 = options.t0;
    this.stepMs = options.stepMs;
    this.capacity = options.retentionSteps;
  }

  family(name: string, type: MetricType, help: string): void {
    if (!this.families.has(name)) this.families.set(name, { name, type, help });
  }

  stepOf(simMs: number): number {
    return Math.floor((simMs - this.t0) / this.stepMs);
  }

  timeOf(step: number): number {
    return this.t0 + step * this.stepMs;
  }

  /** Oldest step still held. */
  get tail(): number {
    return Math.max(0, this.head - this.capacity + 1);
  }

  beginStep(step: number): void {
    this.head = step;
    if (step % 240 === 0) this.dropStale();
  }

  /**
   * Canonical keys of the label sets written so far, as a trie: metric name, then each label's name
   * and value in the order the caller passes them (callers always pass a set in the same order).
   * Walking it is a few lookups of short strings; building and hashing a joined string for every
   * sample was most of the time the simulation's history took at start.
   */
  private readonly keyTrie = new Map<string, KeyNode>();
  private keyCount = 0;

  /** The canonical key (`labelsKey` with `__name__`) of a series, remembered for the next write. */
  keyOf(name: string, labels: Labels): string {
    return this.ref(name, labels).key;
  }

  /** The label set's key and series, found once for a read and a write of the same series (a counter's). */
  ref(name: string, labels: Labels): SeriesRef {
    let node: KeyNode | undefined = this.keyTrie.get(name);
    if (!node) {
      node = {};
      this.keyTrie.set(name, node);
    }
    for (const k in labels) {
      const v = labels[k] ?? "";
      node.next ??= new Map();
      let byValue: Map<string, KeyNode> | undefined = node.next.get(k);
      if (!byValue) {
        byValue = new Map();
        node.next.set(k, byValue);
      }
      let child: KeyNode | undefined = byValue.get(v);
      if (!child) {
        child = {};
        byValue.set(v, child);
      }
      node = child;
    }
    if (node.key === undefined) {
      node.key = labelsKey({ __name__: name, ...labels });
      this.keyCount++;
    }
    return node as SeriesRef;
  }

  set(name: string, labels: Labels, value: number): void {
    this.setRef(this.ref(name, labels), name, labels, value);
  }

  /** `set` for a label set already found (`ref`): `name` and `labels` must be the ones it was found by. */
  setRef(ref: SeriesRef, name: string, labels: Labels, value: number): void {
    const node = ref as KeyNode & SeriesRef;
    let s = node.series;
    if (!s) {
      s = this.series.get(node.key);
      if (!s) {
        s = { key: node.key, labels: { __name__: name, ...labels }, values: EMPTY, lastStep: this.head };
        this.series.set(node.key, s);
      }
      node.series = s;
    }
    const slot = this.head % this.capacity;
    if (slot >= s.values.length) s.values = grown(s.values, slot, this.capacity);
    if (s.lastStep < this.head - 1) {
      // Gap: clear the slots skipped since the series was last written (those past the buffer's end hold nothing).
      for (let i = Math.max(s.lastStep + 1, this.head - this.capacity + 1); i < this.head; i++) if (i % this.capacity < s.values.length) s.values[i % this.capacity] = Number.NaN;
    }
    s.values[slot] = value;
    s.lastStep = this.head;
  }

  /** Value at a step (NaN when absent or outside retention). */
  at(s: Series, step: number): number {
    if (step < this.tail || step > this.head || step > s.lastStep) return Number.NaN;
    return s.values[step % this.capacity] ?? Number.NaN;
  }

  all(): Iterable<Series> {
    return this.series.values();
  }

  byName(name: string): Series[] {
    const out: Series[] = [];
    for (const s of this.series.values()) if (s.labels.__name__ === name) out.push(s);
    return out;
  }

  /** Series written at the head step: what a scrape of `/metrics` sees now. */
  live(): Series[] {
    return [...this.series.values()].filter((s) => s.lastStep === this.head);
  }

  private dropStale(): void {
    let dropped = false;
    for (const [k, s] of this.series) {
      if (s.lastStep >= this.tail) continue;
      this.series.delete(k);
      dropped = true;
    }
    // The trie's nodes point at their series: a dropped one is forgotten with them.
    if (dropped || this.keyCount > this.series.size * 2) {
      this.keyTrie.clear();
      this.keyCount = 0;
    }
  }
}
