import type { Logger } from "../log.ts";
import { isConnectionError } from "../store/health.ts";
import type { DeliveryRepo } from "../store/repos/deliveries.ts";

export interface DeliveryRow {
  source: string;
  deliveryId: string;
  body: unknown;
}

interface Waiter {
  row: DeliveryRow;
  key: string;
  resolve(fresh: boolean): void;
  reject(e: unknown): void;
}

export interface GroupCommitOptions {
  /** How long the first delivery of a group waits for others before the group is written. */
  windowMs?: number;
  /** Most deliveries written in one statement. */
  maxBatch?: number;
}

const keyOf = (r: DeliveryRow) => `${r.source}\n${r.deliveryId}`;

/**
 * Group commit for the webhook door: concurrent deliveries are gathered for a few milliseconds (and
 * while the previous group is being written) and stored in one statement — one round trip and one
 * commit for the lot. Each caller is answered only once its row is committed, so a 2xx still follows
 * a durable row. A delivery id seen twice in a group is stored once; the second is a duplicate. When
 * the group's statement fails for a reason other than a lost connection (one row the database
 * refuses), each delivery is stored on its own so the others are not lost with the bad one.
 */
export class DeliveryGroupCommit {
  private readonly o: Required<GroupCommitOptions> & { deliveries: DeliveryRepo; lease: () => { owner: string; ms: number }; logger: Logger };
  private waiting: Waiter[] = [];
  private writing = false;
  private timer?: NodeJS.Timeout;

  constructor(options: GroupCommitOptions & { deliveries: DeliveryRepo; lease: () => { owner: string; ms: number }; logger: Logger }) {
    this.o = { windowMs: 2, maxBatch: 500, ...options };
  }

  /** Stores a delivery with the group it arrives in; true when it is new, false for a redelivery. */
  record(row: DeliveryRow): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ row, key: keyOf(row), resolve, reject });
      if (this.writing) return; // the group in flight is followed by everything gathered meanwhile
      if (this.waiting.length >= this.o.maxBatch) this.flushSoon(0);
      else if (!this.timer) this.flushSoon(this.o.windowMs);
    });
  }

  private flushSoon(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  private async flush(): Promise<void> {
    if (this.writing || this.waiting.length === 0) return;
    this.writing = true;
    const group = this.waiting.splice(0, this.o.maxBatch);
    try {
      await this.write(group);
    } finally {
      this.writing = false;
      if (this.waiting.length > 0) this.flushSoon(0);
    }
  }

  private async write(group: Waiter[]): Promise<void> {
    // The first of each delivery id is stored; later copies in the same group follow its outcome.
    const first = new Map<string, Waiter>();
    const copies: Waiter[] = [];
    for (const w of group) (first.has(w.key) ? copies : (first.set(w.key, w), [])).push(w);
    const unique = [...first.values()];
    const outcome = new Map<string, { fresh: boolean } | { error: unknown }>();
    try {
      const fresh = await this.o.deliveries.recordMany(
        unique.map((w) => w.row),
        this.o.lease(),
      );
      for (const w of unique) outcome.set(w.key, { fresh: fresh.has(w.key) });
    } catch (e) {
      if (isConnectionError(e) || unique.length === 1) {
        for (const w of unique) outcome.set(w.key, { error: e });
      } else {
        this.o.logger.warn({ err: e, deliveries: unique.length }, "a group of webhook deliveries was refused; storing them one by one");
        for (const w of unique) {
          try {
            const fresh = await this.o.deliveries.recordMany([w.row], this.o.lease());
            outcome.set(w.key, { fresh: fresh.has(w.key) });
          } catch (one) {
            outcome.set(w.key, { error: one });
          }
        }
      }
    }
    for (const w of unique) {
      const r = outcome.get(w.key)!;
      if ("error" in r) w.reject(r.error);
      else w.resolve(r.fresh);
    }
    for (const w of copies) {
      const r = outcome.get(w.key)!;
      if ("error" in r) w.reject(r.error);
      else w.resolve(false);
    }
  }
}
