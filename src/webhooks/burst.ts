/**
 * When the webhook door is in a burst: deliveries arriving faster than processing can follow (a
 * storm's few hundred a second are not one). During a burst the door keeps the machine to itself:
 * every delivery is made durable (the door's spill journal; on Postgres, the deliveries table,
 * unleased) and answered, and nothing is moved into the store or processed — but a delivery that would
 * open an incident, which goes to processing at once (see burst-lane.ts). Once it is over, what it
 * left is moved and processed, oldest first (see door-thread.ts, JournaledDoor's read-back and
 * DeliveryProcessor.hold). On 2 cores, moving and processing beside the door took three quarters of
 * the CPU a delivery cost (0.21 of 0.28 ms) and held the door to a third to a half of the rate it
 * reaches alone: 4,400 against 9,700-13,400 deliveries/s (npm run bench -- am-compare).
 */
export interface BurstOptions {
  perSecond: number;
  windowMs: number;
  calmMs: number;
  maxSpilled: number;
}

export const BURST: BurstOptions = {
  /**
   * Deliveries a second past which the door is in a burst (counted over `windowMs`): about what
   * processing follows on 2 cores (a backlog drained at 530-540/s, PGlite and Postgres alike), three
   * times the storm the product is asked to follow live (200/s). At 2,000 a slower machine never
   * got there: its door took 1,300-2,300/s while processing ran beside it, a ratio to
   * Alertmanager of 0.17-0.24 on Postgres; at 600, 0.24-0.35 (npm run bench -- am-compare).
   */
  perSecond: 600,
  windowMs: 250,
  /** A burst is over once no window has been over the rate for this long. */
  calmMs: 1000,
  /**
   * Deliveries spilled and not yet in the store past which the door spills no more (it hands them
   * over, and waits for the store, as outside a burst): ~700 bytes each, 140 MB of journal at most.
   */
  maxSpilled: 200_000,
};

/** Counts arrivals in fixed windows; a window over the rate starts (or prolongs) a burst. Pure: time is given. */
export class BurstGauge {
  private readonly limit: number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private count = 0;
  private lastHot = Number.NEGATIVE_INFINITY;
  private readonly o: Pick<BurstOptions, "perSecond" | "windowMs" | "calmMs">;

  constructor(o: Pick<BurstOptions, "perSecond" | "windowMs" | "calmMs"> = BURST) {
    this.o = o;
    this.limit = (o.perSecond * o.windowMs) / 1000;
  }

  /** Notes an arrival at `now` (ms); returns whether the door is in a burst. */
  arrive(now: number): boolean {
    if (now - this.windowStart >= this.o.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    if (++this.count > this.limit) this.lastHot = now;
    return this.inBurst(now);
  }

  /** Whether a window over the rate was seen within the last `calmMs`. */
  inBurst(now: number): boolean {
    return now - this.lastHot < this.o.calmMs;
  }

  /** When the burst ends if nothing more arrives (ms). */
  calmAt(): number {
    return this.lastHot + this.o.calmMs;
  }
}
