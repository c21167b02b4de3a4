import type { RunCoordinator } from "node-cron";
import { silentLogger, type Logger } from "../../log.ts";
import type { Db } from "../../store/db.ts";
import { lockHolder, LOCKS } from "../../store/locks.ts";

/**
 * Election checks a replica sits out after losing the lead without stepping down (its lock
 * connection was cut), besides the one that found the loss. The others try first, on that tick and
 * the next: otherwise the replica that just lost it, checking on the same tick, could take it straight
 * back, and a replica whose database connection is cut (a partition, a restarting pooler) would keep
 * the lead flapping on itself. One: a replica alone is without a leader for one tick more (the SLI
 * poller's election runs every 15 s; its first poll after taking over backfills what it missed).
 */
const LOST_LEAD_BACKOFF_CHECKS = 1;

/** Advisory lock key of the SLI poller (other keys: src/store/migrate.ts, outbox, correlation, …). */
export const POLL_LEADER_LOCK = LOCKS.pollLeader;

/**
 * One replica at a time runs the poll: the one holding a session-level Postgres advisory lock.
 * Postgres frees the lock when the holder's connection dies (process crash, network loss), and the
 * other replicas try to take it on every election tick, so one of them takes over within a tick.
 *
 * The holder re-checks that it still holds the lock before each run (`pg_locks`: the lock's
 * holder pid must still be the connection that took it), so a replica whose lock connection was
 * cut does not keep polling beside the new leader.
 *
 * PGlite has a single session in which advisory locks are re-entrant: pollers sharing one PGlite
 * database in one process are kept apart by an in-process claim on top of the lock.
 *
 * It is also a node-cron `RunCoordinator`: `shouldRun` answers whether this replica leads now.
 */
export class AdvisoryLockLeader implements RunCoordinator {
  private readonly db: Db;
  private readonly key: number;
  private readonly logger: Logger;
  private readonly onChange?: (leader: boolean) => void;
  private readonly onLost?: () => void;
  private release?: () => Promise<void>;
  private holderPid?: number;
  private pending?: Promise<boolean>;
  private closed = false;
  /** Checks left before this replica, having lost the lead, tries to take it again (see LOST_LEAD_BACKOFF_CHECKS). */
  private backoff = 0;

  /** What the lead is for, in log lines (default: the SLI poller). */
  private readonly role: string;

  /** `onChange` on every gain and loss; `onLost` only when the lead was lost without stepping down. */
  constructor(options: { db: Db; key?: number; logger?: Logger; onChange?: (leader: boolean) => void; onLost?: () => void; role?: string }) {
    this.role = options.role ?? "SLI poller";
    this.db = options.db;
    this.key = options.key ?? POLL_LEADER_LOCK;
    this.logger = options.logger ?? silentLogger;
    this.onChange = options.onChange;
    this.onLost = options.onLost;
  }

  get isLeader(): boolean {
    return this.release !== undefined;
  }

  /** node-cron RunCoordinator: run only on the leader (taking the lead if it is free). */
  shouldRun(): Promise<boolean> {
    return this.ensure();
  }

  /** Takes the lock if free, or checks it is still ours; true while this replica leads. */
  ensure(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.pending ??= this.check().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async check(): Promise<boolean> {
    if (this.release) {
      if (await this.stillHeld()) return true;
      this.logger.warn({ key: this.key }, `${this.role} leadership lost (lock connection gone); stepping down`);
      this.onLost?.();
      await this.drop(true);
      this.backoff = LOST_LEAD_BACKOFF_CHECKS;
      return false;
    }
    if (this.backoff > 0) {
      this.backoff--;
      return false;
    }
    const claims = claimsOf(this.db);
    const other = claims.get(this.key);
    if (other && other !== this) return false;
    // Claimed before the await, so two pollers of one process cannot both try at once.
    claims.set(this.key, this);
    let release: (() => Promise<void>) | null;
    try {
      release = await this.db.tryAdvisoryLock(this.key);
    } catch (e) {
      claims.delete(this.key);
      throw e;
    }
    if (!release || this.closed) {
      claims.delete(this.key);
      if (release) await release().catch(() => undefined);
      return false;
    }
    this.release = release;
    this.holderPid = await this.holder();
    this.logger.info({ key: this.key, backendPid: this.holderPid }, `this replica is now the ${this.role}`);
    this.onChange?.(true);
    return true;
  }

  /** The backend holding the lock (undefined when nobody does or pg_locks is not readable). */
  private holder(): Promise<number | undefined> {
    return lockHolder(this.db, this.key);
  }

  private async stillHeld(): Promise<boolean> {
    if (this.holderPid === undefined) return true; // nothing to compare with: trust the lock
    try {
      return (await this.holder()) === this.holderPid;
    } catch {
      return true;
    }
  }

  private async drop(unlock: boolean): Promise<void> {
    const release = this.release;
    if (!release) return;
    this.release = undefined;
    this.holderPid = undefined;
    const claims = claimsOf(this.db);
    if (claims.get(this.key) === this) claims.delete(this.key);
    if (unlock) await release().catch((e: unknown) => this.logger.debug({ err: e }, "advisory unlock failed (connection already gone)"));
    this.onChange?.(false);
  }

  /** Gives the lead up (graceful shutdown): another replica takes it at its next election tick. */
  async resign(): Promise<void> {
    this.closed = true;
    await this.pending?.catch(() => false);
    await this.drop(true);
  }

  /**
   * Forgets the lead without unlocking, as a crashed process would (tests). With PGlite the
   * session outlives it, so the in-process claim is what frees the lead.
   */
  abandon(): void {
    this.closed = true;
    this.release = undefined;
    this.holderPid = undefined;
    const claims = claimsOf(this.db);
    if (claims.get(this.key) === this) claims.delete(this.key);
  }
}

const claimsByDb = new WeakMap<Db, Map<number, AdvisoryLockLeader>>();

function claimsOf(db: Db): Map<number, AdvisoryLockLeader> {
  let m = claimsByDb.get(db);
  if (!m) {
    m = new Map();
    claimsByDb.set(db, m);
  }
  return m;
}
