/** How a copy is made (see `copier`). */
export interface CopyOptions {
  /**
   * The prototype a copied object gets, when not its own: a history generated in a worker thread
   * arrives as plain objects (structured clone keeps no class), each class instance named by the
   * worker (history-worker.ts).
   */
  protoOf?: (v: object) => object | undefined;
  /** Typed arrays taken as they are rather than copied (they were made for this copy: a worker's, transferred). */
  shareViews?: boolean;
}

/**
 * A deep copier of plain data and class instances (their prototype kept), keeping shared references
 * shared and cycles; `seed` maps an original object to what stands for it in the copy. A function
 * (a closure over the original's objects) cannot be copied: meeting one throws, so state that
 * grows one is seen at once rather than shared silently.
 */
export function copier(seed: Map<object, unknown>, options: CopyOptions = {}): { copy: <T>(v: T) => T; copyInto: (source: object, target: object) => void } {
  const copies = seed;
  const fields = (source: object, target: object): void => {
    copies.set(source, target);
    for (const k of Object.keys(source)) (target as Record<string, unknown>)[k] = copy((source as Record<string, unknown>)[k]);
  };
  const copy = (v: unknown): unknown => {
    if (typeof v === "function") throw new TypeError(`history copy: cannot copy a function (${v.name || "anonymous"})`);
    if (v === null || typeof v !== "object") return v;
    const done = copies.get(v);
    if (done !== undefined) return done;
    if (ArrayBuffer.isView(v)) {
      const c = options.shareViews ? v : (v as unknown as Float64Array).slice();
      copies.set(v, c);
      return c;
    }
    if (v instanceof Date) {
      const c = new Date(v.getTime());
      copies.set(v, c);
      return c;
    }
    if (Array.isArray(v)) {
      const c: unknown[] = [];
      copies.set(v, c);
      for (const x of v) c.push(copy(x));
      return c;
    }
    if (v instanceof Map) {
      const c = new Map();
      copies.set(v, c);
      for (const [k, x] of v) c.set(copy(k), copy(x));
      return c;
    }
    if (v instanceof Set) {
      const c = new Set();
      copies.set(v, c);
      for (const x of v) c.add(copy(x));
      return c;
    }
    const c = Object.create(options.protoOf?.(v) ?? Object.getPrototypeOf(v)) as object;
    fields(v, c);
    return c;
  };
  return { copy: copy as <T>(v: T) => T, copyInto: fields };
}
