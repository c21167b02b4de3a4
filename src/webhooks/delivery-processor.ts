import { LeaseLoop } from "../async/lease-loop.ts";
import { backoffMs } from "../domain/backoff.ts";
import type { ParsedDelivery, WebhookSource } from "../ingest/types.ts";
import type { Logger } from "../log.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import { isConnectionError } from "../store/health.ts";
import type { Delivery } from "../store/repos/deliveries.ts";
import type { Store } from "../store/store.ts";
import type { DeliveryHandlers, StoredDeliveryBody } from "./types.ts";
import { parseDelivery } from "../ingest/registry.ts";
import { OpeningLane } from "./opening-lane.ts";

export interface ProcessorOptions {
  /** How long a claim holds before another replica may take the delivery (renewed while held). */
  leaseMs?: number;
  /** Deliveries claimed at a time. */
  pageSize?: number;
  /** How often an idle replica looks for deliveries nobody holds. */
  pollMs?: number;
  /** Attempts before a delivery is parked with its error. */
  maxAttempts?: number;
  /** Backoff before a failed delivery may be tried again (doubles per attempt, capped). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Most deliveries whose alerts are decided together in one transaction. */
  batchSize?: number;

  /**
   * While deliveries keep coming (a batch was just processed and fewer than a full batch wait), how
   * long to gather more before deciding the next batch. The first delivery after a quiet spell is
   * processed at once; in a storm, batches grow, so the work that follows each batch (per touched
   * incident: its card, thread, sync) is done once for many deliveries rather than once for each.
   */
  gatherMs?: number;
  /**
   * Most deliveries waiting in memory. Beyond it a delivery is left in the store (its lease given
   * back) and so is every one after it, until the recovery loop, claiming pages in arrival order,
   * has caught up: memory holds at most this many, the rest of a storm's backlog is in the store.
   */
  maxQueued?: number;
}

interface Queued {
  sourceName: string;
  parsed: ParsedDelivery;
  attempts: number;
}

/**
 * The next deliveries that can be decided together: alert-only deliveries, no alert fingerprint
 * twice (a firing and its resolution stay in order, in separate batches). A delivery with anything
 * else (a subscription to confirm, PagerDuty/Jira events) is processed alone.
 */
export function takeBatch(waiting: Queued[], max: number): Queued[] {
  const alone = (q: Queued) => Boolean(q.parsed.confirmUrl || q.parsed.externalEvents?.length);
  const [head] = waiting;
  if (!head) return [];
  if (alone(head)) return waiting.splice(0, 1);
  const seen = new Set<string>();
  let n = 0;
  for (const q of waiting.slice(0, max)) {
    if (alone(q) || q.parsed.alerts.some((a) => seen.has(a.fingerprint))) break;
    for (const a of q.parsed.alerts) seen.add(a.fingerprint);
    n++;
  }
  return waiting.splice(0, n);
}

/** A delivery as it was stored (its headers, raw body and arrival), parsed again; throws as parseDelivery does. */
export function parseStored(source: WebhookSource, stored: StoredDeliveryBody): ParsedDelivery {
  return parseDelivery(source, { headers: stored.headers, body: Buffer.from(stored.body, "utf8"), receivedAt: stored.receivedAt });
}

/**
 * Most deliveries waiting in the priority lane (those that would open an incident): past it, an
 * urgent delivery waits with the others, so a storm of new services cannot grow memory unbounded.
 */
const URGENT_MAX = 200;

/** Longest processing is held for a burst the door did not say the end of (see hold). */
const MAX_HOLD_MS = 30_000;

/** Most keys of deliveries left in the store kept to give their leases back (about 3 MB). */
const SPILLED_KEYS_MAX = 50_000;

const keyOf = (source: string, deliveryId: string) => `${source}\n${deliveryId}`;

/**
 * Processes stored webhook deliveries, at least once, on whichever replica is alive. The replica
 * that stored a delivery holds its lease and processes it at once; a heartbeat renews the leases
 * it holds. Every replica also claims, page by page until none is left, the pending deliveries
 * whose lease ran out (a replica died) or that wait for a retry — at start and all the time. A
 * delivery that keeps failing is retried with backoff, then parked with its error.
 */
export class DeliveryProcessor {
  private readonly o: Required<ProcessorOptions> & { store: Store; logger: Logger; metrics?: AppMetrics; handlers: DeliveryHandlers; sources: Map<string, WebhookSource> };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly waiting: Queued[] = [];
  /** Deliveries that would open an incident (see OpeningLane): decided before those that wait. */
  private readonly urgent: Queued[] = [];
  private readonly lane = new OpeningLane();
  private working = false;
  /** While a claimed page is being queued: work starts once it is all there. */
  private gathering = false;
  private inFlight = 0;
  /** Claims, and renews the leases of the deliveries this replica holds (queued or being processed). */
  private readonly lease: LeaseLoop<string>;
  private lastGauges = 0;
  /** Deliveries are left in the store (the queue was full) until a claim finds the backlog drained. */
  private spilling = false;
  /** Keys of stored deliveries this replica leases but left in the store: their leases are given back on the next pass. */
  private readonly spilled: string[] = [];
  /** Deliveries were left in the store since the last claim began: the backlog is not known drained. */
  private leftSinceClaim = false;
  /** Told each time a batch is done (see settle). */
  private readonly settled: Array<() => void> = [];
  /** While the webhook door is in a burst (see hold): the timer that ends the hold should the burst's end never be heard of. */
  private held?: NodeJS.Timeout;
  /** Processing parked by a hold: woken when the hold ends or a delivery that would open an incident is queued. */
  private parked?: () => void;

  constructor(options: ProcessorOptions & { store: Store; logger: Logger; metrics?: AppMetrics; handlers: DeliveryHandlers; sources: Map<string, WebhookSource> }) {
    // 8 attempts with backoff 1, 2, 4 … 60 s: a dependency out for about two minutes parks nothing.
    this.o = { leaseMs: 15_000, pageSize: 500, pollMs: 1000, maxAttempts: 8, retryBaseMs: 1000, retryMaxMs: 60_000, batchSize: 500, gatherMs: 50, maxQueued: 2000, ...options };
    const { store, leaseMs } = this.o;
    this.lease = new LeaseLoop({
      leaseMs,
      pollMs: this.o.pollMs,
      up: () => store.db.health.up(),
      pass: () => this.recoverPass(),
      renew: (keys) => store.deliveries.renewLeases(this.owner, keys, leaseMs),
      logger: this.o.logger,
      failed: { pass: "claiming pending deliveries failed; retrying", renew: "renewing delivery leases failed" },
    });
  }

  /** This replica's name on the deliveries it claims. */
  get owner(): string {
    return this.lease.owner;
  }

  get leaseMs(): number {
    return this.o.leaseMs;
  }

  /** Deliveries waiting in memory (at most `maxQueued`, plus a claimed page, plus the priority lane). */
  get queued(): number {
    return this.waiting.length + this.urgent.length;
  }

  /**
   * Notes a delivery this replica just stored, in arrival order; true when it would open an incident
   * and may be processed before the deliveries that wait (see OpeningLane). A door that stores
   * deliveries before handing them over classifies each as it arrives and passes the answer to submit.
   */
  classify(parsed: ParsedDelivery): boolean {
    return this.lane.classify(parsed);
  }

  /**
   * Queues a delivery this replica just stored (and holds the lease of). One that would open an
   * incident (`urgent`, classified as it arrived) goes to the priority lane, processed before the
   * others, however many wait. When the queue is full, or earlier ones wait in the store, any other
   * is left there too (in arrival order, a firing before its resolution): its lease is given back and
   * the recovery loop claims it with the others.
   */
  submit(sourceName: string, parsed: ParsedDelivery, urgent = this.classify(parsed)): void {
    // Its lease may have lapsed between the insert and now (a stall longer than it): this replica's
    // own recovery loop may have claimed it meanwhile, and queued it. Once is enough.
    if (this.holds(sourceName, parsed.deliveryId)) return;
    if (urgent && this.urgent.length < URGENT_MAX) {
      this.enqueue(sourceName, parsed, 1, true);
      return;
    }
    if (this.full) {
      this.spill(keyOf(sourceName, parsed.deliveryId));
      return;
    }
    this.enqueue(sourceName, parsed, 1);
  }

  /**
   * Holds processing while the webhook door is in a burst (see burst.ts): the batch under way is
   * finished, then only the priority lane is worked and nothing is claimed until `hold(false)` — or
   * MAX_HOLD_MS, should the end of the burst never be heard of.
   */
  hold(on: boolean): void {
    if (on && !this.held) {
      this.held = setTimeout(() => this.hold(false), MAX_HOLD_MS);
      this.held.unref?.();
    } else if (!on && this.held) {
      clearTimeout(this.held);
      this.held = undefined;
      this.wake();
      this.lease.poke();
    }
  }

  /** Whether a delivery classified urgent now would have room in the priority lane. */
  get urgentRoom(): boolean {
    return this.urgent.length < URGENT_MAX;
  }

  /**
   * Whether a delivery submitted now would be left in the store (the queue is full, or earlier ones
   * wait there): a door that knows it before storing stores it unleased (see leftInStore).
   */
  get full(): boolean {
    return this.spilling || this.waiting.length >= this.o.maxQueued;
  }

  /**
   * Deliveries were stored unleased instead of submitted (the queue was full): they wait in the
   * store with the backlog and the recovery loop claims them, as it does those spilled by submit.
   */
  leftInStore(): void {
    if (!this.spilling) this.o.logger.warn({ queued: this.waiting.length, max: this.o.maxQueued }, "delivery queue full; the backlog waits in the store and is claimed in pages");
    this.spilling = true;
    this.leftSinceClaim = true;
    this.lease.poke();
  }

  private spill(key: string): void {
    // Keys only (the deliveries are in the store); past SPILLED_KEYS_MAX (the database away for
    // long), the rest keep their lease until it runs out (leaseMs) and are claimed then.
    if (this.spilled.length < SPILLED_KEYS_MAX) this.spilled.push(key);
    this.leftInStore();
  }

  /** Gives back the leases of the deliveries left in the store, so the next claim takes them. */
  private async releaseSpilled(): Promise<void> {
    while (this.spilled.length > 0) await this.o.store.deliveries.releaseLeases(this.owner, this.spilled.splice(0, 5000));
  }

  /** Whether this replica has the delivery queued or is handling it. */
  private holds(sourceName: string, deliveryId: string): boolean {
    return this.lease.held.has(keyOf(sourceName, deliveryId));
  }

  private enqueue(sourceName: string, parsed: ParsedDelivery, attempts: number, urgent = false): void {
    this.lease.held.add(keyOf(sourceName, parsed.deliveryId));
    this.inFlight++;
    (urgent ? this.urgent : this.waiting).push({ sourceName, parsed, attempts });
    // Held (a burst) with only deliveries that wait: one that would open an incident goes now.
    if (urgent) this.wake();
    if (this.working || this.gathering) return;
    this.working = true;
    // Started once the caller's synchronous run is over, not at the first submit: deliveries handed
    // over together (a door's moved group) are decided in one batch. Started at once, the first was
    // decided alone and the rest in a second transaction, each paying a whole batch's statements.
    this.queue = Promise.resolve().then(() => this.work());
  }

  /** Wakes processing parked by a hold. */
  private wake(): void {
    const parked = this.parked;
    this.parked = undefined;
    parked?.();
  }

  /** Processes what waits, a batch at a time, until nothing does. */
  private async work(): Promise<void> {
    try {
      let first = true;
      while (this.waiting.length > 0 || this.urgent.length > 0) {
        // Those that would open an incident first, at once (their alerts are new: no earlier delivery is about them).
        if (!first && this.urgent.length === 0 && this.o.gatherMs > 0 && this.waiting.length < this.o.batchSize) await new Promise((r) => setTimeout(r, this.o.gatherMs));
        first = false;
        while (this.held && this.urgent.length === 0) await new Promise<void>((r) => (this.parked = r));
        const batch = takeBatch(this.urgent.length > 0 ? this.urgent : this.waiting, this.o.batchSize);
        // A failure (the database gone while marking the outcome) must not stop the chain: the
        // deliveries' leases run out and they are claimed again.
        await this.processBatch(batch).catch((e: unknown) => this.o.logger.error({ err: e, deliveries: batch.map((b) => b.parsed.deliveryId) }, "deliveries left pending; they will be claimed again"));
        for (const b of batch) {
          this.lease.held.delete(keyOf(b.sourceName, b.parsed.deliveryId));
          this.inFlight--;
        }
        this.settle();
      }
    } finally {
      this.working = false;
      this.settle();
    }
  }

  private settle(): void {
    for (const told of this.settled.splice(0)) told();
  }

  /** Resolves once at most `n` deliveries are queued or being processed. */
  private async inFlightAtMost(n: number): Promise<void> {
    while (this.inFlight > n) {
      // Nothing will settle them while no batch is under way (queued during a claim not yet worked): as drain does.
      if (!this.working && !this.gathering) return;
      await new Promise<void>((r) => this.settled.push(r));
    }
  }

  /**
   * Alerts of many deliveries are decided in one pass and one transaction, and marked processed in one
   * statement. If that fails, each delivery is processed on its own, so only a bad one is retried.
   */
  private async processBatch(batch: Queued[]): Promise<void> {
    const [only] = batch;
    if (only && batch.length === 1) return this.process(only.sourceName, only.parsed, only.attempts);
    const keys = batch.map((b) => keyOf(b.sourceName, b.parsed.deliveryId));
    // Marked processed in the transaction that writes what they decided, when the handler runs it there.
    let marked = false;
    try {
      await this.o.handlers.ingest({ alerts: batch.flatMap((b) => b.parsed.alerts), changes: batch.flatMap((b) => b.parsed.changes) }, async (tx) => {
        await tx.deliveries.markProcessedMany(keys);
        marked = true;
      });
    } catch (e) {
      if (isConnectionError(e)) {
        this.o.logger.warn({ deliveries: batch.length, error: e instanceof Error ? e.message : String(e) }, "deliveries interrupted by a database outage; they stay pending");
        return;
      }
      this.o.logger.warn({ err: e, deliveries: batch.length }, "a batch of deliveries failed; processing them one by one");
      for (const b of batch) await this.process(b.sourceName, b.parsed, b.attempts).catch((one: unknown) => this.o.logger.error({ err: one, source: b.sourceName, deliveryId: b.parsed.deliveryId }, "delivery left pending; it will be claimed again"));
      return;
    }
    if (!marked) await this.o.store.deliveries.markProcessedMany(keys);
    this.o.metrics?.webhookDeliveryOutcomes.inc({ outcome: "processed" }, batch.length);
  }

  /** Starts the recovery loop and the lease heartbeat. */
  start(): void {
    this.lease.start();
  }

  async stop(): Promise<void> {
    this.hold(false);
    await this.lease.stop();
    await this.drain();
  }

  /** Looks for claimable deliveries now rather than at the next poll. */
  poke(): void {
    this.lease.poke();
  }

  /** Waits for queued deliveries to be processed. */
  async drain(): Promise<void> {
    this.hold(false);
    while (this.inFlight > 0) await this.queue.catch(() => undefined);
  }

  /**
   * Claims and processes pending deliveries nobody holds, a page at a time, until none is left.
   * Returns how many were claimed.
   */
  async recoverAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.claimPage();
      if (n === 0) return total;
      total += n;
      await this.drain();
    }
  }

  /**
   * One pass of the recovery loop: a page claimed and queued, the backlog gauges now and then. It
   * returns once no more than a page is in flight, so while a backlog drains the next pass claims
   * and parses the next page while this one is decided (the claim and the parsing were otherwise a
   * pause between batches); memory holds at most two pages of it.
   */
  private async recoverPass(): Promise<number> {
    if (this.held) return 0; // poked again when the hold ends
    await this.releaseSpilled();
    const claimed = await this.claimPage();
    await this.inFlightAtMost(claimed === this.o.pageSize ? this.o.pageSize : 0);
    // Caught up: nothing more in the store, and nothing left there since the claim.
    if (this.spilling && claimed < this.o.pageSize && this.spilled.length === 0 && !this.leftSinceClaim) {
      this.spilling = false;
      this.o.logger.info("delivery backlog in the store drained; deliveries are queued in memory again");
    }
    if (Date.now() - this.lastGauges > 5000) {
      this.lastGauges = Date.now();
      await this.updateGauges();
    }
    return claimed;
  }

  private async claimPage(): Promise<number> {
    this.leftSinceClaim = false;
    const claimed = await this.o.store.deliveries.claim(this.owner, this.o.pageSize, this.o.leaseMs);
    if (claimed.length > 0) this.o.logger.info({ count: claimed.length }, "claimed pending webhook deliveries");
    // The store's backlog (an earlier process's included) is claimed, its alerts noted (resubmit):
    // from now on a delivery about new alerts may go before those that wait.
    if (claimed.length < this.o.pageSize) this.lane.enable();
    // The whole page is queued before work starts, so it is decided in batches, not one by one.
    this.gathering = true;
    try {
      for (const d of claimed) await this.resubmit(d);
    } finally {
      this.gathering = false;
    }
    if (this.queued > 0 && !this.working) {
      this.working = true;
      this.queue = this.work();
    }
    return claimed.length;
  }

  /** A claimed delivery is parsed again from what was stored (headers and raw body). */
  private async resubmit(d: Delivery): Promise<void> {
    // This replica holds it already (queued or being handled) and claimed it again, its lease having
    // lapsed (renewals late, or the door's insert answered after the lease ran out): not queued twice,
    // and not parked for the attempts its own claims counted.
    if (this.holds(d.source, d.deliveryId)) return;
    const source = this.o.sources.get(d.source);
    const stored = d.body as StoredDeliveryBody;
    if (!source || typeof stored?.body !== "string") return this.park(d.source, d.deliveryId, "cannot replay: unknown source or body");
    if (d.attempts > this.o.maxAttempts) return this.park(d.source, d.deliveryId, `gave up after ${d.attempts - 1} attempts (the process stopped while handling it)`);
    let parsed: ParsedDelivery;
    try {
      parsed = parseStored(source, stored);
    } catch (e) {
      return this.park(d.source, d.deliveryId, `cannot parse the stored delivery: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Claimed from the store: it waits its turn (noted, so that a later delivery about its alerts does too).
    this.lane.classify(parsed);
    this.enqueue(d.source, { ...parsed, deliveryId: d.deliveryId }, d.attempts);
  }

  private async process(sourceName: string, parsed: ParsedDelivery, attempts: number): Promise<void> {
    // Marked processed with its alerts' writes when nothing follows them (as a batch is).
    let marked = false;
    const markWith = parsed.externalEvents?.length
      ? undefined
      : async (tx: Store) => {
          await tx.deliveries.markProcessed(sourceName, parsed.deliveryId);
          marked = true;
        };
    try {
      if (parsed.confirmUrl) await this.o.handlers.confirmSubscription?.(parsed.confirmUrl);
      if (parsed.alerts.length || parsed.changes.length) await this.o.handlers.ingest({ alerts: parsed.alerts, changes: parsed.changes }, markWith);
      if (parsed.externalEvents?.length) await this.o.handlers.external?.(parsed.externalEvents, sourceName);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (isConnectionError(e)) {
        // The database went away mid-way: nothing to record now; the lease runs out and it is claimed again.
        this.o.logger.warn({ source: sourceName, deliveryId: parsed.deliveryId, error }, "delivery interrupted by a database outage; it stays pending");
        return;
      }
      if (attempts >= this.o.maxAttempts) return this.park(sourceName, parsed.deliveryId, error);
      const delay = backoffMs(attempts - 1, { baseMs: this.o.retryBaseMs, maxMs: this.o.retryMaxMs });
      this.o.logger.error({ err: e, source: sourceName, deliveryId: parsed.deliveryId, attempts, retryInMs: delay }, "processing a stored delivery failed; it will be retried");
      this.o.metrics?.webhookDeliveryOutcomes.inc({ outcome: "retried" });
      await this.o.store.deliveries.retryLater(sourceName, parsed.deliveryId, delay, error);
      return;
    }
    if (!marked) await this.o.store.deliveries.markProcessed(sourceName, parsed.deliveryId);
    this.o.metrics?.webhookDeliveryOutcomes.inc({ outcome: "processed" });
  }

  private async park(source: string, deliveryId: string, error: string): Promise<void> {
    this.o.logger.error({ source, deliveryId, error }, "webhook delivery parked; replay it with `aisre deliveries replay`");
    this.o.metrics?.webhookDeliveryOutcomes.inc({ outcome: "parked" });
    await this.o.store.deliveries.park(source, deliveryId, error);
    await this.updateGauges().catch(() => undefined);
  }

  private async updateGauges(): Promise<void> {
    const m = this.o.metrics;
    if (!m) return;
    const c = await this.o.store.deliveries.backlog();
    m.webhookDeliveriesPending.set(c.pending);
    m.webhookDeliveriesParked.set(c.parked);
  }
}
