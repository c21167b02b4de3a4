/**
 * A short-lived memory of changes aisre just made (or just applied from the other side), so the
 * event that comes back is recognised as an echo and not acted on again. One of three guards
 * against loops, with the actor check (our own bot account) and the dedup_key prefix (`aisre:`).
 * In-process: a webhook usually comes back to the replica that made the change, and the other two
 * guards cover the rest.
 */
export class EchoMemory {
  private readonly entries = new Map<string, number[]>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? 120_000;
    this.now = options.now ?? Date.now;
  }

  private static key(parts: string[]): string {
    return parts.join("\u0000");
  }

  /** Notes that we did this (e.g. "pagerduty", "PABC123", "acknowledged"). */
  remember(...parts: string[]): void {
    const key = EchoMemory.key(parts);
    const list = this.fresh(key);
    list.push(this.now() + this.ttlMs);
    this.entries.set(key, list);
    if (this.entries.size > 10_000) this.sweep();
  }

  /** True (and forgotten) when we did this within the memory's lifetime: one remembered change absorbs one echo. */
  consume(...parts: string[]): boolean {
    const key = EchoMemory.key(parts);
    const list = this.fresh(key);
    if (list.length === 0) {
      this.entries.delete(key);
      return false;
    }
    list.shift();
    if (list.length === 0) this.entries.delete(key);
    else this.entries.set(key, list);
    return true;
  }

  /** True when we did this recently, without forgetting it. */
  has(...parts: string[]): boolean {
    return this.fresh(EchoMemory.key(parts)).length > 0;
  }

  private fresh(key: string): number[] {
    const now = this.now();
    return (this.entries.get(key) ?? []).filter((until) => until > now);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, list] of this.entries) if (!list.some((until) => until > now)) this.entries.delete(k);
  }
}
