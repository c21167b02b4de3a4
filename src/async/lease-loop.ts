import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../log.ts";

/** This replica's name on the rows it claims: host, process and a random part (unique per start). */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

export interface LeaseLoopOptions<K> {
  /** How long a claim holds before another replica may take it; held claims are renewed every third of it. */
  leaseMs: number;
  /** How long an idle replica waits before it looks again (a poke cuts the wait short). */
  pollMs: number;
  /** Whether the database answers: no pass and no renewal while it does not. */
  up(): boolean;
  /** Claims what is due (as `owner`) and handles it, keeping `held` current; returns how many it claimed. */
  pass(): Promise<number>;
  /** Renews the leases of the claims this replica holds. */
  renew(keys: K[]): Promise<unknown>;
  logger: Logger;
  /** The warnings when a pass or a renewal fails (both are tried again). */
  failed: { pass: string; renew: string };
}

/**
 * The claim → handle → renew cycle of work any live replica may take under a lease (durable
 * incident events, stored webhook deliveries): a loop that passes again at once while a pass claims
 * something and sleeps `pollMs` when none does (a poke wakes it, or spares the sleep when it came
 * during the pass), and a heartbeat renewing the leases of what this replica holds. A replica that
 * dies stops renewing: its leases run out and another replica claims the work.
 */
export class LeaseLoop<K> {
  readonly owner = leaseOwner();
  /** Claims this replica holds (queued or being handled): their leases are renewed. */
  readonly held = new Set<K>();
  private readonly o: LeaseLoopOptions<K>;
  private on = false;
  private poked = false;
  private done?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;
  private wake?: () => void;

  constructor(options: LeaseLoopOptions<K>) {
    this.o = options;
  }

  get running(): boolean {
    return this.on;
  }

  start(): void {
    if (this.on) return;
    this.on = true;
    this.heartbeat = setInterval(() => void this.renew(), Math.max(200, Math.floor(this.o.leaseMs / 3)));
    this.heartbeat.unref?.();
    this.done = this.loop();
  }

  /** Stops looking for work and renewing; resolves once the pass under way has ended. */
  async stop(): Promise<void> {
    this.on = false;
    clearInterval(this.heartbeat);
    this.wake?.();
    await this.done;
  }

  /** Looks for work now rather than at the next poll. */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (this.on) {
      let claimed = 0;
      this.poked = false;
      try {
        if (this.o.up()) claimed = await this.o.pass();
      } catch (e) {
        this.o.logger.warn({ err: e }, this.o.failed.pass);
      }
      if (claimed === 0 && !this.poked && this.on) await this.sleep(this.o.pollMs);
    }
  }

  private async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.wake = undefined;
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0 || !this.o.up()) return;
    try {
      await this.o.renew([...this.held]);
    } catch (e) {
      this.o.logger.warn({ err: e }, this.o.failed.renew);
    }
  }
}
