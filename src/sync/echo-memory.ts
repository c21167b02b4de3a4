import type { SyncEchoRepo } from "../store/repos/sync-echoes.ts";

/**
 * A short-lived memory of changes aisre just made (or just applied from the other side), so the
 * event that comes back is recognised as an echo and not acted on again. One of three guards
 * against loops, with the actor check (our own bot account) and the dedup_key prefix (`aisre:`).
 * With a store it is shared by every replica (`sync_echoes`): the webhook that comes back may reach
 * any of them, and a restart keeps it. Without one (unit tests) it lives in this process.
 */
export class EchoMemory {
  private readonly entries = new Map<string, number[]>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly store?: SyncEchoRepo;

  constructor(options: { ttlMs?: number; now?: () => number; store?: SyncEchoRepo } = {}) {
    this.ttlMs = options.ttlMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.store = options.store;
  }

  private static key(parts: string[]): string {
    return parts.join("\u001f");
  }

  /** Notes that we did this (e.g. "pagerduty", "PABC123", "acknowledged"). */
  async remember(...parts: string[]): Promise<void> {
    const key = EchoMemory.key(parts);
    if (this.store) return this.store.remember(key, this.ttlMs);
    const list = this.fresh(key);
    list.push(this.now() + this.ttlMs);
    this.entries.set(key, list);
    if (this.entries.size > 10_000) this.sweep();
  }

  /** True (and forgotten) when we did this within the memory's lifetime: one remembered change absorbs one echo. */
  async consume(...parts: string[]): Promise<boolean> {
    const key = EchoMemory.key(parts);
    if (this.store) return this.store.consume(key);
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
  async has(...parts: string[]): Promise<boolean> {
    const key = EchoMemory.key(parts);
    if (this.store) return this.store.has(key);
    return this.fresh(key).length > 0;
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
