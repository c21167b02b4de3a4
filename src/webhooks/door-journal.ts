import { constants, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { deliveryJson } from "../store/rows.ts";

/** One delivery as the door journals it: what the store's row holds. */
export interface JournalEntry {
  source: string;
  deliveryId: string;
  body: unknown;
}

interface Segment {
  seq: number;
  path: string;
  fh: FileHandle;
  openedAt: number;
  bytes: number;
  /** Entries on disk (acknowledged) in this segment. */
  written: number;
  /** Of those, entries now in the store. */
  moved: number;
  /** No more appends: removed once every entry written is in the store. */
  sealed: boolean;
}

interface Waiter {
  line: string;
  resolve(seq: number): void;
  reject(e: unknown): void;
}

/** How long the door must be quiet before a segment whose entries are all in the store is removed. */
const QUIET_MS = 250;
/** A new segment, for synchronized data writes: each write is durable (as after fdatasync) when it returns. */
const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;
/** The names of a journal's segment files: `<kind>-<seq>.jsonl`. */
const NAME = { door: /^door-(\d{12})\.jsonl$/, spill: /^spill-(\d{12})\.jsonl$/ };
const fileName = (role: JournalRole, seq: number) => `${role}-${String(seq).padStart(12, "0")}.jsonl`;

/**
 * Which of the door's journals: its own ("door"), or the one where a burst's deliveries are left
 * (`spill`, see burst.ts) — in the same folder, found at start with it.
 */
export type JournalRole = keyof typeof NAME;

export interface DoorJournalOptions {
  /** A segment takes no more appends past this size… */
  segmentBytes?: number;
  /** …or this age, so that files whose entries are all in the store are removed soon after. */
  segmentMs?: number;
  /** Most entries written and synced together. */
  maxGroup?: number;
  /** Which journal (its files' names): "door" by default. */
  role?: JournalRole;
}

/**
 * The webhook door's journal: deliveries appended to a file and made durable in groups — every
 * delivery that arrived while the previous group was being written is written with the next, in
 * one synchronized write (O_DSYNC: on disk when it returns) — before they are acknowledged. The journal is a
 * waiting room: entries are moved into the store in bulk, and a segment file is removed once every
 * entry it holds is there. Files left by a process that stopped without moving them (a crash) are
 * read back at the next start (`previous`), stored, then removed (`drop`).
 */
export class DoorJournal {
  private readonly dir: string;
  private readonly o: Required<DoorJournalOptions>;
  private readonly left: string[];
  private nextSeq: number;
  private current?: Segment;
  private opening?: Promise<Segment>;
  private readonly segments = new Map<number, Segment>();
  private waiting: Waiter[] = [];
  private flushing = false;
  private idle?: Promise<void>;
  private settleIdle?: () => void;
  private quietTimer?: NodeJS.Timeout;
  /** Segments being sealed (file closing, then removed if all moved): close() waits for them. */
  private readonly sealing = new Set<Promise<void>>();

  constructor(dir: string, options: DoorJournalOptions = {}) {
    this.dir = dir;
    this.o = { segmentBytes: options.segmentBytes ?? 4 * 1024 * 1024, segmentMs: options.segmentMs ?? 2000, maxGroup: options.maxGroup ?? 4096, role: options.role ?? "door" };
    mkdirSync(dir, { recursive: true });
    const found = readdirSync(dir)
      .map((f) => NAME[this.o.role].exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: m[0], seq: Number(m[1]) }))
      .sort((a, b) => a.seq - b.seq);
    this.left = found.map((f) => join(dir, f.file));
    this.nextSeq = (found.at(-1)?.seq ?? 0) + 1;
  }

  /** Segment files an earlier process left (oldest first), with the entries they hold; a torn last line is skipped. */
  previous(): Array<{ path: string; entries: JournalEntry[] }> {
    return this.left.map((path) => ({ path, entries: readEntries(readFileSync(path, "utf8")) }));
  }

  /** Removes a segment file `previous` returned, once its entries are in the store. */
  async drop(path: string): Promise<void> {
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
  }

  /** Appends an entry; resolves with its segment's number once it is on disk, synced with the others of its group. */
  append(entry: JournalEntry): Promise<number> {
    // The same text as JSON.stringify({ s, d, b }), with a body serialised once (JsonText: the store takes that text too).
    const line = `${deliveryJson(entry.source, entry.deliveryId, entry.body)}\n`;
    return new Promise<number>((resolve, reject) => {
      this.waiting.push({ line, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        this.idle = new Promise<void>((r) => (this.settleIdle = r));
        // Everything the event loop reads in this turn joins the first group.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** `count` entries of segment `seq` are now in the store. */
  async moved(seq: number, count: number): Promise<void> {
    const seg = this.segments.get(seq);
    if (!seg) return;
    seg.moved += count;
    if (seg.sealed) await this.removeIfMoved(seg);
    else this.sealWhenQuiet(seg);
  }

  /**
   * The open segment, all of it in the store, is sealed (and so removed) once the door has been
   * quiet for a moment — not at every pause of a storm, which would make a file per group.
   */
  private sealWhenQuiet(seg: Segment): void {
    if (this.quietTimer) return;
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (seg.sealed) return;
      if (seg.moved === seg.written && !this.flushing) void this.seal(seg).catch(() => undefined);
      else if (seg.moved === seg.written || this.flushing) this.sealWhenQuiet(seg);
    }, QUIET_MS);
    this.quietTimer.unref?.();
  }

  /** Resolves once nothing waits to be written. */
  async settled(): Promise<void> {
    while (this.flushing) await this.idle;
  }

  /** Seals the open segment once what waits is written: the next append opens a new one. */
  async rotate(): Promise<void> {
    await this.settled();
    if (this.current) await this.seal(this.current);
  }

  /** The sealed segments with entries not yet in the store, oldest first: their number, file and entries written. */
  sealedUnmoved(): Array<{ seq: number; path: string; n: number }> {
    return [...this.segments.values()]
      .filter((s) => s.sealed && s.moved < s.written)
      .sort((a, b) => a.seq - b.seq)
      .map((s) => ({ seq: s.seq, path: s.path, n: s.written }));
  }

  /** Takes no more appends into the open segment (removed once moved). */
  async close(): Promise<void> {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    await this.settled();
    if (this.current) await this.seal(this.current);
    // A segment the quiet timer (or a flush) began sealing is no longer `current`: its file may still be
    // closing and, all moved, about to be removed. Once close returns, what is left is what must stay.
    await Promise.allSettled([...this.sealing]);
  }

  private async flush(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, this.o.maxGroup);
        const data = Buffer.from(group.map((w) => w.line).join(""), "utf8");
        let seg: Segment | undefined;
        try {
          seg = await this.writable();
          let at = 0;
          // The file is opened for synchronized data writes (O_DSYNC): a write returns once its bytes
          // are on disk, so a group costs one call on libuv's thread pool, not a write and an fdatasync.
          while (at < data.length) at += (await seg.fh.write(data, at, data.length - at)).bytesWritten;
        } catch (e) {
          // A partly written group must not be followed by acknowledged lines: the next group goes to a new file.
          if (seg) await this.seal(seg).catch(() => undefined);
          for (const w of group) w.reject(e);
          continue;
        }
        seg.bytes += data.length;
        seg.written += group.length;
        if (seg.bytes >= this.o.segmentBytes || Date.now() - seg.openedAt >= this.o.segmentMs) await this.seal(seg);
        for (const w of group) w.resolve(seg.seq);
      }
    } finally {
      this.flushing = false;
      this.settleIdle?.();
    }
  }

  private async writable(): Promise<Segment> {
    if (this.current && !this.current.sealed) return this.current;
    this.opening ??= (async () => {
      const seq = this.nextSeq++;
      const path = join(this.dir, fileName(this.o.role, seq));
      const fh = await open(path, SEGMENT_FLAGS);
      // The new file's name is durable too, before any entry in it is acknowledged.
      const dir = await open(this.dir, "r");
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      const seg: Segment = { seq, path, fh, openedAt: Date.now(), bytes: 0, written: 0, moved: 0, sealed: false };
      this.segments.set(seq, seg);
      this.current = seg;
      return seg;
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async seal(seg: Segment): Promise<void> {
    if (seg.sealed) return;
    seg.sealed = true;
    if (this.current === seg) this.current = undefined;
    const done = (async () => {
      await seg.fh.close().catch(() => undefined);
      await this.removeIfMoved(seg);
    })();
    this.sealing.add(done);
    try {
      await done;
    } finally {
      this.sealing.delete(done);
    }
  }

  private async removeIfMoved(seg: Segment): Promise<void> {
    if (seg.moved < seg.written || !this.segments.has(seg.seq)) return;
    this.segments.delete(seg.seq);
    await this.drop(seg.path);
  }
}

/** The entries of a segment file's text; a line that does not parse (torn by a crash mid-write, never acknowledged) is skipped. */
export function readEntries(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const e = JSON.parse(line) as { s?: unknown; d?: unknown; b?: unknown };
      if (typeof e.s === "string" && typeof e.d === "string") out.push({ source: e.s, deliveryId: e.d, body: e.b });
    } catch {
      // torn
    }
  }
  return out;
}
