import { isoNow, systemClock, type Clock } from "../domain/clock.ts";
import { isAppError } from "../errors.ts";
import { getSource, receiveDelivery } from "../ingest/registry.ts";
import type { ParsedDelivery, ReceivedWebhook, SourceSecrets, WebhookRequest, WebhookSource } from "../ingest/types.ts";
import type { Logger } from "../log.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import type { Store } from "../store/store.ts";
import { DeliveryProcessor, parseStored, type ProcessorOptions } from "./delivery-processor.ts";
import type { DeliveryHandlers, StoredDeliveryBody } from "./types.ts";
import { DeliveryGroupCommit, type GroupCommitOptions } from "./group-commit.ts";
import { JournaledDoor, type JournaledDoorOptions, type RemoteJournal } from "./journaled-door.ts";
import type { DoorEntry, DoorOpening, SpillFile } from "./door-messages.ts";
import type { StoredEntry } from "./door-postgres.ts";
import { JsonText } from "../store/rows.ts";
import { accepted, duplicate, keptHeaders, STORE_RETRY_AFTER_S, storeUnavailable, type IntakeAnswer } from "./answers.ts";
import { RECENT_DELIVERY_KEYS } from "./recent-keys.ts";
import { BURST, type BurstOptions } from "./burst.ts";

export type { DeliveryHandlers, StoredDeliveryBody };
export { STORE_RETRY_AFTER_S, type IntakeAnswer };

/**
 * Accepts webhook deliveries: check size, signature and shape, store the delivery durably, answer,
 * then process it (see DeliveryProcessor: leased, recovered by any replica, retried, parked). A
 * redelivery (same delivery id) is answered 200 and does nothing.
 */
export class WebhookIntake {
  private readonly sources: Map<string, WebhookSource>;
  private readonly o: { store: Store; logger: Logger; metrics?: AppMetrics; secrets: SourceSecrets; handlers: DeliveryHandlers; clock: Clock; burst?: Partial<BurstOptions> };
  readonly processor: DeliveryProcessor;
  private readonly groupCommit: DeliveryGroupCommit;
  private readonly journaled?: JournaledDoor;
  private readonly journalOptions?: JournaledDoorOptions & { dir: string };
  private readonly databaseUrl?: string;

  /**
   * `clock`: the system's time, stamped on each delivery as it arrives (the simulation's in the
   * sandbox). `journal`: a folder for the door journal (the embedded store's door: a delivery is
   * durable once journaled, see JournaledDoor); without it each delivery is stored before its answer.
   * `databaseUrl`: the store's Postgres (DATABASE_URL), on which the door thread stores deliveries itself.
   */
  constructor(options: {
    sources: readonly WebhookSource[];
    store: Store;
    logger: Logger;
    metrics?: AppMetrics;
    secrets: SourceSecrets;
    handlers: DeliveryHandlers;
    clock: Clock;
    processing?: ProcessorOptions;
    groupCommit?: GroupCommitOptions;
    journal?: JournaledDoorOptions & { dir: string };
    databaseUrl?: string;
    /** When the door thread is in a burst, and how much it may spill (BURST by default; see burst.ts). */
    burst?: Partial<BurstOptions>;
  }) {
    this.sources = new Map(options.sources.map((s) => [s.name, s]));
    this.o = options;
    this.processor = new DeliveryProcessor({ ...options.processing, store: options.store, logger: options.logger, metrics: options.metrics, handlers: options.handlers, sources: this.sources });
    const processor = this.processor;
    const lease = () => ({ owner: processor.owner, ms: processor.leaseMs });
    this.groupCommit = new DeliveryGroupCommit({ ...options.groupCommit, deliveries: options.store.deliveries, logger: options.logger, lease });
    this.journalOptions = options.journal;
    this.databaseUrl = options.journal ? undefined : options.databaseUrl;
    if (options.journal)
      this.journaled = new JournaledDoor({
        ...options.journal,
        deliveries: options.store.deliveries,
        logger: options.logger,
        lease,
        submit: (source, parsed, urgent) => processor.submit(source, parsed, urgent),
        classify: (parsed) => processor.classify(parsed),
        urgentRoom: () => processor.urgentRoom,
        full: () => processor.full,
        leftInStore: () => processor.leftInStore(),
        parse: (sourceName, body) => this.reparse(sourceName, body),
      });
  }

  /**
   * What the door thread (door-thread.ts) needs to answer this intake's webhooks itself: where it makes
   * them durable (the journal's folder and options; on Postgres, the database and this replica's
   * processing lease), the sources and their secrets. Undefined with neither (each delivery is then
   * stored before its answer, by the main thread).
   */
  doorOpening(): DoorOpening | undefined {
    const j = this.journalOptions;
    const sink: DoorOpening["sink"] | undefined = j ? { kind: "journal", dir: j.dir, segmentBytes: j.segmentBytes, segmentMs: j.segmentMs, maxGroup: j.maxGroup } : this.databaseUrl ? { kind: "postgres", url: this.databaseUrl, lease: { owner: this.processor.owner, ms: this.processor.leaseMs } } : undefined;
    if (!sink) return undefined;
    return {
      sink,
      // Only the registry's own sources (the thread loads the registry; a source given here, a test's, stays on this thread).
      sources: [...this.sources].filter(([name, source]) => getSource(name) === source).map(([name]) => name),
      secrets: this.o.secrets,
      clockOffsetMs: this.clockOffsetMs(),
      maxUnmoved: j?.maxUnmoved ?? 20_000,
      recentKeys: j?.recentKeys ?? RECENT_DELIVERY_KEYS,
      burst: { ...BURST, ...this.o.burst },
    };
  }

  /** How far this intake's clock (the simulation's, in the sandbox) is ahead of the system's. */
  clockOffsetMs(): number {
    return this.o.clock.now() - systemClock.now();
  }

  /** Deliveries the door thread journaled and acknowledged (a group of them): moved into the store and processed. */
  adopt(entries: readonly DoorEntry[], remote: RemoteJournal): void {
    const journaled = this.journaled;
    if (!journaled) throw new Error("a journaled delivery handed to an intake without a journal");
    this.countAccepted(entries);
    for (const entry of entries) journaled.adopt({ source: entry.source, deliveryId: entry.deliveryId, body: new JsonText(entry.body) }, entry.parsed, entry.seq, remote);
  }

  /**
   * The door thread is in a burst (see burst.ts), or no longer: processing and the reading back of
   * spilled deliveries wait meanwhile, so that the door has the machine.
   */
  burst(on: boolean): void {
    this.o.logger.info(on ? "webhook burst: deliveries are made durable and answered, processing waits until it is over (new failures excepted)" : "webhook burst over: processing what it left, oldest first");
    if (on) this.o.metrics?.webhookBursts.inc();
    this.journaled?.hold(on);
    // On Postgres the burst's deliveries were stored unleased: claimed before any handed over after it.
    if (!on && !this.journaled) this.processor.leftInStore();
    this.processor.hold(on);
  }

  /** Spill files the door thread left during a burst: read back, moved into the store and processed. */
  spilled(files: readonly SpillFile[], remote: RemoteJournal): void {
    const journaled = this.journaled;
    if (!journaled) throw new Error("spilled deliveries handed to an intake without a journal");
    journaled.spilled(files, remote);
  }

  /** A delivery as stored (headers, raw body, arrival), parsed again; undefined if it does not parse. */
  private reparse(sourceName: string, body: unknown): ParsedDelivery | undefined {
    const source = this.sources.get(sourceName);
    const stored = body as StoredDeliveryBody;
    if (!source || typeof stored?.body !== "string") return undefined;
    try {
      return parseStored(source, stored);
    } catch {
      return undefined;
    }
  }

  /**
   * Deliveries the door thread stored on Postgres (leased to this replica) and acknowledged: processed
   * as the main thread's own group commit's are, not stored again.
   */
  adoptStored(entries: readonly StoredEntry[]): void {
    this.countAccepted(entries);
    for (const e of entries) this.processor.submit(e.source, e.parsed);
  }

  /** The door thread's acknowledged deliveries, counted once per run of one source (a group is mostly one). */
  private countAccepted(entries: readonly { source: string }[]): void {
    let source = "";
    let run = 0;
    for (const entry of entries) {
      if (entry.source !== source) {
        if (run > 0) this.countAnswered(source, "accepted", run);
        source = entry.source;
        run = 0;
      }
      run++;
    }
    if (run > 0) this.countAnswered(source, "accepted", run);
  }

  /** Counts `n` webhooks the door thread answered without handing them over (duplicates, refusals). */
  countAnswered(source: string, outcome: string, n = 1): void {
    this.o.metrics?.webhooksReceived.inc({ source, outcome }, n);
  }

  /** The body limit of a source this intake knows (undefined for an unknown one). */
  maxBytes(sourceName: string): number | undefined {
    return this.sources.get(sourceName)?.maxBytes;
  }

  sourceNames(): string[] {
    return [...this.sources.keys()].sort();
  }

  async accept(sourceName: string, request: WebhookRequest): Promise<IntakeAnswer> {
    const receivedAt = request.receivedAt ?? isoNow(this.o.clock);
    const req: ReceivedWebhook = { ...request, receivedAt };
    const source = this.sources.get(sourceName);
    if (!source) return { status: 404, body: { error: "unknown_source", detail: `no webhook source "${sourceName}"; known: ${this.sourceNames().join(", ")}` } };
    const count = (outcome: string) => this.o.metrics?.webhooksReceived.inc({ source: sourceName, outcome });
    try {
      const parsed = await receiveDelivery(source, req, this.o.secrets);
      const stored: StoredDeliveryBody = { headers: keptHeaders(req.headers), body: req.body.toString("utf8"), receivedAt };
      // Never a 2xx for a delivery that is not stored: while the database is down, answer 503 at once.
      const health = this.o.store.db.health;
      if (!health.up()) {
        count("store_unavailable");
        return storeUnavailable(health.reason() ?? "database unreachable");
      }
      let fresh: boolean;
      try {
        // Stored, with the concurrent deliveries of the same few milliseconds (group commit), under
        // this replica's lease: it processes the delivery now; if it dies, another claims it.
        const row = { source: sourceName, deliveryId: parsed.deliveryId, body: stored };
        // A body the store would refuse (a NUL character) is not journaled: it is answered by the store itself.
        if (this.journaled && !stored.body.includes("\u0000")) {
          // Journaled: processing gets it once it is moved into the store.
          fresh = await this.journaled.record(row, parsed);
          if (fresh) {
            count("accepted");
            return accepted(parsed);
          }
        } else fresh = await this.groupCommit.record(row);
      } catch (e) {
        count("store_unavailable");
        this.o.logger.error({ err: e, source: sourceName, deliveryId: parsed.deliveryId }, "webhook not stored; answered 503");
        return storeUnavailable(e instanceof Error ? e.message : String(e));
      }
      if (!fresh) {
        count("duplicate");
        return duplicate(parsed.deliveryId);
      }
      count("accepted");
      this.processor.submit(sourceName, parsed);
      return accepted(parsed);
    } catch (e) {
      if (isAppError(e)) {
        count(e.code);
        this.o.logger.warn({ source: sourceName, code: e.code, detail: e.message }, "webhook refused");
        return { status: e.status, body: { ok: false, error: e.code, detail: e.status === 401 ? e.userMessage : e.message } };
      }
      // No body makes a 5xx: whatever a verifier or parser did not expect is the body's problem.
      count("webhook_malformed");
      this.o.logger.error({ err: e, source: sourceName }, "webhook could not be read; answered 400");
      return { status: 400, body: { ok: false, error: "webhook_malformed", detail: `Malformed ${sourceName} webhook: body: could not be read` } };
    }
  }

  /**
   * Starts continuous recovery: pending deliveries nobody holds are claimed, at start and while
   * running — those an earlier process left in the door journal first stored.
   */
  start(): void {
    this.processor.start();
    void this.journaled?.recoverPrevious().then(
      (n) => n > 0 && this.processor.poke(),
      (e: unknown) => this.o.logger.error({ err: e }, "journaled deliveries of an earlier run not recovered; their files are kept for the next start"),
    );
  }

  async stop(): Promise<void> {
    await this.journaled?.stop();
    await this.processor.stop();
  }

  /** Claims and processes every pending delivery nobody holds, until none is left; returns how many. */
  async recover(): Promise<number> {
    return this.processor.recoverAll();
  }

  /** Waits for queued deliveries (journaled ones too) to be processed. */
  async drain(): Promise<void> {
    await this.journaled?.drain();
    await this.processor.drain();
  }
}
