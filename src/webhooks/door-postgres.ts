import type { ParsedDelivery } from "../ingest/types.ts";
import type { StoreHealth } from "../store/health.ts";
import { openPostgresDb } from "../store/pg-db.ts";
import { DeliveryRepo } from "../store/repos/deliveries.ts";
import type { JsonText } from "../store/rows.ts";
import { DeliveryGroupCommit, type GroupLog } from "./group-commit.ts";

/** What the door thread needs to store deliveries on Postgres itself (see PostgresDoorSink). */
export interface PostgresDoorOpening {
  /** DATABASE_URL: the thread opens a small pool of its own on it. */
  url: string;
  /** The main thread's processing lease (DeliveryProcessor's owner and lease time): the rows are stored leased to it. */
  lease: { owner: string; ms: number };
}

/** A delivery the door thread stored, handed to the main thread for processing (it is not stored again). */
export interface StoredEntry {
  source: string;
  deliveryId: string;
  parsed: ParsedDelivery;
}

/**
 * The door thread's durable sink on Postgres, where durability is the database, not a local file (a
 * replica's disk dies with it): deliveries are group-committed into webhook_deliveries over the
 * thread's own connections — every delivery that arrived while the previous insert was in flight goes
 * into the next one statement — with the same lease and duplicate detection (the delivery's unique
 * key) as the main thread's group commit, so a redelivery is a duplicate and any replica recovers a
 * dead one's leased rows. `committed` hears of each group's new deliveries before any of them is
 * answered.
 */
export class PostgresDoorSink {
  private readonly close_: () => Promise<void>;
  private readonly health: StoreHealth;
  private readonly group: DeliveryGroupCommit<StoredEntry & { body: JsonText }>;
  /** In a burst, what would open an incident: stored leased and handed over (see BurstLane), in groups of its own. */
  private readonly urgent: DeliveryGroupCommit<StoredEntry & { body: JsonText }>;

  private constructor(o: { health: StoreHealth; close: () => Promise<void>; group: DeliveryGroupCommit<StoredEntry & { body: JsonText }>; urgent: DeliveryGroupCommit<StoredEntry & { body: JsonText }> }) {
    this.health = o.health;
    this.close_ = o.close;
    this.group = o.group;
    this.urgent = o.urgent;
  }

  /** `unleased`: while true (a burst, see burst.ts) groups are stored unleased and not handed over: processing claims them once it is over. */
  static async open(o: PostgresDoorOpening & { logger: GroupLog; committed: (entries: StoredEntry[], leased: boolean) => void; unleased: () => boolean }): Promise<PostgresDoorSink> {
    // Three connections: the group in flight, a burst's urgent group, and the health probe (or a group while a probe runs).
    const db = await openPostgresDb(o.url, { max: 3 });
    const deliveries = new DeliveryRepo(db);
    const committed = (rows: Array<StoredEntry & { body: JsonText }>, leased: boolean) =>
      o.committed(
        rows.map((r) => ({ source: r.source, deliveryId: r.deliveryId, parsed: r.parsed })),
        leased,
      );
    const group = new DeliveryGroupCommit<StoredEntry & { body: JsonText }>({ deliveries, lease: () => (o.unleased() ? undefined : o.lease), logger: o.logger, committed });
    const urgent = new DeliveryGroupCommit<StoredEntry & { body: JsonText }>({ deliveries, lease: () => o.lease, logger: o.logger, committed });
    return new PostgresDoorSink({ health: db.health, close: () => db.close(), group, urgent });
  }

  /** Whether the database answers this thread's connections. */
  up(): boolean {
    return this.health.up();
  }

  /** Stores a delivery with its group; true once committed new, false for a redelivery. `urgent`: leased and handed over even in a burst. */
  record(entry: StoredEntry & { body: JsonText }, urgent = false): Promise<boolean> {
    return (urgent ? this.urgent : this.group).record(entry);
  }

  close(): Promise<void> {
    return this.close_();
  }
}
