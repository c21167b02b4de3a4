import { enqueue, isEmpty, mergeWrites, takeBatch } from "./write-schedule.ts";
import type { IssueSlot, PendingWrites, ScheduleOptions } from "./write-schedule.ts";

/**
 * Where the Jira write queue keeps its slots: one row per issue holding the writes waiting and the
 * batch being written (leased to its writer). The product's rows are the `jira_writes` table, so
 * writes survive a restart and replicas share them; `memoryWriteRows` serves tests.
 */
export interface WriteRow {
  slot: unknown;
  batch: unknown;
  leaseOwner?: string;
  leaseExpired: boolean;
}

export type WriteRowNext = { slot: unknown; batch: unknown; dueAtMs: number; lease?: { owner: string; ms: number }; keepLease?: boolean } | null | "keep";

/** The row operations (the store's JiraWriteRepo has exactly these). */
export interface WriteRows {
  mutate<R>(key: string, fn: (row: WriteRow | undefined) => { next: WriteRowNext; result: R }): Promise<R>;
  dueKeys(nowMs: number, limit: number): Promise<string[]>;
  nextDueAtMs(): Promise<number | undefined>;
  keys(): Promise<string[]>;
  renew(owner: string, keys: string[], leaseMs: number): Promise<void>;
}

export function memoryWriteRows(now: () => number = Date.now): WriteRows {
  const rows = new Map<string, { slot: unknown; batch: unknown; dueAtMs: number; leaseOwner?: string; leaseUntil?: number }>();
  return {
    async mutate(key, fn) {
      const r = rows.get(key);
      const { next, result } = fn(r ? { slot: r.slot, batch: r.batch, leaseOwner: r.leaseOwner, leaseExpired: r.leaseUntil !== undefined && r.leaseUntil < now() } : undefined);
      if (next === null) rows.delete(key);
      else if (next !== "keep") {
        const lease = next.keepLease ? { leaseOwner: r?.leaseOwner, leaseUntil: r?.leaseUntil } : { leaseOwner: next.lease?.owner, leaseUntil: next.lease ? now() + next.lease.ms : undefined };
        rows.set(key, { slot: next.slot, batch: next.batch, dueAtMs: next.dueAtMs, ...lease });
      }
      return result;
    },
    async dueKeys(nowMs, limit) {
      return [...rows.entries()]
        .filter(([, r]) => (r.batch === undefined && r.dueAtMs <= nowMs) || (r.batch !== undefined && r.leaseUntil !== undefined && r.leaseUntil < now()))
        .sort((a, b) => a[1].dueAtMs - b[1].dueAtMs)
        .slice(0, limit)
        .map(([k]) => k);
    },
    async nextDueAtMs() {
      let at: number | undefined;
      for (const r of rows.values()) {
        const t = r.batch === undefined ? r.dueAtMs : (r.leaseUntil ?? r.dueAtMs);
        if (at === undefined || t < at) at = t;
      }
      return at;
    },
    async keys() {
      return [...rows.keys()].sort();
    },
    async renew(owner, keys, leaseMs) {
      for (const k of keys) {
        const r = rows.get(k);
        if (r && r.leaseOwner === owner) r.leaseUntil = now() + leaseMs;
      }
    },
  };
}

/** Queues a change for the issue (merged into what waits); returns the slot after it. */
export function addChange(rows: WriteRows, key: string, change: Partial<PendingWrites>, now: number, o: ScheduleOptions): Promise<IssueSlot> {
  return rows.mutate(key, (row) => {
    const slot = enqueue(row?.slot as IssueSlot | undefined, key, change, now, o);
    return { next: { slot, batch: row?.batch, dueAtMs: slot.dueAt, keepLease: true }, result: slot };
  });
}

/** Makes the issue's waiting writes due now (still honouring Retry-After). */
export function makeDue(rows: WriteRows, key: string, now: number): Promise<void> {
  return rows.mutate(key, (row) => {
    const slot = row?.slot as IssueSlot | undefined;
    if (!row || !slot || slot.inFlight) return { next: "keep", result: undefined };
    const dueAt = Math.min(slot.dueAt, Math.max(slot.notBefore, now));
    return { next: { slot: { ...slot, dueAt }, batch: row.batch, dueAtMs: dueAt, keepLease: true }, result: undefined };
  });
}

/**
 * Takes the issue's batch for `owner` when it is due and nobody writes it. A batch whose writer's
 * lease ran out (it died mid-write) is merged back under what arrived since, and taken again.
 */
export function takeDue(rows: WriteRows, key: string, owner: string, now: number, leaseMs: number): Promise<PendingWrites | undefined> {
  return rows.mutate(key, (row): { next: WriteRowNext; result: PendingWrites | undefined } => {
    if (!row) return { next: "keep", result: undefined };
    let slot = row.slot as IssueSlot;
    let merged = false;
    if (row.batch !== undefined && row.batch !== null) {
      if (!row.leaseExpired) return { next: "keep", result: undefined };
      // Its writer may have made some of these writes before it died: the next writer looks first.
      slot = { ...slot, pending: mergeWrites({ ...(row.batch as PendingWrites), uncertain: true }, slot.pending), inFlight: false, dueAt: Math.max(slot.notBefore, now) };
      merged = true;
    }
    if (slot.inFlight || isEmpty(slot.pending) || slot.dueAt > now) {
      if (!merged) return { next: "keep", result: undefined };
      return { next: isEmpty(slot.pending) ? null : { slot, batch: undefined, dueAtMs: slot.dueAt }, result: undefined };
    }
    const taken = takeBatch(slot);
    return { next: { slot: taken.slot, batch: taken.batch, dueAtMs: taken.slot.dueAt, lease: { owner, ms: leaseMs } }, result: taken.batch };
  });
}

/** Records an attempt's outcome: `fn` turns the slot (with what arrived meanwhile) into the next one. */
export function settleAttempt(rows: WriteRows, key: string, owner: string, fn: (slot: IssueSlot) => IssueSlot | undefined): Promise<boolean> {
  return rows.mutate(key, (row) => {
    // Another writer took the batch over (this one's lease ran out): its outcome is theirs to record.
    if (!row || row.leaseOwner !== owner) return { next: "keep", result: false };
    const next = fn(row.slot as IssueSlot);
    return { next: next ? { slot: next, batch: undefined, dueAtMs: next.dueAt } : null, result: true };
  });
}
