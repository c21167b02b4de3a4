import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ParsedDelivery } from "../../src/ingest/types.ts";
import { silentLogger } from "../../src/log.ts";
import { createStore } from "../../src/store/store.ts";
import { DoorJournal } from "../../src/webhooks/door-journal.ts";
import { JournaledDoor, MOVE_WINDOW_MS } from "../../src/webhooks/journaled-door.ts";
import { eventually } from "../support/eventually.ts";
import { observedDb } from "../support/observed-db.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

const parsed = (id: string): ParsedDelivery => ({ deliveryId: id, alerts: [], changes: [] });
const row = (id: string) => ({ source: "generic", deliveryId: id, body: { headers: {}, body: "{}", receivedAt: "2026-12-06T22:00:00.000Z" } });

describe("the embedded store's door moving journaled deliveries into the store", () => {
  const databases = reusedDatabases();
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function door(moveWindowMs?: number) {
    const dir = mkdtempSync(join(tmpdir(), "aisre-journaled-door-"));
    const db = await databases.open();
    const inserts = { n: 0 };
    const seen = observedDb(db, (sql) => {
      if (sql.includes("INSERT INTO webhook_deliveries")) inserts.n++;
    });
    const submitted: string[] = [];
    const moved: number[] = [];
    const d = new JournaledDoor({ dir, deliveries: createStore(seen).deliveries, logger: silentLogger, lease: () => ({ owner: "test", ms: 30_000 }), submit: (_source, p) => submitted.push(p.deliveryId), ...(moveWindowMs === undefined ? {} : { moveWindowMs }) });
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => db.close(),
    );
    const remote = { moved: (_seq: number, n: number) => moved.push(n), spillMoved: () => undefined, settled: () => undefined };
    return { d, db, dir, inserts, submitted, moved, remote };
  }

  it("gathers the deliveries handed over one at a time into one statement (each costs the embedded database's one thread about as much as 8 rows)", async () => {
    const { d, inserts, submitted, moved, remote } = await door(60_000);
    for (let i = 0; i < 5; i++) d.adopt(row(`g-${i}`), parsed(`g-${i}`), 1, remote);
    await d.drain();
    expect(inserts.n).toBe(1);
    expect(submitted).toEqual(["g-0", "g-1", "g-2", "g-3", "g-4"]);
    expect(moved).toEqual([5]);
  });

  it("moves a lone delivery once the gathering window closes, without being asked", async () => {
    expect(MOVE_WINDOW_MS).toBeGreaterThan(0);
    const { d, db, submitted } = await door();
    d.adopt(row("lone"), parsed("lone"), 1, { moved: () => undefined, spillMoved: () => undefined, settled: () => undefined });
    await eventually(async () => (submitted.includes("lone") ? true : undefined), "the lone delivery handed to processing");
    expect(await db.query("SELECT delivery_id FROM webhook_deliveries WHERE delivery_id = 'lone'")).toHaveLength(1);
  });

  it("at start, stores what a crash left in the spill journal (a burst's deliveries, answered and never handed over), then removes its file", async () => {
    const { dir, db } = await door();
    const spill = new DoorJournal(dir, { role: "spill" });
    for (const id of ["s-1", "s-2", "s-3"]) await spill.append(row(id));
    // The process died here: the spill file is left, its deliveries in no store.
    const next = new JournaledDoor({ dir, deliveries: createStore(db).deliveries, logger: silentLogger, lease: () => ({ owner: "next", ms: 30_000 }), submit: () => undefined });
    expect(await next.recoverPrevious()).toBe(3);
    const rows = await db.query<{ delivery_id: string }>("SELECT delivery_id FROM webhook_deliveries WHERE delivery_id LIKE 's-%' ORDER BY arrival");
    expect(rows.map((r) => r.delivery_id)).toEqual(["s-1", "s-2", "s-3"]);
    await spill.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
