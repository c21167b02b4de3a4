import { LeaseLoop } from "../async/lease-loop.ts";
import { backoffMs } from "../domain/backoff.ts";
import type { Logger } from "../log.ts";
import type { IncidentEventRow } from "../store/repos/incident-events.ts";
import type { Store } from "../store/store.ts";
import { COALESCED_EVENT_KINDS, HandleLater, type DurableEventContext, type DurableEventSink, type DurableIncidentEvent } from "./incident-events.ts";

/**
 * Handles one event; an object it returns is kept as the event's outcome (for whoever waits for it),
 * except a HandleLater, which puts the event off (see there).
 */
export type DurableHandler = (event: DurableIncidentEvent, context: DurableEventContext) => Promise<unknown>;

export interface RelayOptions {
  /** How long a claim holds before another replica may take the event (renewed while held). */
  leaseMs?: number;
  /** How often an idle replica looks for events nobody holds. */
  pollMs?: number;
  /** Attempts before an event is parked with its error (the consumer's next event may then go). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Events claimed at a time (at most one per incident and consumer). */
  pageSize?: number;
}

/**
 * Hands durable incident events (`incident_events`, written in the incident's own transaction) to
 * their consumers in this process: any live replica claims the next event of an incident with a
 * lease, calls the consumer, and marks it done; a failure is retried with the one backoff, then
 * parked. A replica that dies mid-way leaves the lease to run out, and another replica handles the
 * event again, so consumers are idempotent (PagerDuty by dedup_key, Jira by the ticket's label).
 */
export class IncidentEventRelay implements DurableEventSink {
  private readonly o: Required<RelayOptions> & { store: Store; logger: Logger };
  private readonly handlers = new Map<string, DurableHandler>();
  private readonly lease: LeaseLoop<number>;

  constructor(options: RelayOptions & { store: Store; logger: Logger }) {
    this.o = { leaseMs: 30_000, pollMs: 1000, maxAttempts: 8, retryBaseMs: 1000, retryMaxMs: 60_000, pageSize: 50, ...options, logger: options.logger.child({ component: "incident-events" }) };
    const { store, leaseMs } = this.o;
    this.lease = new LeaseLoop({
      leaseMs,
      pollMs: this.o.pollMs,
      up: () => store.db.health.up(),
      pass: () => this.runOnce(),
      renew: (ids) => store.incidentEvents.renew(this.owner, ids, leaseMs),
      logger: this.o.logger,
      failed: { pass: "handling incident events failed; retrying", renew: "renewing incident event leases failed" },
    });
  }

  /** This replica's name on the events it claims. */
  get owner(): string {
    return this.lease.owner;
  }

  /** Registers the consumer: from now on every incident event is stored for it. */
  subscribe(consumer: string, handler: DurableHandler): () => void {
    this.handlers.set(consumer, handler);
    return () => {
      if (this.handlers.get(consumer) === handler) this.handlers.delete(consumer);
    };
  }

  consumers(): string[] {
    return [...this.handlers.keys()];
  }

  poke(): void {
    this.lease.poke();
  }

  /** Handles what is due soon: a poke when the relay runs, else one pass now (a caller waits for an event it appended). */
  runSoon(): void {
    if (this.lease.running) return this.poke();
    void this.runOnce().catch((e: unknown) => this.o.logger.warn({ err: e }, "handling incident events failed"));
  }

  start(): void {
    this.lease.start();
  }

  async stop(): Promise<void> {
    await this.lease.stop();
  }

  /** Handles what is due now until nothing of this process's consumers is left (tests, shutdown). */
  async idle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const consumers = this.consumers();
      let pending = 0;
      for (const c of consumers) pending += await this.o.store.incidentEvents.pendingCount(c);
      if (pending === 0 && this.lease.held.size === 0) return true;
      if (!this.lease.running) await this.runOnce();
      else this.poke();
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  /** Claims one page and handles it; returns how many events were claimed. */
  async runOnce(): Promise<number> {
    const claimed = await this.o.store.incidentEvents.claim(this.owner, this.consumers(), this.o.pageSize, this.o.leaseMs);
    for (const e of claimed) this.lease.held.add(e.id);
    try {
      // Alerts and changes only refresh what follows the whole incident: a later one does it for both.
      // What waits behind each is asked for the page in one statement (a storm's page is mostly such
      // events, each asked on its own before), and those a later one covers are done in another.
      const coalesced = claimed.filter((e) => COALESCED_EVENT_KINDS.includes(e.kind) && this.handlers.has(e.consumer));
      const later = await this.o.store.incidentEvents.laterMany(coalesced, [...COALESCED_EVENT_KINDS]);
      const covered = coalesced.filter((e) => later.get(e.id)?.ofKinds === true);
      await this.o.store.incidentEvents.doneMany(covered.map((e) => e.id));
      const rest = claimed.filter((e) => !covered.includes(e));
      await Promise.all(rest.map((e) => this.handle(e, later.get(e.id)?.any === true).finally(() => this.lease.held.delete(e.id))));
    } finally {
      for (const e of claimed) this.lease.held.delete(e.id);
    }
    return claimed.length;
  }

  /** Handles one claimed event; `waiting`: later events of its incident wait for its consumer. */
  private async handle(row: IncidentEventRow, waiting: boolean): Promise<void> {
    const handler = this.handlers.get(row.consumer);
    if (!handler) return this.o.store.incidentEvents.retryLater(row.id, this.o.pollMs, "no consumer in this replica");
    let result: unknown;
    try {
      result = await handler({ kind: row.kind, ...row.payload } as DurableIncidentEvent, { waiting });
      if (result instanceof HandleLater) {
        // Something appended since the look above waits behind it: handled again at once (then with `waiting`).
        if (!(await this.o.store.incidentEvents.defer(row.id, result.inMs))) await this.o.store.incidentEvents.retryLater(row.id, 0, "a later event waits");
        return;
      }
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (row.attempts >= this.o.maxAttempts) {
        this.o.logger.error({ err: e, event: row.id, consumer: row.consumer, incident: row.incidentId, kind: row.kind }, "incident event parked after repeated failures");
        return this.o.store.incidentEvents.park(row.id, error);
      }
      const delay = backoffMs(row.attempts - 1, { baseMs: this.o.retryBaseMs, maxMs: this.o.retryMaxMs, random: Math.random() });
      this.o.logger.warn({ err: e, event: row.id, consumer: row.consumer, incident: row.incidentId, kind: row.kind, retryInMs: delay }, "handling an incident event failed; it will be retried");
      return this.o.store.incidentEvents.retryLater(row.id, delay, error);
    }
    await this.o.store.incidentEvents.done(row.id, result !== null && typeof result === "object" ? (result as Record<string, unknown>) : undefined);
  }
}
