export { rng } from "../../src/domain/random.ts";

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
