import { TokenBuckets } from "../domain/token-buckets.ts";
import type { ParsedDelivery } from "../ingest/types.ts";
import { OpeningLane } from "./opening-lane.ts";

/**
 * Deliveries a second that a burst still lets through to processing when they would open an
 * incident: a new failure's root message in seconds, not after the flood and its read-back. Far
 * under what holding processing saves (a flood is thousands a second): a flood in which every
 * delivery looks new keeps the door to itself.
 */
export const URGENT_IN_BURST_PER_SECOND = 20;

/**
 * In a burst the webhook door leaves what comes for after it (see burst.ts), and a new, unrelated
 * failure would wait with the flood: seen at 5,000 single-alert deliveries/s for 20 s, a new
 * service's critical alert got its root message 20-30 s after it came. This tells which of a burst's
 * deliveries go to processing at once instead: those that would open an incident (OpeningLane's
 * rule: every alert firing, with a service and a fingerprint the door has not seen, one of its
 * services new), at most `perSecond` a second (a token bucket, as the outbox paces its posts). Going before the burst's earlier deliveries is safe by the
 * same rule: none of them is about the same alert. The door notes every delivery it takes, in the
 * order they came, burst or not, so that what it calls new is new. Pure: time is given.
 */
export class BurstLane {
  private readonly lane = new OpeningLane();
  private readonly budget: TokenBuckets;

  constructor(perSecond = URGENT_IN_BURST_PER_SECOND) {
    this.budget = new TokenBuckets({ burst: perSecond, refill: { tokens: perSecond, everyMs: 1000 } });
    // The door's memory holds every delivery it took since it started. Processing decides again with
    // its own (enabled once a previous process's backlog is claimed): one it does not call urgent
    // waits, as in any burst.
    this.lane.enable();
  }

  /** Notes a delivery the door took; true when it came in a burst and goes to processing now. */
  goesNow(parsed: ParsedDelivery, inBurst: boolean, now: number): boolean {
    const urgent = this.lane.classify(parsed);
    return inBurst && urgent && this.budget.tryTake("", now) === 0;
  }
}
