import { readFile } from "node:fs/promises";
import type { ParsedDelivery } from "../ingest/types.ts";
import type { Logger } from "../log.ts";
import { isConnectionError } from "../store/health.ts";
import type { DeliveryRepo } from "../store/repos/deliveries.ts";
import { JsonText } from "../store/rows.ts";
import { DoorJournal, type DoorJournalOptions, type JournalEntry, readEntries } from "./door-journal.ts";
import type { SpillFile } from "./door-messages.ts";
import { RECENT_DELIVERY_KEYS, RecentKeys } from "./recent-keys.ts";
import type { DeliveryRow } from "./group-commit.ts";

interface Unmoved {
  row: DeliveryRow;
  /** Undefined for a spilled delivery that could not be parsed again: stored unleased (processing parks it). */
  parsed?: ParsedDelivery;
  key: string;
  seq: number;
  /** It would open an incident: handed to processing's priority lane, even when processing is full. */
  urgent: boolean;
  /**
   * Whose journal holds it, and is told once it is moved: this door's own, the door thread's
   * (door-thread.ts, which handed it over), or the door thread's spill journal (read back from it).
   */
  from: "self" | "door" | "spill";
  /** Arrival order among what this door was handed (a spill file's entries come before any later). */
  order: number;
}

/** The door thread's journal, as the main thread reaches it. */
export interface RemoteJournal {
  moved(seq: number, n: number): void;
  /** `n` entries of its spill segment `seq` are in the store. */
  spillMoved(seq: number, n: number): void;
  /** `n` entries it handed over are settled (stored, or refused and left in its journal). */
  settled(n: number): void;
}

export interface JournaledDoorOptions extends DoorJournalOptions {
  /** Most journaled deliveries moved into the store in one statement. */
  moveBatch?: number;
  /**
   * How long deliveries are gathered before a move (unless a batch is full, or a move is already in
   * flight, behind which they gather anyway): each statement has a cost of its own on the embedded
   * database's one thread, about that of 8 deliveries' rows (6,000 deliveries moved 2 at a time
   * 0.45-0.58 ms each, 20 at a time 0.11-0.13 ms), and a storm of 200/s came in groups of one or two.
   */
  moveWindowMs?: number;
  /** Journaled deliveries not yet in the store past which the door waits for the store (memory stays bounded). */
  maxUnmoved?: number;
  /** Delivery keys remembered to answer a redelivery as a duplicate without asking the store. */
  recentKeys?: number;
}

/** Where moved deliveries go: processing (DeliveryProcessor's submit, full and leftInStore). */
interface Processing {
  /** Hands a delivery stored leased to this replica to processing (`urgent`: as classify said). */
  submit: (source: string, parsed: ParsedDelivery, urgent: boolean) => void;
  /**
   * Notes a journaled delivery, in arrival order; true when it would open an incident, so that it is
   * processed before those that wait (stored leased and handed over even while processing is full).
   */
  classify?: (parsed: ParsedDelivery) => boolean;
  /** Whether processing's priority lane has room now. */
  urgentRoom?: () => boolean;
  /** Whether processing has no room now: a batch moved then is stored unleased, for the recovery loop to claim. */
  full?: () => boolean;
  /** Told that deliveries were stored unleased because processing had no room. */
  leftInStore?: () => void;
  /** A spilled delivery read back, parsed again from its stored body (undefined: it does not parse). */
  parse?: (source: string, body: unknown) => ParsedDelivery | undefined;
}

const keyOf = (r: { source: string; deliveryId: string }) => `${r.source}\n${r.deliveryId}`;
const RETRY_MS = 1000;
/** The gathering window before a move (JournaledDoorOptions.moveWindowMs). */
export const MOVE_WINDOW_MS = 25;

/**
 * The embedded store's webhook door: a delivery is durable once it is in the door journal (a file
 * under the data folder, synced in groups), and is answered then — not after a turn of the embedded
 * database's one connection, which processing holds for whole transactions. Journaled deliveries
 * are moved into the store in bulk (one statement for many), leased to this replica, and handed to
 * processing only if the store did not have them yet, so a redelivery is processed once. At start,
 * whatever an earlier process journaled but had not moved is stored (unleased: processing claims
 * it) before its file is removed.
 *
 * A redelivery of a delivery the door still remembers (or is writing) is answered as a duplicate;
 * an older one is answered as accepted, and the store — which has it — drops it.
 */
export class JournaledDoor {
  private readonly journal: DoorJournal;
  /** The door thread's spill journal, as found at start (what a crash left in it is recovered with the journal's). */
  private readonly spillJournal: DoorJournal;
  /** Spill files the door thread reported, not yet read back; `order`: entries handed over before them have a lower one. */
  private readonly spillFiles: Array<SpillFile & { order: number }> = [];
  private arrivals = 0;
  /** The door is in a burst: spill files wait (see burst.ts). */
  private held = false;
  private readonly o: Required<Omit<JournaledDoorOptions, keyof DoorJournalOptions>> & Processing & { deliveries: DeliveryRepo; lease: () => { owner: string; ms: number }; logger: Logger };
  private readonly writing = new Map<string, Promise<number>>();
  private readonly recent: RecentKeys;
  private unmoved: Unmoved[] = [];
  private moving?: Promise<void>;
  private gathering?: NodeJS.Timeout;
  private room?: { promise: Promise<void>; resolve(): void };
  private remote?: RemoteJournal;

  constructor(options: JournaledDoorOptions & Processing & { dir: string; deliveries: DeliveryRepo; lease: () => { owner: string; ms: number }; logger: Logger }) {
    const { dir, segmentBytes, segmentMs, maxGroup, role: _role, ...rest } = options;
    this.journal = new DoorJournal(dir, { segmentBytes, segmentMs, maxGroup });
    this.spillJournal = new DoorJournal(dir, { role: "spill" });
    this.o = { ...rest, moveBatch: rest.moveBatch ?? 1000, moveWindowMs: rest.moveWindowMs ?? MOVE_WINDOW_MS, maxUnmoved: rest.maxUnmoved ?? 20_000, recentKeys: rest.recentKeys ?? RECENT_DELIVERY_KEYS };
    this.recent = new RecentKeys(this.o.recentKeys);
  }

  /** Journals a delivery; true once it is on disk, false for a redelivery the door remembers. */
  async record(given: DeliveryRow, parsed: ParsedDelivery): Promise<boolean> {
    const key = keyOf(given);
    const first = this.writing.get(key);
    if (first) {
      await first; // the same delivery, concurrently: a duplicate once the first is on disk (its failure if it failed)
      return false;
    }
    if (this.recent.has(key)) return false;
    while (this.unmoved.length >= this.o.maxUnmoved) await this.waitForRoom();
    // Serialised once: the journal's line and the store's insert take the same text.
    const row = { ...given, body: JsonText.of(given.body) };
    const written = this.journal.append(row);
    this.writing.set(key, written);
    try {
      const seq = await written;
      this.recent.add(key);
      this.unmoved.push({ row, parsed, key, seq, urgent: this.o.classify?.(parsed) ?? false, from: "self", order: this.arrivals++ });
      this.kick();
      return true;
    } finally {
      this.writing.delete(key);
    }
  }

  /**
   * Takes a delivery the door thread journaled (and answered): moved into the store with the others,
   * its segment's removal left to the door thread's journal (`remote`).
   */
  adopt(row: DeliveryRow, parsed: ParsedDelivery, seq: number, remote: RemoteJournal): void {
    this.remote = remote;
    const key = keyOf(row);
    this.unmoved.push({ row, parsed, key, seq, urgent: this.o.classify?.(parsed) ?? false, from: "door", order: this.arrivals++ });
    this.kick();
  }

  /**
   * Spill files the door thread left during a burst (sealed, oldest first): read back and moved after
   * what it handed over before them, and before what it hands over after, so that the store has the
   * deliveries in the order they came.
   */
  spilled(files: readonly SpillFile[], remote: RemoteJournal): void {
    this.remote = remote;
    for (const f of files) this.spillFiles.push({ ...f, order: this.arrivals });
    this.kick(true);
  }

  /** While the door is in a burst spill files wait, so that the door has the machine (see burst.ts). */
  hold(on: boolean): void {
    this.held = on;
    if (!on) this.kick(true);
  }

  /** Stores what an earlier process journaled but had not moved, then removes its files. Returns how many were new to the store. */
  async recoverPrevious(): Promise<number> {
    let fresh = 0;
    for (const { path, entries } of [...this.journal.previous(), ...this.spillJournal.previous()]) {
      for (let i = 0; i < entries.length; i += this.o.moveBatch) fresh += (await this.storeUnleased(entries.slice(i, i + this.o.moveBatch))).size;
      await this.journal.drop(path);
    }
    if (fresh > 0) this.o.logger.info({ deliveries: fresh }, "journaled webhook deliveries recovered into the store");
    return fresh;
  }

  /** Resolves once every delivery journaled so far is in the store (and handed to processing). */
  async drain(): Promise<void> {
    this.hold(false);
    for (;;) {
      await this.journal.settled();
      if (this.gathering) this.kick(true);
      if (this.moving) await this.moving;
      else if (this.writing.size === 0 && this.unmoved.length === 0 && this.spillFiles.length === 0) return;
      else await new Promise((r) => setImmediate(r));
    }
  }

  async stop(): Promise<void> {
    await this.drain();
    await this.journal.close();
  }

  private waitForRoom(): Promise<void> {
    if (!this.room) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.room = { promise, resolve };
    }
    return this.room.promise;
  }

  /** Moves what waits: at once (`now`, or a full batch), else once the gathering window closes. */
  private kick(now = false): void {
    if (this.moving) return;
    if (!now && this.unmoved.length < this.o.moveBatch && this.o.moveWindowMs > 0) {
      this.gathering ??= setTimeout(() => this.kick(true), this.o.moveWindowMs);
      return;
    }
    clearTimeout(this.gathering);
    this.gathering = undefined;
    this.moving = this.move()
      .catch((e: unknown) => this.o.logger.error({ err: e }, "moving journaled deliveries into the store failed; retrying"))
      .finally(() => {
        this.moving = undefined;
        if (this.older() > 0 || this.readable()) this.kick(true);
      });
  }

  /** How many of those waiting came before the next spill file (all of them without one). */
  private older(): number {
    const file = this.spillFiles[0];
    if (!file) return this.unmoved.length;
    let n = 0;
    while (n < this.unmoved.length && this.unmoved[n]!.order < file.order) n++;
    return n;
  }

  /** Whether the next spill file may be read back: nothing older waits, and the door is not in a burst. */
  private readable(): boolean {
    return this.spillFiles.length > 0 && !this.held && this.older() === 0;
  }

  private async move(): Promise<void> {
    for (;;) {
      const older = this.older();
      if (older > 0) {
        const batch = this.unmoved.splice(0, Math.min(older, this.o.moveBatch));
        if (this.room && this.unmoved.length < this.o.maxUnmoved) {
          this.room.resolve();
          this.room = undefined;
        }
        await this.moveBatch(batch);
      } else if (this.readable()) await this.readBack(this.spillFiles.shift()!);
      else return;
    }
  }

  /** A spill file's deliveries, parsed again and moved as if handed over, a batch at a time. */
  private async readBack(file: SpillFile): Promise<void> {
    let entries: JournalEntry[];
    try {
      entries = readEntries(await readFile(file.path, "utf8"));
    } catch (e) {
      this.o.logger.error({ err: e, file: file.path }, "a door spill file could not be read back; it is kept for the next start");
      return;
    }
    for (let i = 0; i < entries.length; i += this.o.moveBatch) {
      await this.moveBatch(
        entries.slice(i, i + this.o.moveBatch).map((e) => {
          const again = this.o.parse?.(e.source, e.body);
          const parsed = again && { ...again, deliveryId: e.deliveryId };
          const row = { source: e.source, deliveryId: e.deliveryId, body: JsonText.of(e.body) };
          return { row, parsed, key: keyOf(row), seq: file.seq, urgent: parsed ? (this.o.classify?.(parsed) ?? false) : false, from: "spill" as const, order: 0 };
        }),
      );
    }
  }

  private async moveBatch(batch: Unmoved[]): Promise<void> {
    // Processing has no room: stored unleased (claimed with the backlog), not leased and given back;
    // but those that would open an incident are stored leased and handed to its priority lane. One
    // that does not parse (read back from a spill file) is stored unleased: processing parks it.
    const full = this.o.full?.() ?? false;
    const urgentRoom = full && (this.o.urgentRoom?.() ?? false);
    const leasable = (m: Unmoved) => m.parsed !== undefined && (!full || (urgentRoom && m.urgent));
    const refused = new Set<string>();
    for (const [part, leased] of [
      [batch.filter(leasable), true],
      [batch.filter((m) => !leasable(m)), false],
    ] as const) {
      if (part.length === 0) continue;
      const stored = await this.store(part, leased);
      for (const k of stored.refused) refused.add(k);
      if (leased) for (const m of part) if (stored.fresh.has(m.key)) this.o.submit(m.row.source, m.parsed!, m.urgent);
      if (!leased && stored.fresh.size > 0) this.o.leftInStore?.();
    }
    const counts = { self: new Map<number, number>(), door: new Map<number, number>(), spill: new Map<number, number>() };
    let remoteSettled = 0;
    for (const m of batch) {
      if (m.from === "door") remoteSettled++;
      if (refused.has(m.key)) continue;
      counts[m.from].set(m.seq, (counts[m.from].get(m.seq) ?? 0) + 1);
    }
    for (const [seq, n] of counts.door) this.remote?.moved(seq, n);
    for (const [seq, n] of counts.spill) this.remote?.spillMoved(seq, n);
    if (remoteSettled > 0) this.remote?.settled(remoteSettled);
    for (const [seq, n] of counts.self) await this.journal.moved(seq, n).catch((e: unknown) => this.o.logger.warn({ err: e }, "could not remove a door journal file"));
  }

  /**
   * Stores a batch, leased to this replica or not. While the store is unreachable it keeps trying (the
   * entries are safe in the journal). A batch the store refuses is stored one by one; a delivery it
   * refuses alone stays in the journal (its file is kept and read again at the next start).
   */
  private async store(batch: Unmoved[], leased: boolean): Promise<{ fresh: Set<string>; refused: Set<string> }> {
    const rows = batch.map((m) => m.row);
    for (;;) {
      try {
        return { fresh: await this.o.deliveries.recordMany(rows, leased ? this.o.lease() : undefined), refused: new Set() };
      } catch (e) {
        if (isConnectionError(e)) {
          this.o.logger.warn({ err: e, deliveries: rows.length }, "journaled deliveries not stored yet (database unreachable); retrying");
          await new Promise((r) => setTimeout(r, RETRY_MS));
          continue;
        }
        if (rows.length === 1) return { fresh: new Set(), refused: this.refused(batch, e) };
        this.o.logger.warn({ err: e, deliveries: rows.length }, "a batch of journaled deliveries was refused; storing them one by one");
        const fresh = new Set<string>();
        const refused = new Set<string>();
        for (const m of batch) {
          const one = await this.store([m], leased);
          for (const k of one.fresh) fresh.add(k);
          for (const k of one.refused) refused.add(k);
        }
        return { fresh, refused };
      }
    }
  }

  private refused(batch: Unmoved[], e: unknown): Set<string> {
    for (const m of batch) this.o.logger.error({ err: e, source: m.row.source, deliveryId: m.row.deliveryId }, "the store refused a journaled delivery; it stays in the door journal");
    return new Set(batch.map((m) => m.key));
  }

  private async storeUnleased(entries: JournalEntry[]): Promise<Set<string>> {
    try {
      return await this.o.deliveries.recordMany(entries);
    } catch (e) {
      if (entries.length === 1 || isConnectionError(e)) throw e;
      const fresh = new Set<string>();
      for (const entry of entries) for (const k of await this.storeUnleased([entry])) fresh.add(k);
      return fresh;
    }
  }
}
