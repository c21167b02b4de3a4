import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../../log.ts";
import type { SlackWorkspace } from "./workspace.ts";

export interface WorkspaceFile {
  /** Writes pending changes now. */
  flush(): void;
  close(): void;
}

/**
 * Keeps the sandbox Slack workspace in a file of the data folder: loaded at start (a restarted
 * sandbox still has its channels, messages and threads, so later edits find their messages) and
 * written shortly after each change (atomically: a temporary file renamed over the old one).
 */
export function persistWorkspace(ws: SlackWorkspace, file: string, logger?: Logger, debounceMs = 100): WorkspaceFile {
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
  const write = () => {
    timer = undefined;
    try {
      writeFileSync(`${file}.tmp`, ws.snapshot());
      renameSync(`${file}.tmp`, file);
    } catch (e) {
      logger?.warn({ err: e, file }, "sandbox Slack workspace not saved");
    }
  };
  const unsubscribe = ws.subscribe(() => {
    timer ??= setTimeout(write, debounceMs);
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
