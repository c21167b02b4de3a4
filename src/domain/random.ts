/**
 * The one seeded pseudo-random generator (mulberry32): the simulation, the synthetic diagnosis cases,
 * bootstrap confidence and seeded tests all draw from it, so a seed means the same sequence
 * everywhere and a run is reproducible from its seed.
 */
export class Rng {
  private state: number;

  /** Seed 0 (which mulberry32 would take as is) is replaced by a fixed odd constant. */
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Whole number in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** One of the items (undefined only when there are none). */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined && items.length === 0) throw new RangeError("pick from an empty list");
    return item as T;
  }

  /** Random string from an alphabet (Kubernetes name suffixes use `bcdfghjklmnpqrstvwxz2456789`). */
  chars(n: number, alphabet = "bcdfghjklmnpqrstvwxz2456789"): string {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  hex(n: number): string {
    return this.chars(n, "0123456789abcdef");
  }

  /** A version-4-shaped UUID. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** The same generator as a bare `() => number` in [0, 1) (what statistics code passes around). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}
