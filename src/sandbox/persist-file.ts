import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log.ts";

export interface SnapshotFile {
  /** Writes the state now when it changed. */
  flush(): void;
  close(): void;
}

/**
 * Keeps a sandbox part's state (the Jira issues, the PagerDuty incidents) in a file of the data
 * folder: restored at start, so a restarted sandbox still has what the bot linked to, and written
 * (atomically: a temporary file renamed over the old one) whenever it changed, looked at every
 * `everyMs`.
 */
export function persistSnapshots(o: { file: string; what: string; snapshot(): string; restore(json: string): void; logger?: Logger; everyMs?: number }): SnapshotFile {
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
  const timer = setInterval(flush, o.everyMs ?? 500);
  timer.unref?.();
  return {
    flush,
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
