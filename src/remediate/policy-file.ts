import { createHash } from "node:crypto";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { parse } from "yaml";
import type { Logger } from "../log.ts";
import { parsePolicy, type PolicyFile } from "./policy-schema.ts";

export interface PolicyChange {
  ok: boolean;
  file: string;
  /** sha256 of the file's bytes: which version is in force. */
  sha256?: string;
  error?: string;
}

/**
 * The policy in force. Read from a YAML file and re-read when it changes: a valid edit replaces the
 * policy at once; an invalid one is logged and the last good policy stays in force. Without a file,
 * the built-in defaults (approve, @sre-approvers) apply.
 */
export class PolicySource {
  private current: PolicyFile;
  private currentSha?: string;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private readonly file?: string;
  private readonly logger: Logger;
  private readonly listeners: Array<(c: PolicyChange) => void> = [];

  /** Throws when the file exists but is invalid at start-up (there is no last good policy yet). */
  constructor(options: { file?: string; logger: Logger; watch?: boolean }) {
    this.file = options.file;
    this.logger = options.logger.child({ component: "policy" });
    const initial = parsePolicy({});
    if (!initial.ok) throw new Error(initial.error);
    this.current = initial.policy;
    if (this.file) {
      const r = this.read();
      if (!r.ok) throw new Error(`remediation policy ${this.file}: ${r.error}`);
      if (options.watch !== false) this.startWatching();
    }
  }

  get policy(): PolicyFile {
    return this.current;
  }

  get version(): string {
    return this.currentSha ? this.currentSha.slice(0, 12) : "built-in defaults";
  }

  get path(): string | undefined {
    return this.file;
  }

  onChange(listener: (c: PolicyChange) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the file now; keeps the last good policy when the new content is invalid. */
  reload(): PolicyChange {
    if (!this.file) return { ok: true, file: "(built-in)" };
    const before = this.currentSha;
    const r = this.read();
    if (r.ok && r.sha256 === before) return r;
    if (r.ok) this.logger.info({ file: this.file, sha256: r.sha256 }, "remediation policy reloaded");
    else this.logger.error({ file: this.file, error: r.error }, "remediation policy edit rejected; the last good policy stays in force");
    for (const l of this.listeners) l(r);
    return r;
  }

  private read(): PolicyChange {
    const file = this.file!;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      return { ok: false, file, error: `cannot read: ${e instanceof Error ? e.message : String(e)}` };
    }
    const sha256 = createHash("sha256").update(text).digest("hex");
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (e) {
      return { ok: false, file, sha256, error: `not valid YAML: ${e instanceof Error ? e.message : String(e)}` };
    }
    const r = parsePolicy(doc);
    if (!r.ok) return { ok: false, file, sha256, error: r.error };
    this.current = r.policy;
    this.currentSha = sha256;
    return { ok: true, file, sha256 };
  }

  /** Watches the folder, not the file: editors often replace the file, which ends a file watch. */
  private startWatching(): void {
    const name = basename(this.file!);
    try {
      this.watcher = watch(dirname(this.file!), (_event, changed) => {
        if (changed && changed.toString() !== name) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reload(), 100);
      });
      this.watcher.on("error", (e) => this.logger.warn({ err: e }, "policy watch failed; edits need a restart"));
      this.watcher.unref();
    } catch (e) {
      this.logger.warn({ err: e, file: this.file }, "cannot watch the policy file; edits need a restart");
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
