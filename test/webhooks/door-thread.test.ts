import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import { silentLogger } from "../../src/log.ts";
import { createStore } from "../../src/store/store.ts";
import { readEntries } from "../../src/webhooks/door-journal.ts";
import { DoorWorker } from "../../src/webhooks/door-worker.ts";
import { webhookRoutes } from "../../src/webhooks/routes.ts";
import { sendJson } from "../../src/http/router.ts";
import { testIntake } from "../support/test-intake.ts";
import { createAppMetrics } from "../../src/observability/metrics.ts";
import type { WebhookIntake } from "../../src/webhooks/intake.ts";
import { reusedDatabases } from "../support/reused-databases.ts";
import { eventually } from "../support/eventually.ts";
import { freshPostgres } from "../support/databases.ts";
import type { StoredEntry } from "../../src/webhooks/door-postgres.ts";
import { RECENT_DELIVERY_KEYS } from "../../src/webhooks/recent-keys.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };
const body = (name: string) => JSON.stringify({ alerts: [{ name, status: "firing", severity: "warning", service: "checkout", summary: name }] });
const headers = (id: string) => ({ "content-type": "application/json", "x-aisre-delivery": id });
const journaled = (dir: string) => new Set(readdirSync(dir).flatMap((f) => readEntries(readFileSync(join(dir, f), "utf8")).map((e) => e.deliveryId)));

describe("the webhook door's thread", () => {
  const cleanup: Array<() => Promise<void> | void> = [];

  /**
   * The main thread's server: the webhook routes (for what the door passes on, counted) and one
   * other route (`/other`).
   */
  async function mainThreadServer(intake: WebhookIntake): Promise<{ port: number; passedOn: number }> {
    const routes = webhookRoutes(intake);
    const seen = { port: 0, passedOn: 0 };
    const server = createServer((req, res) => {
      if (req.url === "/other") return sendJson(res, 200, { answeredBy: "main" });
      seen.passedOn++;
      void routes.handle(req, res).then((handled) => handled || sendJson(res, 404, { error: "not_found" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    seen.port = (server.address() as AddressInfo).port;
    return seen;
  }
  const databases = reusedDatabases();
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** A journal folder and a store's database for one test, both gone after it. */
  async function journalAndStore(prefix: string): Promise<{ dir: string; db: Awaited<ReturnType<typeof databases.open>> }> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const db = await databases.open();
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => db.close(),
    );
    return { dir, db };
  }

  it("answers a webhook once it is journaled, hands it to the main thread (stored and processed once), answers a redelivery as a duplicate, and passes everything else to the main thread's server", async () => {
    const { dir, db } = await journalAndStore("aisre-door-thread-");
    const seen: string[] = [];
    const metrics = createAppMetrics();
    const intake = testIntake({
      metrics,
      store: createStore(db),
      journal: { dir, segmentMs: 50 },
      handlers: {
        async ingest(d) {
          seen.push(...d.alerts.map((a) => a.name));
          return NONE;
        },
      },
    });
    // The main thread's server: the webhook routes (for what the door passes on) and one other route.
    const upstream = await mainThreadServer(intake);
    const outcomes: string[] = [];
    const deaths: Error[] = [];
    const door: DoorWorker = await DoorWorker.start({
      port: 0,
      host: "127.0.0.1",
      upstreamPort: upstream.port,
      logger: silentLogger,
      onEntries: (entries) => intake.adopt(entries, door),
      onCount: (_source, outcome) => outcomes.push(outcome),
      onDeath: (e) => deaths.push(e),
    });
    let stopped = false;
    cleanup.push(async () => {
      if (!stopped) await door.stop();
    });
    door.health(true);
    // The door thread's recent keys are the one bound the doors share (its heap held 100,000 at 50,000).
    expect(intake.doorOpening()!.recentKeys).toBe(RECENT_DELIVERY_KEYS);
    door.open(intake.doorOpening()!);
    const base = `http://127.0.0.1:${door.port}`;
    const post = (path: string, id: string, text: string) => fetch(`${base}${path}`, { method: "POST", headers: headers(id), body: text });

    const stored = async (id: string) => (await db.query("SELECT 1 FROM webhook_deliveries WHERE delivery_id = $1", [id])).length > 0;
    const first = await post("/webhooks/generic", "t-1", body("T1"));
    // Durable the moment it is answered: in the journal's file, or already moved into the store (then
    // removed from the file — the journal is read first, so one of the two holds it).
    const durable = journaled(dir).has("t-1") || (await stored("t-1"));
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ ok: true, status: "accepted", deliveryId: "t-1" });
    expect(durable).toBe(true);
    const again = await post("/webhooks/generic", "t-1", body("T1"));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate", deliveryId: "t-1" });
    await eventually(async () => (outcomes.includes("duplicate") ? true : undefined), "the duplicate counted on the main thread");
    // Counted once as accepted, by the main thread, from the door's handover (before any webhook is passed on).
    await eventually(async () => (metrics.webhooksReceived.get({ source: "generic", outcome: "accepted" }) === 1 ? true : undefined), "t-1 counted as accepted");

    // Refused input, an unknown source, another route: answered by the main thread's server, as before.
    const bad = await post("/webhooks/generic", "t-2", "{not json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: "webhook_malformed" });
    const unknown = await post("/webhooks/nosuch", "t-3", body("T3"));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "unknown_source" });
    expect(await (await fetch(`${base}/other`)).json()).toEqual({ answeredBy: "main" });

    // The store reported down: webhooks go to the main thread, whose intake answers them (503 while it is down).
    door.health(false);
    let n = 0;
    await eventually(async () => {
      const before = upstream.passedOn;
      await post("/webhooks/generic", `down-${n++}`, body("Down"));
      return upstream.passedOn > before ? true : undefined;
    }, "the door passing webhooks to the main thread while the store is down");
    door.health(true);

    await eventually(async () => (seen.includes("T1") ? true : undefined), "the handed-over delivery processed");
    await intake.drain();
    const rows = await db.query<{ delivery_id: string; processed: boolean }>("SELECT delivery_id, processed_at IS NOT NULL AS processed FROM webhook_deliveries ORDER BY delivery_id");
    expect(rows.filter((r) => r.delivery_id === "t-1")).toEqual([{ delivery_id: "t-1", processed: true }]);
    expect(rows.filter((r) => !r.processed)).toEqual([]);
    expect(seen.filter((name) => name === "T1")).toEqual(["T1"]);
    await door.quiesce();
    await intake.stop();
    await door.stop();
    stopped = true;
    expect(deaths).toEqual([]);
    // Every entry in the store: the door thread's journal removed its files.
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);
  const pgUrl = process.env.TEST_DATABASE_URL;
  /**
   * The intake and the door thread for a burst test: a burst past 10 deliveries a second (more than
   * one in 100 ms), over after 300 ms without one. `events`: in the order the main thread saw them,
   * the door's burst reports and the alerts processed.
   */
  async function burstDoor(o: Pick<Parameters<typeof testIntake>[0], "store" | "journal" | "databaseUrl">) {
    const events: string[] = [];
    const metrics = createAppMetrics();
    const intake = testIntake({
      ...o,
      metrics,
      burst: { perSecond: 10, windowMs: 100, calmMs: 300 },
      handlers: {
        async ingest(d) {
          // A slow one: what is handed over meanwhile waits in processing's queue.
          if (d.alerts.some((a) => a.name === "slow-1")) {
            events.push("processing slow-1");
            await new Promise((r) => setTimeout(r, 400));
          }
          events.push(...d.alerts.map((a) => `processed ${a.name}`));
          return NONE;
        },
      },
    });
    const upstream = await mainThreadServer(intake);
    const handed: string[] = [];
    const spilledIds = new Set<string>();
    const counted = { accepted: 0 };
    const door: DoorWorker = await DoorWorker.start({
      port: 0,
      host: "127.0.0.1",
      upstreamPort: upstream.port,
      logger: silentLogger,
      onEntries: (entries) => intake.adopt(entries, door),
      onStored: (entries) => {
        handed.push(...entries.map((e) => e.deliveryId));
        intake.adoptStored(entries);
        door.settled(entries.length);
      },
      onBurst: (on) => {
        events.push(on ? "burst" : "calm");
        intake.burst(on);
      },
      onSpilled: (files) => {
        // Read as reported: the files hold what the door answered during the burst.
        for (const f of files) for (const e of readEntries(readFileSync(f.path, "utf8"))) spilledIds.add(e.deliveryId);
        intake.spilled(files, door);
      },
      // Counted by the door (what it does not hand over); the main thread counts the others.
      onCount: (_source, outcome, n) => outcome === "accepted" && (counted.accepted += n),
      onDeath: () => undefined,
    });
    let stopped = false;
    const stop = async () => {
      if (!stopped) await door.stop();
      stopped = true;
    };
    cleanup.push(stop);
    door.health(true);
    door.open(intake.doorOpening()!);
    const post = (id: string) => fetch(`http://127.0.0.1:${door.port}/webhooks/generic`, { method: "POST", headers: headers(id), body: body(id) });
    return { intake, door, upstream, events, handed, spilledIds, counted, metrics, post, stop };
  }

  /** A database of the test's own on TEST_DATABASE_URL, and its URL (for the door thread's connections). */
  async function ownPostgres() {
    const db = await freshPostgres(pgUrl!);
    cleanup.push(() => db.close());
    const { name } = (await db.query<{ name: string }>("SELECT current_database() AS name"))[0]!;
    const url = new URL(pgUrl!);
    url.pathname = `/${name}`;
    return { db, url: url.toString() };
  }
  it.skipIf(!pgUrl)(
    "on Postgres: stores a webhook in the deliveries table itself (leased to this replica's processing) before its 2xx, hands it to the main thread, which processes it without storing it, answers a redelivery as a duplicate; until its own connections are open, and while the store is down, the main thread answers",
    async () => {
      const { db, url } = await ownPostgres();
      const seen: string[] = [];
      const intake = testIntake({
        store: createStore(db),
        databaseUrl: url,
        handlers: {
          async ingest(d) {
            seen.push(...d.alerts.map((a) => a.name));
            return NONE;
          },
        },
      });
      const upstream = await mainThreadServer(intake);
      const handed: StoredEntry[] = [];
      const journaledEntries: string[] = [];
      const outcomes: string[] = [];
      const deaths: Error[] = [];
      const door: DoorWorker = await DoorWorker.start({
        port: 0,
        host: "127.0.0.1",
        upstreamPort: upstream.port,
        logger: silentLogger,
        onEntries: (entries) => journaledEntries.push(...entries.map((e) => e.deliveryId)),
        onStored: (entries) => {
          handed.push(...entries);
          intake.adoptStored(entries);
          door.settled(entries.length);
        },
        onCount: (_source, outcome) => outcomes.push(outcome),
        onDeath: (e) => deaths.push(e),
      });
      let stopped = false;
      cleanup.push(async () => {
        if (!stopped) await door.stop();
      });
      door.health(true);
      const opening = intake.doorOpening()!;
      expect(opening.sink).toMatchObject({ kind: "postgres", url, lease: { owner: intake.processor.owner } });
      door.open(opening);
      const base = `http://127.0.0.1:${door.port}`;
      const post = (id: string, text: string) => fetch(`${base}/webhooks/generic`, { method: "POST", headers: headers(id), body: text });

      // Until the thread's connections are open the main thread stores what comes; then the door does.
      let n = 0;
      await eventually(async () => {
        const before = upstream.passedOn;
        expect((await post(`early-${n++}`, body("Early"))).status).toBe(202);
        return upstream.passedOn === before ? true : undefined;
      }, "the door storing webhooks itself");

      const first = await post("p-1", body("P1"));
      // In the table the moment it is answered, stored leased (its first attempt counted; the lease
      // itself may be cleared already: processing is quick).
      const rows = await db.query<{ attempts: number }>("SELECT attempts FROM webhook_deliveries WHERE delivery_id = 'p-1'");
      expect(first.status).toBe(202);
      expect(await first.json()).toMatchObject({ ok: true, status: "accepted", deliveryId: "p-1" });
      expect(rows).toEqual([{ attempts: 1 }]);
      const again = await post("p-1", body("P1"));
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ status: "duplicate", deliveryId: "p-1" });
      // Many at once: one group commit or a few, each delivery stored and handed over once.
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`b-${i}`, body(`B${i}`))));
      expect(burst.map((r) => r.status)).toEqual(burst.map(() => 202));
      const passedBefore = upstream.passedOn;
      await eventually(async () => (handed.some((e) => e.deliveryId === "b-39") && outcomes.includes("duplicate") ? true : undefined), "the burst handed over, the duplicate counted");
      expect(upstream.passedOn).toBe(passedBefore);
      expect(handed.filter((e) => e.deliveryId === "p-1")).toHaveLength(1);
      expect(journaledEntries).toEqual([]);

      // The store reported down by the main thread: webhooks go to it, whose intake answers them.
      door.health(false);
      await eventually(async () => {
        const before = upstream.passedOn;
        await post(`down-${n++}`, body("Down"));
        return upstream.passedOn > before ? true : undefined;
      }, "the door passing webhooks to the main thread while the store is down");
      door.health(true);

      await eventually(async () => (seen.includes("P1") && seen.includes("B39") ? true : undefined), "the stored deliveries processed");
      await door.quiesce();
      await intake.drain();
      const all = await db.query<{ delivery_id: string; processed: boolean }>("SELECT delivery_id, processed_at IS NOT NULL AS processed FROM webhook_deliveries");
      expect(all.filter((r) => !r.processed)).toEqual([]);
      expect(all.filter((r) => r.delivery_id.startsWith("b-"))).toHaveLength(40);
      expect(seen.filter((x) => x === "P1")).toEqual(["P1"]);
      await intake.stop();
      await door.stop();
      stopped = true;
      expect(deaths).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!pgUrl)(
    "on Postgres, in a burst: stores each delivery unleased and hands none over, holds processing; once the burst is over processing claims them: each processed once, none before the end of the burst",
    async () => {
      const { db, url } = await ownPostgres();
      const { intake, door, upstream, events, handed, post, counted, stop } = await burstDoor({ store: createStore(db), databaseUrl: url });
      intake.start();
      // Until the thread's connections are open the main thread stores what comes (slowly: no burst).
      let n = 0;
      await eventually(async () => {
        const before = upstream.passedOn;
        expect((await post(`early-${n++}`)).status).toBe(202);
        return upstream.passedOn === before ? true : undefined;
      }, "the door storing webhooks itself");
      await eventually(async () => (events.includes("calm") || !events.includes("burst") ? true : undefined), "no burst from the early ones");
      events.length = 0;
      const ids = Array.from({ length: 30 }, (_, i) => `b-${String(i).padStart(2, "0")}`);
      for (const id of ids) expect((await post(id)).status).toBe(202);
      await eventually(async () => (ids.every((id) => events.includes(`processed ${id}`)) ? true : undefined), "the burst processed after it ended");
      await door.quiesce();
      await intake.drain();

      const firstCalm = events.indexOf("calm");
      expect(events.indexOf("burst")).toBeGreaterThanOrEqual(0);
      // What came during the burst was not handed over, and not processed before it ended.
      const unhanded = ids.filter((id) => !handed.includes(id));
      // Each counted as accepted once: by the door for those it did not hand over, by the main thread for the others.
      await eventually(async () => (counted.accepted === unhanded.length ? true : undefined), "the burst's deliveries counted as accepted by the door");
      expect(unhanded.length).toBeGreaterThanOrEqual(20);
      for (const id of unhanded) expect(events.indexOf(`processed ${id}`)).toBeGreaterThan(firstCalm);
      const rows = await db.query<{ delivery_id: string; processed: boolean }>("SELECT delivery_id, processed_at IS NOT NULL AS processed FROM webhook_deliveries WHERE delivery_id LIKE 'b-%' ORDER BY arrival");
      expect(rows.map((r) => r.delivery_id)).toEqual(ids);
      expect(rows.every((r) => r.processed)).toBe(true);
      expect(events.filter((e) => e.startsWith("processed b-")).sort()).toEqual(ids.map((id) => `processed ${id}`));
      await intake.stop();
      await stop();
    },
    120_000,
  );

  it("tells a burst in elapsed time: a trickle is no burst while the simulation's clock stands still between its steps", async () => {
    const { dir, db } = await journalAndStore("aisre-door-trickle-");
    const { intake, door, events, metrics, post, stop } = await burstDoor({ store: createStore(db), journal: { dir, segmentMs: 50 } });
    // One delivery every 150 ms (under the 10/s of a burst), while the intake's clock — the
    // simulation's, in the sandbox — does not move: its offset falls as the system's time goes on.
    const t0 = Date.now();
    for (let i = 0; i < 8; i++) {
      door.clock(-(Date.now() - t0));
      expect((await post(`t-${i}`)).status).toBe(202);
      await new Promise((r) => setTimeout(r, 150));
    }
    await eventually(async () => (events.filter((e) => e.startsWith("processed t-")).length === 8 ? true : undefined), "the trickle processed");
    expect(events.filter((e) => e === "burst" || e === "calm")).toEqual([]);
    expect(metrics.webhookBursts.get()).toBe(0);
    await door.quiesce();
    await intake.stop();
    await stop();
  });

  it("in a burst, spills what comes (journaled and answered, not handed over), holds processing, and once the burst is over reads it back: every delivery stored and processed once, in the order it came, no file left", async () => {
    const { dir, db } = await journalAndStore("aisre-door-burst-");
    // A burst past 10 deliveries a second (more than one in 100 ms), over after 300 ms without one.
    const { intake, door, events, spilledIds, counted, metrics, post, stop } = await burstDoor({ store: createStore(db), journal: { dir, segmentMs: 50 } });
    const ids = Array.from({ length: 30 }, (_, i) => `b-${String(i).padStart(2, "0")}`);
    for (const id of ids) expect((await post(id)).status).toBe(202);
    await eventually(async () => (events.includes("calm") ? true : undefined), "the end of the burst");
    // After the burst: handed over as usual, stored after what the burst spilled.
    const after = ["c-1", "c-2", "c-3"];
    for (const id of after) expect((await post(id)).status).toBe(202);
    await eventually(async () => (after.every((id) => events.includes(`processed ${id}`)) ? true : undefined), "the deliveries after the burst processed");
    await intake.drain();

    expect(events).toContain("burst");
    // Counted for the operator (aisre_webhook_bursts_total): once per burst the main thread heard of.
    expect(metrics.webhookBursts.get()).toBe(events.filter((e) => e === "burst").length);
    expect(spilledIds.has("b-00")).toBe(false); // the first came before the burst: handed over
    // Most of the burst was spilled, and none of it was processed before the burst ended.
    expect(spilledIds.size).toBeGreaterThanOrEqual(20);
    const firstCalm = events.indexOf("calm");
    for (const id of spilledIds) expect(events.indexOf(`processed ${id}`)).toBeGreaterThan(firstCalm);
    // The spilled ones counted as accepted by the door (the main thread counts those handed over).
    expect(counted.accepted).toBe(spilledIds.size);
    // Every delivery stored and processed once, in the order it came.
    const rows = await db.query<{ delivery_id: string; processed: boolean }>("SELECT delivery_id, processed_at IS NOT NULL AS processed FROM webhook_deliveries ORDER BY arrival");
    expect(rows.map((r) => r.delivery_id)).toEqual([...ids, ...after]);
    expect(rows.every((r) => r.processed)).toBe(true);
    expect(events.filter((e) => e.startsWith("processed")).sort()).toEqual([...ids, ...after].map((id) => `processed ${id}`).sort());
    await door.quiesce();
    await intake.stop();
    await stop();
    // Every file removed once its deliveries were in the store.
    expect(readdirSync(dir)).toEqual([]);
  });

  /**
   * A new failure during a burst: a delivery about a service the burst never named (it would open an
   * incident) is processed while the burst goes on (the door keeps it going, a delivery every few ms,
   * until then); the burst's own deliveries wait for its end as before; each processed once.
   */
  async function newFailureInBurst(door: Awaited<ReturnType<typeof burstDoor>>) {
    const { events, post } = door;
    // Before the burst: one slow to process, and one waiting behind it (in its own window: no burst yet),
    // so that processing, held by the burst, has a delivery waiting when the new failure comes.
    expect((await post("slow-1")).status).toBe(202);
    await eventually(async () => (events.includes("processing slow-1") ? true : undefined), "the slow one being processed");
    await new Promise((r) => setTimeout(r, 110)); // a window of its own: no burst yet
    expect((await post("w-1")).status).toBe(202);
    const ids: string[] = [];
    const more = async () => {
      const id = `b-${String(ids.length).padStart(3, "0")}`;
      ids.push(id);
      expect((await post(id)).status).toBe(202);
    };
    while ((!events.includes("burst") || ids.length < 3) && ids.length < 100) await more();
    expect(events).toContain("burst");
    // The burst goes on until the slow one is done: processing is then held with w-1 waiting.
    while (!events.includes("processed slow-1") && ids.length < 1000) await more();
    const parked = performance.now() + 200;
    while (performance.now() < parked) await more();
    const urgent = await fetch(`http://127.0.0.1:${door.door.port}/webhooks/generic`, { method: "POST", headers: headers("u-1"), body: JSON.stringify({ alerts: [{ name: "PaymentsDown", status: "firing", severity: "critical", service: "payments", summary: "payments is down" }] }) });
    expect(urgent.status).toBe(202);
    while (!events.includes("processed PaymentsDown") && ids.length < 1000) await more();
    const processedAt = events.indexOf("processed PaymentsDown");
    expect(processedAt).toBeGreaterThan(events.indexOf("burst"));
    const firstCalm = events.indexOf("calm");
    expect(firstCalm === -1 || processedAt < firstCalm).toBe(true);
    // The burst's own deliveries: none processed during it (after the urgent one and before its end), each once after.
    await eventually(async () => (ids.every((id) => events.includes(`processed ${id}`)) ? true : undefined), "the burst processed after it ended");
    const calm = events.indexOf("calm");
    expect(calm).toBeGreaterThan(processedAt);
    for (const e of events.slice(processedAt + 1, calm)) expect(e).not.toMatch(/^processed/);
    for (const name of [...ids, "PaymentsDown", "slow-1", "w-1"]) expect(events.filter((e) => e === `processed ${name}`)).toHaveLength(1);
    // The one that waited before the burst stays behind it; the new failure did not wait for it.
    expect(events.indexOf("processed slow-1")).toBeLessThan(processedAt);
    expect(events.indexOf("processed w-1")).toBeGreaterThan(calm);
  }

  it("in a burst, a delivery that would open an incident (a service the burst never named) is processed at once; the burst's own wait for its end", async () => {
    const { dir, db } = await journalAndStore("aisre-door-burst-new-");
    const door = await burstDoor({ store: createStore(db), journal: { dir, segmentMs: 50 } });
    // Started, as the product starts it: processing's own lane opens once the store's backlog (none) is claimed.
    door.intake.start();
    expect((await door.post("early")).status).toBe(202);
    await eventually(async () => (door.events.includes("processed early") ? true : undefined), "the early one processed");
    door.events.length = 0;
    await newFailureInBurst(door);
    await door.door.quiesce();
    await door.intake.stop();
    await door.stop();
  });

  it.skipIf(!pgUrl)(
    "on Postgres, in a burst, a delivery that would open an incident is stored leased and processed at once; the burst's own are claimed after it",
    async () => {
      const { db, url } = await ownPostgres();
      const door = await burstDoor({ store: createStore(db), databaseUrl: url });
      door.intake.start();
      let n = 0;
      await eventually(async () => {
        const before = door.upstream.passedOn;
        expect((await door.post(`early-${n++}`)).status).toBe(202);
        return door.upstream.passedOn === before ? true : undefined;
      }, "the door storing webhooks itself");
      await eventually(async () => (Array.from({ length: n }, (_, i) => `processed early-${i}`).every((e) => door.events.includes(e)) ? true : undefined), "the early ones processed");
      // Any burst of the early ones over.
      await new Promise((r) => setTimeout(r, 400));
      await eventually(async () => (door.events.filter((e) => e === "burst").length === door.events.filter((e) => e === "calm").length ? true : undefined), "no burst from the early ones");
      door.events.length = 0;
      await newFailureInBurst(door);
      await door.door.quiesce();
      await door.intake.drain();
      await door.intake.stop();
      await door.stop();
    },
    120_000,
  );

  it("a thread that ends without being stopped is reported as a death (the process ends for its supervisor); a stop is not", async () => {
    const upstream = createServer((_req, res) => sendJson(res, 404, { error: "not_found" }));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => upstream.close(() => r())));
    const start = (deaths: Error[]) => DoorWorker.start({ port: 0, host: "127.0.0.1", upstreamPort: (upstream.address() as AddressInfo).port, logger: silentLogger, onEntries: () => undefined, onCount: () => undefined, onDeath: (e) => deaths.push(e) });

    const stoppedDeaths: Error[] = [];
    const stopped = await start(stoppedDeaths);
    await stopped.stop();

    const diedDeaths: Error[] = [];
    const dying = await start(diedDeaths);
    // The thread ends under it, as an uncaught exception in the thread would end it.
    await dying["worker"].terminate();
    await eventually(async () => (diedDeaths.length ? true : undefined), "the death reported");
    expect(diedDeaths[0]?.message).toMatch(/door thread exited/);
    expect(stoppedDeaths).toEqual([]);
    // Nothing listens on its port any more: a sender's retry meets a refused connection, not a hang.
    await expect(fetch(`http://127.0.0.1:${dying.port}/webhooks/generic`, { method: "POST", body: "{}" })).rejects.toThrow();
  });
});
