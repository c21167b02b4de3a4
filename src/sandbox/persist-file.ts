import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log.ts";

export interface SnapshotFile {
  /** Writes the state now when it changed. */
  flush(): void;
  close(): void;
}

/**
 * How many times its own cost a state file waits between two writes: a snapshot serialises the whole
 * state, which grows with every incident (200 Jira tickets with their histories, a workspace of 200
 * threads), so at a fixed period writing it came to take most of the sandbox's CPU (0.05 -> 0.28 of a
 * core over a 10-minute storm, 80 % of it snapshots). Paced by its cost, it takes at most 1/20 of it.
 */
export const PERSIST_COST_FACTOR = 20;

/** The wait before the next look at a state file: `baseMs`, or longer when the last one cost more than 1/PERSIST_COST_FACTOR of that. */
export function persistDelay(baseMs: number, lastCostMs: number): number {
  return Math.max(baseMs, Math.ceil(PERSIST_COST_FACTOR * lastCostMs));
}

/**
 * Keeps a sandbox part's state (the Jira issues, the PagerDuty incidents) in a file of the data
 * folder: restored at start, so a restarted sandbox still has what the bot linked to, and written
 * (atomically: a temporary file renamed over the old one) whenever it changed, looked at every
 * `everyMs` — or, once a look costs more than 1/PERSIST_COST_FACTOR of that, paced by its cost
 * (`elapsedMs` measures it). Close and flush write at once.
 */
export function persistSnapshots(o: { file: string; what: string; snapshot(): string; restore(json: string): void; logger?: Logger; everyMs?: number; elapsedMs?: () => number }): SnapshotFile {
  let last: string | undefined;
  if (existsSync(o.file)) {
    try {
      last = readFileSync(o.file, "utf8");
      o.restore(last);
      o.logger?.info({ file: o.file }, `sandbox ${o.what} restored`);
    } catch (e) {
      last = undefined;
      o.logger?.warn({ err: e, file: o.file }, `sandbox ${o.what} file unreadable; starting fresh`);
    }
  }
  mkdirSync(dirname(o.file), { recursive: true });
  const flush = () => {
    try {
      const now = o.snapshot();
      if (now === last) return;
      writeFileSync(`${o.file}.tmp`, now);
      renameSync(`${o.file}.tmp`, o.file);
      last = now;
    } catch (e) {
      o.logger?.warn({ err: e, file: o.file }, `sandbox ${o.what} not saved`);
    }
  };
  const elapsed = o.elapsedMs ?? (() => performance.now());
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      const t0 = elapsed();
      flush();
      schedule(persistDelay(o.everyMs ?? 500, elapsed() - t0));
    }, delayMs);
    timer.unref?.();
  };
  schedule(o.everyMs ?? 500);
  return {
    flush,
    close() {
      clearTimeout(timer);
      flush();
    },
  };
}
