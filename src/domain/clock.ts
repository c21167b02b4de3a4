/**
 * The system's time: when things happen in the watched system (alert and timeline times, grouping and
 * policy windows, metric ranges, verification windows). In the sandbox it is the simulation's clock,
 * which runs SIM_SPEED times faster than the wall clock; elsewhere the wall clock. The composition
 * root (src/app) picks one and passes it to everything that needs the time.
 *
 * Not for I/O bookkeeping (request deadlines, cache lifetimes, Slack's and vendors' rate limits):
 * those are wall-clock durations of this process and use `Date.now()` directly.
 */
export interface Clock {
  /** The system's time, unix ms. */
  now(): number;
  /** Waits `ms` of the system's time. */
  sleep(ms: number): Promise<void>;
  /**
   * Calls `fn` once `ms` of the system's time have passed (a debounce, a periodic look); returns a
   * cancel. The timer never holds the process open.
   */
  timer(ms: number, fn: () => void): () => void;
}

function wallTimer(ms: number, fn: () => void): () => void {
  const t = setTimeout(fn, Math.max(0, ms));
  t.unref?.();
  return () => clearTimeout(t);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  timer: wallTimer,
};

/** A clock read from elsewhere (the simulation, a test) that runs `speed` times faster than the wall clock. */
export function clockOf(now: () => number, speed = 1): Clock {
  const factor = speed > 0 ? speed : 1;
  return { now, sleep: (ms) => new Promise((r) => setTimeout(r, ms / factor)), timer: (ms, fn) => wallTimer(ms / factor, fn) };
}

/** The clock's time as an ISO-8601 string. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
