/** Deterministic synthetic series for detector tests. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(r: () => number): () => number {
  return () => {
    const u = Math.max(r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
}

export const T0 = Date.UTC(2024, 0, 1);
export const MIN = 60_000;

/** n points every `stepMs` from T0, value = f(i, t). */
export function series(n: number, stepMs: number, f: (i: number, t: number) => number): Array<{ t: number; value: number }> {
  const out: Array<{ t: number; value: number }> = [];
  for (let i = 0; i < n; i++) out.push({ t: T0 + i * stepMs, value: f(i, T0 + i * stepMs) });
  return out;
}
