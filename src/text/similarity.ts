import { itemAt } from "../domain/indexed.ts";
/** Edit distance (Levenshtein), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  // One row of the distance table, rewritten in place; every index read is inside it (0..b.length).
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  const cell = (j: number) => itemAt(prev, j);
  for (let i = 1; i <= a.length; i++) {
    let diag = cell(0);
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = cell(j);
      prev[j] = Math.min(up + 1, cell(j - 1) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return cell(b.length);
}

/** The known names closest to a mistyped one, within a distance that still looks like a typo. */
export function closestNames(input: string, names: string[], max = 3): string[] {
  const needle = input.toLowerCase();
  return names
    .map((n) => ({ n, d: n.toLowerCase().includes(needle) && needle.length >= 3 ? 0 : editDistance(needle, n.toLowerCase()) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 3)))
    .sort((x, y) => x.d - y.d || x.n.localeCompare(y.n))
    .slice(0, max)
    .map(({ n }) => n);
}
