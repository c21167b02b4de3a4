import { isConnectionError } from "../store/health.ts";
import type { DeliveryRepo } from "../store/repos/deliveries.ts";

export interface DeliveryRow {
  source: string;
  deliveryId: string;
  body: unknown;
}

interface Waiter<R extends DeliveryRow> {
  row: R;
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

/** What the group commit logs through (a pino Logger; the door thread's forwards to the main thread's). */
export interface GroupLog {
  warn(data: Record<string, unknown>, msg: string): void;
  error(data: Record<string, unknown>, msg: string): void;
}

interface Writer<R extends DeliveryRow> {
  deliveries: Pick<DeliveryRepo, "recordMany">;
  /** The processing lease the rows are stored under; undefined: stored unleased, for the recovery loop to claim. */
  lease: () => { owner: string; ms: number } | undefined;
  logger: GroupLog;
  /**
   * Told, once per group and before any of its callers is answered, of the deliveries that group
   * stored new (in arrival order): how the door thread hands a group to the main thread in one message.
   */
  committed?: (fresh: R[], leased: boolean) => void;
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
export class DeliveryGroupCommit<R extends DeliveryRow = DeliveryRow> {
  private readonly o: Required<GroupCommitOptions> & Writer<R>;
  private waiting: Array<Waiter<R>> = [];
  private writing = false;
  private timer?: NodeJS.Timeout;

  constructor(options: GroupCommitOptions & Writer<R>) {
    this.o = { windowMs: 2, maxBatch: 500, ...options };
  }

  /** Stores a delivery with the group it arrives in; true when it is new, false for a redelivery. */
  record(row: R): Promise<boolean> {
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
      // What gathered while it was written goes next, once its answers are out: setImmediate, not
      // setTimeout's 1 ms at least (no timer is set while a group is written: record returns first).
      if (this.waiting.length > 0) setImmediate(() => void this.flush());
    }
  }

  private async write(group: Array<Waiter<R>>): Promise<void> {
    // The first of each delivery id is stored; later copies in the same group follow its outcome.
    const first = new Map<string, Waiter<R>>();
    const copies: Array<Waiter<R>> = [];
    for (const w of group) (first.has(w.key) ? copies : (first.set(w.key, w), [])).push(w);
    const unique = [...first.values()];
    const outcome = new Map<string, { fresh: boolean } | { error: unknown }>();
    const lease = this.o.lease();
    try {
      const fresh = await this.o.deliveries.recordMany(
        unique.map((w) => w.row),
        lease,
      );
      for (const w of unique) outcome.set(w.key, { fresh: fresh.has(w.key) });
    } catch (e) {
      if (isConnectionError(e) || unique.length === 1) {
        for (const w of unique) outcome.set(w.key, { error: e });
      } else {
        this.o.logger.warn({ err: e, deliveries: unique.length }, "a group of webhook deliveries was refused; storing them one by one");
        for (const w of unique) {
          try {
            const fresh = await this.o.deliveries.recordMany([w.row], lease);
            outcome.set(w.key, { fresh: fresh.has(w.key) });
          } catch (one) {
            outcome.set(w.key, { error: one });
          }
        }
      }
    }
    if (this.o.committed) {
      const fresh = unique.filter((w) => {
        const r = outcome.get(w.key)!;
        return "fresh" in r && r.fresh;
      });
      try {
        if (fresh.length > 0)
          this.o.committed(
            fresh.map((w) => w.row),
            lease !== undefined,
          );
      } catch (e) {
        // Stored, leased: if nobody processes them now, the lease runs out and the recovery loop claims them.
        this.o.logger.error({ err: e, deliveries: fresh.length }, "stored webhook deliveries not handed to processing");
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
