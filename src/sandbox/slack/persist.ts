import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../../log.ts";
import { persistDelay } from "../persist-file.ts";
import type { SlackWorkspace } from "./workspace.ts";

export interface WorkspaceFile {
  /** Writes pending changes now. */
  flush(): void;
  close(): void;
}

/**
 * Keeps the sandbox Slack workspace in a file of the data folder: loaded at start (a restarted
 * sandbox still has its channels, messages and threads, so later edits find their messages) and
 * written shortly after each change (atomically: a temporary file renamed over the old one):
 * `debounceMs` after it, or, once a write costs more than 1/PERSIST_COST_FACTOR of that, paced by the
 * last write's cost (`elapsedMs` measures it).
 */
export function persistWorkspace(ws: SlackWorkspace, file: string, logger?: Logger, debounceMs = 100, elapsedMs: () => number = () => performance.now()): WorkspaceFile {
  if (existsSync(file)) {
    try {
      ws.restore(readFileSync(file, "utf8"));
      logger?.info({ file }, "sandbox Slack workspace restored");
    } catch (e) {
      logger?.warn({ err: e, file }, "sandbox Slack workspace file unreadable; starting fresh");
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let wait = debounceMs;
  const write = () => {
    timer = undefined;
    const t0 = elapsedMs();
    try {
      writeFileSync(`${file}.tmp`, ws.snapshot());
      renameSync(`${file}.tmp`, file);
    } catch (e) {
      logger?.warn({ err: e, file }, "sandbox Slack workspace not saved");
    }
    wait = persistDelay(debounceMs, elapsedMs() - t0);
  };
  const unsubscribe = ws.subscribe(() => {
    timer ??= setTimeout(write, wait);
  });
  return {
    flush() {
      if (timer) clearTimeout(timer);
      write();
    },
    close() {
      unsubscribe();
      if (timer) {
        clearTimeout(timer);
        write();
      }
    },
  };
}
