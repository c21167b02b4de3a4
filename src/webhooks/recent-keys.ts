/**
 * Delivery keys remembered to answer a redelivery as a duplicate without asking the store: two
 * generations of at most `max` keys each, the older dropped whole when the newer fills (bounded
 * memory, O(1) look-ups, the last `max` to `2 × max` keys remembered).
 */
export class RecentKeys {
  private recent = new Set<string>();
  private older = new Set<string>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  has(key: string): boolean {
    return this.recent.has(key) || this.older.has(key);
  }

  add(key: string): void {
    this.recent.add(key);
    if (this.recent.size >= this.max) {
      this.older = this.recent;
      this.recent = new Set();
    }
  }
}
