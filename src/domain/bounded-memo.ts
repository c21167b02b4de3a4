/**
 * A memo that never grows past `maxEntries`: when full it starts over (a storm repeats the same few
 * keys, so a cleared memo refills with what matters within a few lookups; no LRU bookkeeping on the
 * hot path). `compute` runs on a miss; `keep` says whether that key is worth remembering.
 */
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly maxEntries: number;
  private readonly keep: (key: K) => boolean;

  constructor(maxEntries: number, keep: (key: K) => boolean = () => true) {
    this.maxEntries = maxEntries;
    this.keep = keep;
  }

  get(key: K, compute: (key: K) => V): V {
    const known = this.entries.get(key);
    if (known !== undefined) return known;
    const value = compute(key);
    if (this.keep(key)) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
