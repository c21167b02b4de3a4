/**
 * Keys in a generation of the webhook doors' recent keys (the door thread's, the journaled door's):
 * 10,000 to 20,000 deliveries remembered, 50 to 100 s of a storm of 200 deliveries/s and days of
 * ordinary traffic. A redelivery older than that is journaled again and the store drops it (its
 * key is the table's primary key: ON CONFLICT DO NOTHING), answered 202 instead of 200. At 50,000
 * the door thread's heap held up to 100,000 keys of ~200 bytes each (a key is the source and a
 * 32-character delivery id): ~2.3 MiB after 60 s of a storm, ~19 MiB once both generations filled
 * (after 500 s), resident for the rest of the process's life.
 */
export const RECENT_DELIVERY_KEYS = 10_000;

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
