import { appendFileSync, constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import type { Db } from "../../src/store/db.ts";
import { JsonText, json } from "../../src/store/rows.ts";
import { createStore } from "../../src/store/store.ts";
import { DoorJournal, readEntries } from "../../src/webhooks/door-journal.ts";
import type { ProcessorOptions } from "../../src/webhooks/delivery-processor.ts";
import { testIntake } from "../support/test-intake.ts";
import { reusedDatabases } from "../support/reused-databases.ts";
import { eventually } from "../support/eventually.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };
const body = (name: string) => JSON.stringify({ alerts: [{ name, status: "firing", severity: "warning", service: "checkout", summary: name }] });
const headers = (id: string) => ({ "content-type": "application/json", "x-aisre-delivery": id });
/** Every delivery id in the journal's files right now. */
const journaled = (dir: string) => new Set(readdirSync(dir).flatMap((f) => readEntries(readFileSync(join(dir, f), "utf8")).map((e) => e.deliveryId)));
const rows = (db: Db) => db.query<{ delivery_id: string; processed: boolean }>("SELECT delivery_id, processed_at IS NOT NULL AS processed FROM webhook_deliveries ORDER BY delivery_id");

describe("the door journal (the embedded store's webhook door)", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  const databases = reusedDatabases();
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  const setUp = async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-door-journal-"));
    const db = await databases.open();
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => db.close(),
    );
    const seen: string[] = [];
    const intake = (o: { processing?: ProcessorOptions; held?: Promise<void> } = {}) => {
      const i = testIntake({
        store: createStore(db),
        // Segments sealed by size or age only when the test says so.
        journal: { dir, segmentMs: 600_000 },
        processing: o.processing,
        handlers: {
          async ingest(d) {
            seen.push(...d.alerts.map((a) => a.name));
            await o.held;
            return NONE;
          },
        },
      });
      cleanup.push(() => i.stop());
      return i;
    };
    return { dir, db, seen, intake };
  };

  it("answers each of many concurrent webhooks once it is in the journal's file, then stores and processes each once; a duplicate in the burst is a no-op; no file is left", async () => {
    const { dir, db, seen, intake: make } = await setUp();
    const intake = make();
    const deliveries = Array.from({ length: 60 }, (_, i) => ({ id: `d-${i}`, name: `A${i}` }));
    deliveries.push({ id: "d-7", name: "A7" });
    const answers = await Promise.all(
      deliveries.map(async (d) => {
        const answer = await intake.accept("generic", { headers: headers(d.id), body: Buffer.from(body(d.name)) });
        // Read the moment the answer is given: a 2xx is already on disk.
        return { status: answer.status, onDisk: journaled(dir).has(d.id) };
      }),
    );
    expect(answers.filter((a) => a.status === 202)).toHaveLength(60);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers) expect(a.onDisk).toBe(true);
    await intake.drain();
    expect(seen.sort()).toEqual(
      deliveries
        .slice(0, 60)
        .map((d) => d.name)
        .sort(),
    );
    const stored = await rows(db);
    expect(stored).toHaveLength(60);
    expect(stored.filter((r) => !r.processed)).toEqual([]);
    // A redelivery later is a duplicate too, and changes nothing.
    expect((await intake.accept("generic", { headers: headers("d-3"), body: Buffer.from(body("A3")) })).status).toBe(200);
    await intake.stop();
    expect(readdirSync(dir)).toEqual([]);
    expect(seen).toHaveLength(60);
  }, 120_000);

  it("while processing has no room, journaled deliveries are stored unleased (never leased, given back and claimed again) and processed from the store in arrival order, each claimed once", async () => {
    const { db, seen, intake: make } = await setUp();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const intake = make({ processing: { gatherMs: 0, maxQueued: 1, pollMs: 50 }, held });
    cleanup.push(() => release()); // before the intake stops (cleanup runs in reverse), should an assertion fail
    const stored = () => db.query<{ delivery_id: string; lease_owner: string | null; attempts: number }>("SELECT delivery_id, lease_owner, attempts FROM webhook_deliveries ORDER BY delivery_id");
    const send = async (n: number) => {
      expect((await intake.accept("generic", { headers: headers(`q-${n}`), body: Buffer.from(body(`Q${n}`)) })).status).toBe(202);
      await eventually(async () => ((await stored()).length === n ? true : undefined), `delivery ${n} moved into the store`);
    };
    await send(1);
    await eventually(async () => (seen.length === 1 ? true : undefined), "the first delivery being processed");
    await send(2); // queued in memory: the queue's one place
    await send(3); // no room: left in the store
    await send(4); // earlier ones wait in the store: this one too
    const rowsNow = await stored();
    expect(rowsNow.filter((r) => r.lease_owner === null).map((r) => [r.delivery_id, r.attempts])).toEqual([
      ["q-3", 0],
      ["q-4", 0],
    ]);
    intake.start();
    release();
    await eventually(async () => ((await rows(db)).every((r) => r.processed) ? true : undefined), "every delivery processed", 60_000);
    expect(seen).toEqual(["Q1", "Q2", "Q3", "Q4"]);
    expect((await stored()).map((r) => r.attempts)).toEqual([1, 1, 1, 1]);
  }, 120_000);

  it("after a crash, stores and processes what was journaled but not yet stored, once: not what the store already had, not a torn line", async () => {
    const { dir, db, seen, intake } = await setUp();
    // What a process killed mid-storm leaves: deliveries journaled (and acknowledged), one of them
    // already moved into the store and processed, and a last line cut short by the kill.
    const crashed = new DoorJournal(dir);
    const stored = (id: string, name: string) => ({ source: "generic", deliveryId: id, body: { headers: headers(id), body: body(name), receivedAt: "2026-12-05T21:00:00.000Z" } });
    await Promise.all(Array.from({ length: 40 }, (_, i) => crashed.append(stored(`k-${i}`, `K${i}`))));
    const store = createStore(db);
    await store.deliveries.recordMany([stored("k-0", "K0")]);
    await store.deliveries.markProcessed("generic", "k-0");
    const [file] = readdirSync(dir);
    appendFileSync(join(dir, file!), JSON.stringify({ s: "generic", d: "torn", b: stored("torn", "Torn").body }).slice(0, 40));

    const restarted = intake();
    restarted.start();
    await eventually(async () => ((await rows(db)).filter((r) => r.processed).length === 40 ? true : undefined), "every journaled delivery processed", 60_000);
    await restarted.drain();
    expect(seen.sort()).toEqual(Array.from({ length: 39 }, (_, i) => `K${i + 1}`).sort());
    expect((await rows(db)).map((r) => r.delivery_id)).not.toContain("torn");
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);

  it("writes each entry as the line JSON.stringify({ s, d, b }) would, whether its body comes as a value or already serialised (JsonText, which the store then takes as it is)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-door-journal-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const journal = new DoorJournal(dir);
    const body = { headers: { "x-aisre-delivery": 'q"\\u2028' }, body: '{"alerts":[{"name":"é\u2028\\"}]}', receivedAt: "2026-12-05T21:00:00.000Z" };
    await journal.append({ source: "generic", deliveryId: 'd"1', body });
    await journal.append({ source: "generic", deliveryId: "d2", body: JsonText.of(body) });
    await journal.close();
    const lines = readdirSync(dir).flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .split("\n")
        .filter((l) => l !== ""),
    );
    expect(lines).toEqual([JSON.stringify({ s: "generic", d: 'd"1', b: body }), JSON.stringify({ s: "generic", d: "d2", b: body })]);
    expect(json(JsonText.of(body))).toBe(JSON.stringify(body));
  });

  it("close waits for a segment the quiet timer began sealing: once it returns, a segment whose entries are all in the store is gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-door-journal-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const journal = new DoorJournal(dir, { segmentMs: 600_000 });
    const seq = await journal.append({ source: "generic", deliveryId: "a", body: { n: 1 } });
    // The open segment's file closes only when the test lets it: the quiet timer's seal is caught midway.
    const seg = (journal as unknown as { current: { fh: { close(): Promise<void> } } }).current;
    const realClose = seg.fh.close.bind(seg.fh);
    let closing = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    seg.fh.close = async () => {
      closing = true;
      await gate;
      return realClose();
    };
    await journal.moved(seq, 1); // all in the store: sealed and removed once the door is quiet
    await eventually(async () => closing || undefined, "the quiet timer seals the segment");
    const left = journal.close().then(() => readdirSync(dir));
    release();
    // (close used to return while that seal was still closing the file: the file was left, test/webhooks 1 run in ~6 under load.)
    expect(await left).toEqual([]);
  });

  it("refuses (never acknowledges) an append that cannot reach the disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-door-journal-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const journal = new DoorJournal(dir);
    const first = await journal.append({ source: "generic", deliveryId: "a", body: {} });
    // The folder gone under it: creating the next file fails, so the append is refused, not acknowledged.
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
    await expect(journal.append({ source: "generic", deliveryId: "b", body: {} })).rejects.toThrow();
    expect(first).toBe(1);
  });

  it("writes each group through a descriptor opened for synchronized data writes (O_DSYNC): a write returns only once its bytes are on disk, so an acknowledgement never precedes durability", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-door-journal-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const journal = new DoorJournal(dir, { segmentMs: 600_000 });
    cleanup.push(() => journal.close());
    await journal.append({ source: "generic", deliveryId: "a", body: {} });
    // The open segment's descriptor, found among this process's (Linux /proc), and its open flags (octal).
    const [segment] = readdirSync(dir);
    const fd = readdirSync("/proc/self/fd").find((f) => {
      try {
        return readlinkSync(`/proc/self/fd/${f}`) === join(dir, segment!);
      } catch {
        return false;
      }
    });
    expect(fd).toBeDefined();
    const flags = Number.parseInt(/^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1] ?? "0", 8);
    expect(flags & constants.O_DSYNC).toBe(constants.O_DSYNC);
  });
});
