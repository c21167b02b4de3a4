/**
 * Runs tasks one at a time per key, in the order they arrive; different keys run concurrently. A
 * failed task does not stop the ones queued after it (its caller sees the rejection).
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.tails.set(key, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.tails.get(key) === next) this.tails.delete(key);
      });
    return next;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }

  /** Resolves once everything queued for the key so far has run (whatever its outcome). */
  async settled(key: string): Promise<void> {
    await this.tails.get(key)?.catch(() => undefined);
  }

  /** Resolves once everything queued so far, for every key, has run. */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()].map((p) => p.catch(() => undefined)));
  }

  /** Resolves when no key has work, including work queued while waiting. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await this.drain();
  }
}
