import { createHash } from "node:crypto";
import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";
import { isoNow, systemClock, type Clock } from "../../domain/clock.ts";
import { withLock } from "../locks.ts";

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  incidentId?: string;
  target?: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** Canonical JSON (sorted keys) so the hash does not depend on key order or the driver. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

export function auditHash(e: Omit<AuditEntry, "hash">): string {
  const body = canonical({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, incidentId: e.incidentId ?? null, target: e.target ?? null, detail: e.detail, prevHash: e.prevHash });
  return createHash("sha256").update(body).digest("hex");
}

interface Row {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  incident_id: string | null;
  target: string | null;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const toEntry = (r: Row): AuditEntry => ({
  seq: Number(r.seq),
  at: iso(r.at),
  actor: r.actor,
  action: r.action,
  incidentId: r.incident_id ?? undefined,
  target: r.target ?? undefined,
  detail: r.detail,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** Append-only, hash-chained audit log: each entry's hash covers the previous entry's hash. */
export class AuditRepo {
  private readonly db: Db;
  private readonly clock: Clock;
  /** `clock`: the system's time (the simulation's in the sandbox), for entry times. */
  constructor(db: Db, clock: Clock = systemClock) {
    this.db = db;
    this.clock = clock;
  }

  async append(e: { actor: string; action: string; incidentId?: string; target?: string; detail?: Record<string, unknown> }): Promise<AuditEntry> {
    return withLock(this.db, "audit", async (tx) => {
      const [last] = await tx.query<{ seq: number; hash: string }>("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
      // Millisecond precision survives the round trip through timestamptz on both drivers.
      const entry = {
        seq: last ? Number(last.seq) + 1 : 1,
        at: isoNow(this.clock),
        actor: e.actor,
        action: e.action,
        incidentId: e.incidentId,
        target: e.target,
        detail: JSON.parse(json(e.detail ?? {})) as Record<string, unknown>,
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const hash = auditHash(entry);
      await tx.query("INSERT INTO audit_log (seq, at, actor, action, incident_id, target, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", [entry.seq, entry.at, entry.actor, entry.action, entry.incidentId ?? null, entry.target ?? null, json(entry.detail), entry.prevHash, hash]);
      return { ...entry, hash };
    });
  }

  async list(options: { incidentId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.db.query<Row>("SELECT * FROM audit_log WHERE ($1::text IS NULL OR incident_id = $1) ORDER BY seq LIMIT $2", [options.incidentId ?? null, options.limit ?? 1_000_000]);
    return rows.map(toEntry);
  }

  /** Walks the chain; returns the first broken sequence number, or null when intact. */
  async verify(): Promise<{ ok: boolean; entries: number; brokenAt?: number; reason?: string }> {
    const entries = await this.list();
    let prev = GENESIS_HASH;
    for (const [i, e] of entries.entries()) {
      if (e.seq !== i + 1) return { ok: false, entries: entries.length, brokenAt: e.seq, reason: "sequence gap" };
      if (e.prevHash !== prev) return { ok: false, entries: entries.length, brokenAt: e.seq, reason: "previous hash mismatch" };
      if (auditHash(e) !== e.hash) return { ok: false, entries: entries.length, brokenAt: e.seq, reason: "entry altered" };
      prev = e.hash;
    }
    return { ok: true, entries: entries.length };
  }
}
