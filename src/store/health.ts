import { backoffMs } from "../domain/backoff.ts";

/**
 * Whether the database answers. A connection failure marks the store down and starts a probe that
 * retries with capped exponential backoff; the first probe that answers marks it up again, so the
 * process recovers without a restart. /readyz and the webhook door read it.
 */
export interface StoreHealth {
  up(): boolean;
  /** Why it is down (the last connection error), or undefined when up. */
  reason(): string | undefined;
}

/** SQLSTATE classes and socket errors that mean "the connection, not the statement, failed". */
const CONNECTION_CODES = /^(08|57P|53)/;
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error|not currently accepting connections|Client was closed|Cannot use a pool after calling end/i;

export function isConnectionError(e: unknown): boolean {
  if (!e || typeof e !== "object") return false;
  const err = e as { code?: unknown; severity?: unknown; message?: unknown };
  if (typeof err.code === "string" && (CONNECTION_CODES.test(err.code) || SOCKET_CODES.has(err.code))) return true;
  if (err.severity === "FATAL") return true;
  return typeof err.message === "string" && CONNECTION_MESSAGES.test(err.message);
}

export const alwaysUp: StoreHealth = { up: () => true, reason: () => undefined };

export class ProbedHealth implements StoreHealth {
  private readonly probe: () => Promise<void>;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly onChange?: (up: boolean, reason?: string) => void;
  private downReason?: string;
  private probing = false;
  private closed = false;
  private timer?: NodeJS.Timeout;

  constructor(options: { probe: () => Promise<void>; minMs?: number; maxMs?: number; onChange?: (up: boolean, reason?: string) => void }) {
    this.probe = options.probe;
    this.minMs = options.minMs ?? 100;
    this.maxMs = options.maxMs ?? 1000;
    this.onChange = options.onChange;
  }

  up(): boolean {
    return this.downReason === undefined;
  }

  reason(): string | undefined {
    return this.downReason;
  }

  /** Called with every error the driver sees; only connection failures mark the store down. */
  report(e: unknown): void {
    if (this.closed || !isConnectionError(e)) return;
    const reason = e instanceof Error ? e.message : String(e);
    const wasUp = this.up();
    this.downReason = reason;
    if (wasUp) this.onChange?.(false, reason);
    this.startProbing();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private startProbing(): void {
    if (this.probing) return;
    this.probing = true;
    let attempt = 0;
    const next = () => {
      if (this.closed) return;
      const delay = backoffMs(attempt++, { baseMs: this.minMs, maxMs: this.maxMs });
      this.timer = setTimeout(() => {
        this.probe().then(
          () => {
            this.probing = false;
            if (this.closed || this.up()) return;
            this.downReason = undefined;
            this.onChange?.(true);
          },
          (e: unknown) => {
            if (e instanceof Error) this.downReason = e.message;
            next();
          },
        );
      }, delay);
      this.timer.unref();
    };
    next();
  }
}
