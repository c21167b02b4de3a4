import type { ParsedDelivery, SourceSecrets } from "../ingest/types.ts";
import type { BurstOptions } from "./burst.ts";
import type { DoorJournalOptions } from "./door-journal.ts";
import type { PostgresDoorOpening, StoredEntry } from "./door-postgres.ts";
import type { HandoverBatch } from "./handover.ts";

/** The messages between the main thread (door-worker.ts) and the webhook door's thread (door-thread.ts). */

/** Where the door makes a delivery durable before its 2xx, by the store's kind. */
export type DoorSinkOpening = ({ kind: "journal"; dir: string } & DoorJournalOptions) | ({ kind: "postgres" } & PostgresDoorOpening);

/** From the main thread. */
export type ToDoor =
  | { t: "open"; sink: DoorSinkOpening; sources: string[]; secrets: SourceSecrets; clockOffsetMs: number; maxUnmoved: number; recentKeys: number; burst?: BurstOptions }
  | { t: "shut" }
  | { t: "health"; up: boolean }
  | { t: "clock"; offsetMs: number }
  | { t: "moved"; seq: number; n: number }
  /** `n` entries of spill segment `seq` are in the store. */
  | { t: "spillMoved"; seq: number; n: number }
  | { t: "settled"; n: number }
  | { t: "quiesce" }
  | { t: "stop" };

/** To the main thread. */
export type FromDoor =
  | { t: "listening"; port: number }
  | ({ t: "batch" } & HandoverBatch<DoorEntry>)
  /** Deliveries the door stored on Postgres (one group commit's): processed, not stored again. */
  | { t: "stored"; entries: StoredEntry[] }
  /** The door is in a burst (see burst.ts): it spills what comes and hands nothing over until `on` is false. */
  | { t: "burst"; on: boolean }
  /** Spill segments, sealed, whose entries are not in the store yet (oldest first): to be read back and moved. */
  | { t: "spilled"; files: SpillFile[] }
  | { t: "log"; level: "warn" | "error"; msg: string; data: Record<string, unknown> }
  | { t: "quiet" }
  | { t: "stopped" };

/** A delivery the door thread journaled and acknowledged, handed to the main thread to move into the store. */
export interface DoorEntry {
  source: string;
  deliveryId: string;
  /** The stored body's JSON text (what the journal holds). */
  body: string;
  parsed: ParsedDelivery;
  seq: number;
}

/** A sealed segment of the door's spill journal: `n` deliveries journaled and answered, in no store yet. */
export interface SpillFile {
  seq: number;
  path: string;
  n: number;
}

export type DoorOpening = Omit<Extract<ToDoor, { t: "open" }>, "t">;
