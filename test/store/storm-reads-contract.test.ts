import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/domain/alert.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";
import { rowsReadBy, totalRows } from "../support/plan-rows.ts";
import { observedDb } from "../support/observed-db.ts";
import { createStore } from "../../src/store/store.ts";

/**
 * What a storm makes the product read again and again — the card's alert counts and names, the
 * diagnosis's "are the real alerts over?", the batch's "which incidents fire?", the outbox's due
 * calls — answers as before and reads a number of rows that does not grow with the incident's alerts,
 * with the other incidents' alerts, or with the square of the unsent calls (both drivers).
 */
describe.each(testDatabases())("reads a storm repeats, bounded, on $name", ({ open }) => {
  const now = Date.parse("2026-12-06T10:00:00Z");
  const { store, db } = storePerBlock(open, () => now);
  const alert = (fingerprint: string, o: Partial<Alert> = {}): Alert => ({ fingerprint, source: "alertmanager", name: "A", status: "firing", severity: "sev3", service: "svc", summary: "", labels: { instance: fingerprint }, startsAt: new Date(now - 60_000).toISOString(), ...o });
  const incident = (id: string) => store.incidents.create({ id, title: id, severity: "sev3", origin: "alert", services: ["svc"] });
  const counted = async (id: string) => {
    const [row] = await db.query<{ total: number; firing: number }>("SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'firing')::int AS firing FROM alerts WHERE incident_id = $1", [id]);
    return { total: Number(row?.total), firing: Number(row?.firing) };
  };

  it("keeps each incident's alert counts as alerts are inserted, resolved, fire again and move", async () => {
    const [a, b] = [`INC-C1-${now}`, `INC-C2-${now}`];
    await incident(a);
    await incident(b);
    await store.alerts.upsertMany(Array.from({ length: 30 }, (_, i) => ({ alert: alert(`${a}-${i}`, { name: `N${i % 3}`, service: i % 2 ? "svc" : "db" }), incidentId: a })));
    expect(await store.alerts.countByIncident(a)).toEqual(await counted(a));
    // Resolved (no incident given: it stays where it is), some of them twice.
    await store.alerts.upsertMany(Array.from({ length: 10 }, (_, i) => ({ alert: alert(`${a}-${i}`, { status: "resolved" }) })));
    await store.alerts.upsertMany(Array.from({ length: 5 }, (_, i) => ({ alert: alert(`${a}-${i}`, { status: "resolved" }) })));
    expect(await store.alerts.countByIncident(a)).toEqual({ total: 30, firing: 20 });
    // Fired again, with new alerts in the same statement; an alert of no incident is counted nowhere.
    await store.alerts.upsertMany([...Array.from({ length: 3 }, (_, i) => ({ alert: alert(`${a}-${i}`), incidentId: a })), { alert: alert(`${a}-new`), incidentId: a }, { alert: alert(`${a}-loose`) }]);
    expect(await store.alerts.countByIncident(a)).toEqual({ total: 31, firing: 24 });
    // A split (some services) and a merge (the rest).
    expect(await store.alerts.moveToIncident(a, b, ["db"])).toBeGreaterThan(0);
    expect(await store.alerts.countByIncident(a)).toEqual(await counted(a));
    expect(await store.alerts.countByIncident(b)).toEqual(await counted(b));
    await store.alerts.moveToIncident(a, b);
    expect(await store.alerts.countByIncident(a)).toEqual({ total: 0, firing: 0 });
    expect(await store.alerts.countByIncident(b)).toEqual({ total: 31, firing: 24 });
    expect(await store.alerts.countByIncident("INC-none")).toEqual({ total: 0, firing: 0 });
  });

  it("names an incident's alerts, sorted and distinct, in a few steps however many alerts it has", async () => {
    const names = async (alerts: number) => {
      const id = `INC-N${alerts}-${now}`;
      await incident(id);
      for (let i = 0; i < alerts; i += 500) await store.alerts.upsertMany(Array.from({ length: Math.min(500, alerts - i) }, (_, k) => ({ alert: alert(`${id}-${i + k}`, { name: `Storm${(i + k) % 4}` }), incidentId: id })));
      await store.alerts.upsert(alert(`${id}-z`, { name: "Zeta" }), id, undefined);
      const read = await rowsReadBy(db, store.clock, (s) => s.alerts.namesByIncident(id, 3));
      return { names: await store.alerts.namesByIncident(id, 10), three: await store.alerts.namesByIncident(id, 3), rows: totalRows(read) };
    };
    const small = await names(40);
    const large = await names(3000);
    expect(large.names).toEqual(["Storm0", "Storm1", "Storm2", "Storm3", "Zeta"]);
    expect(large.three).toEqual(["Storm0", "Storm1", "Storm2"]);
    expect(small.names).toEqual(large.names);
    expect(large.rows).toBeLessThanOrEqual(small.rows);
    expect(large.rows).toBeLessThan(20);
    expect(await store.alerts.namesByIncident("INC-none", 10)).toEqual([]);
  });

  it("samples an incident's alerts for a ranking: all of a small incident, a few dozen of a storm's, with the first, the last and the pods of each kind", async () => {
    const id = `INC-S-${now}`;
    await incident(id);
    const at = (min: number) => new Date(now - 60 * 60_000 + min * 60_000).toISOString();
    // A small incident: every alert, in the order byIncident gives.
    await store.alerts.upsertMany(Array.from({ length: 12 }, (_, i) => ({ alert: alert(`${id}-s${i}`, { name: `N${i % 3}`, startsAt: at(i), ...(i === 5 ? { status: "resolved" as const, endsAt: at(30) } : {}) }), incidentId: id })));
    expect((await store.alerts.sampleForDiagnosis(id, 5)).map((a) => a.fingerprint)).toEqual((await store.alerts.byIncident(id)).map((a) => a.fingerprint));
    // A storm of one kind: 3,000 more, two of which name pods (p-a, p-b), one sev1 among them.
    await store.alerts.upsertMany(
      Array.from({ length: 3000 }, (_, i) => ({
        alert: alert(`${id}-x${i}`, { name: "Storm", startsAt: new Date(now - 50 * 60_000 + i * 1000).toISOString(), labels: { instance: `i${i}`, ...(i === 1500 ? { pod: "p-b" } : i === 700 ? { pod: "p-a" } : {}) }, ...(i === 2000 ? { severity: "sev1" as const } : {}) }),
        incidentId: id,
      })),
    );
    const sample = await store.alerts.sampleForDiagnosis(id, 5);
    const fps = sample.map((a) => a.fingerprint);
    // Storm sev3 firing: 5 first, 5 last, two pods; storm sev1: its one; the small incident's 12.
    expect(sample.length).toBeLessThanOrEqual(12 + 5 + 5 + 2 + 1);
    expect(fps).toEqual(expect.arrayContaining([`${id}-x0`, `${id}-x4`, `${id}-x2999`, `${id}-x2995`, `${id}-x700`, `${id}-x1500`, `${id}-x2000`, `${id}-s5`]));
    expect(sample.map((a) => Date.parse(a.startsAt))).toEqual([...sample.map((a) => Date.parse(a.startsAt))].sort((a, b) => a - b));
    expect(await store.alerts.sampleForDiagnosis("INC-none", 5)).toEqual([]);
  });

  it("samples as every alert numbered by its kind did, reading a few rows of each kind however many alerts it has", async () => {
    // The sample as it was chosen before migration 194: every alert of the incident numbered five times over.
    const numbered = async (id: string, perKind: number) =>
      (
        await db.query<{ fingerprint: string }>(
          `SELECT a.fingerprint FROM alerts a JOIN (
             SELECT fingerprint FROM (
               SELECT fingerprint,
                 row_number() OVER (PARTITION BY service, name, status, severity ORDER BY starts_at, fingerprint) AS head,
                 row_number() OVER (PARTITION BY service, name, status, severity ORDER BY starts_at DESC, fingerprint DESC) AS tail,
                 row_number() OVER (PARTITION BY service, name, status, severity ORDER BY ends_at DESC NULLS LAST, fingerprint) AS ended,
                 row_number() OVER (PARTITION BY service, name, status, severity ORDER BY labels->>'pod' NULLS LAST, fingerprint) AS pod_first,
                 row_number() OVER (PARTITION BY service, name, status, severity ORDER BY labels->>'pod' DESC NULLS LAST, fingerprint) AS pod_last
               FROM alerts WHERE incident_id = $1) r
             WHERE head <= $2 OR tail <= $2 OR ended = 1 OR pod_first = 1 OR pod_last = 1) k ON k.fingerprint = a.fingerprint
           ORDER BY a.starts_at, a.fingerprint`,
          [id, perKind],
        )
      ).map((r) => r.fingerprint);
    // Kinds with and without a service, firing and resolved, pods named by some, equal start times and pods (ties by fingerprint).
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const id = `INC-K-${now}`;
    await incident(id);
    const alerts = Array.from({ length: 600 }, (_, i) => {
      const status = next(3) === 0 ? ("resolved" as const) : ("firing" as const);
      const pod = next(4) === 0 ? undefined : `pod-${next(9)}`;
      return {
        alert: alert(`${id}-${String(next(100_000)).padStart(6, "0")}-${i}`, {
          name: `N${next(3)}`,
          severity: next(2) ? "sev2" : "sev3",
          service: next(4) === 0 ? undefined : `svc${next(2)}`,
          status,
          startsAt: new Date(now - 60 * 60_000 + next(50) * 60_000).toISOString(),
          ...(status === "resolved" && next(2) ? { endsAt: new Date(now - next(30) * 60_000).toISOString() } : {}),
          labels: pod ? { instance: `i${i}`, pod } : { instance: `i${i}` },
        }),
        incidentId: id,
      };
    });
    await store.alerts.upsertMany(alerts);
    for (const perKind of [1, 3, 5])
      expect(
        (await store.alerts.sampleForDiagnosis(id, perKind)).map((a) => a.fingerprint),
        `perKind ${perKind}`,
      ).toEqual(await numbered(id, perKind));
    // One kind of 3,000: the rows read stay a few dozen (numbering them read every one).
    const storm = `INC-KS-${now}`;
    await incident(storm);
    for (let i = 0; i < 3000; i += 500) await store.alerts.upsertMany(Array.from({ length: 500 }, (_, k) => ({ alert: alert(`${storm}-${i + k}`, { name: "Storm", startsAt: new Date(now - 50 * 60_000 + (i + k) * 1000).toISOString() }), incidentId: storm })));
    expect((await store.alerts.sampleForDiagnosis(storm, 5)).map((a) => a.fingerprint)).toEqual(await numbered(storm, 5));
    const read = await rowsReadBy(db, store.clock, (s) => s.alerts.sampleForDiagnosis(storm, 5));
    expect(read.get("alerts")).toBeLessThan(100);
  });

  it("reads incidents (the open ones, each batch; one by id, all the time) without their cards", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `INC-CARD${i}-${now}`);
    for (const id of ids) {
      await incident(id);
      await store.incidents.mergeCard(id, { impact: "checkout: 40 % of requests fail", diagnosis: { summary: "x".repeat(2000), cause: "payments: pool exhausted", nextSteps: ["a".repeat(500), "b".repeat(500)] } });
    }
    let handed = 0;
    const watched = createStore(
      observedDb(db, (_sql, rows) => {
        handed += JSON.stringify(rows).length;
      }),
      store.clock,
    );
    const open = await watched.incidents.listOpen();
    expect(open.map((i) => i.id)).toEqual(expect.arrayContaining(ids));
    const one = await watched.incidents.get(ids[0]!);
    expect(one?.title).toBe(ids[0]);
    // Each incident's row, not its 3 KB card (20 of them: 60 KB read, parsed and dropped before).
    expect(handed).toBeLessThan(400 * (open.length + 1));
    expect((await store.incidents.card(ids[0]!)).diagnosis?.cause).toBe("payments: pool exhausted");
  });

  it("tells whether an incident's real alerts (not anomalies) exist and fire", async () => {
    const id = `INC-R-${now}`;
    await incident(id);
    expect(await store.alerts.realAlerts(id)).toEqual({ any: false, firing: false });
    await store.alerts.upsert(alert(`${id}-anomaly`, { source: "anomaly" }), id, undefined);
    expect(await store.alerts.realAlerts(id)).toEqual({ any: false, firing: false });
    await store.alerts.upsert(alert(`${id}-a`, { status: "resolved" }), id, undefined);
    expect(await store.alerts.realAlerts(id)).toEqual({ any: true, firing: false });
    await store.alerts.upsert(alert(`${id}-b`), id, undefined);
    expect(await store.alerts.realAlerts(id)).toEqual({ any: true, firing: true });
  });

  it("asks which incidents fire, and which nothing lets resolve, without reading other incidents' alerts", async () => {
    const asked = [`INC-F1-${now}`, `INC-F2-${now}`];
    for (const id of asked) await incident(id);
    await store.alerts.upsert(alert(`${asked[0]}-x`), asked[0], undefined);
    await store.alerts.upsert(alert(`${asked[1]}-x`, { status: "resolved" }), asked[1], undefined);
    // A storm elsewhere: 4,000 firing alerts in other incidents.
    for (let n = 0; n < 4; n++) {
      const other = `INC-F-other${n}-${now}`;
      await incident(other);
      for (let i = 0; i < 1000; i += 500) await store.alerts.upsertMany(Array.from({ length: 500 }, (_, k) => ({ alert: alert(`${other}-${i + k}`), incidentId: other })));
    }
    // Vacuumed, as the embedded store's busy tables are every 10 s: the planner knows how many alerts there are.
    await db.exec("VACUUM alerts");
    const severities = asked.map((id) => ({ id, severity: "sev3" as const }));
    const grouping = await store.incidents.openForGrouping();
    expect(grouping.filter((r) => asked.includes(r.incident.id)).map((r) => [r.incident.id, r.firing])).toEqual([
      [asked[0], true],
      [asked[1], false],
    ]);
    expect(await store.alerts.heldAsTheyAre(severities, [])).toEqual(new Set([asked[0]]));
    // Grouping's read of every open incident: a few rows each (its counts, not its alerts).
    expect(totalRows(await rowsReadBy(db, store.clock, (s) => s.incidents.openForGrouping()))).toBeLessThan(10 * grouping.length);
    expect(totalRows(await rowsReadBy(db, store.clock, (s) => s.alerts.heldAsTheyAre(severities, [])))).toBeLessThan(100);
  });

  it("finds the outbox's due calls reading each unsent call about once, not each against every other", async () => {
    const read = async (unsent: number) => {
      const channel = `C-OUT-${unsent}-${now}`;
      const blocks = [{ type: "section", text: { type: "mrkdwn", text: "x".repeat(400) } }];
      for (let i = 0; i < unsent; i++) {
        const lane = i % 4;
        if (lane === 0) await store.outbox.enqueue({ channel, method: "chat.postMessage", payload: { text: `root ${i}`, blocks } });
        else if (lane === 1) await store.outbox.enqueue({ channel, method: "chat.update", payload: { ts: `$root:INC-${i}`, blocks }, dedupeKey: `${channel}-card-${i}` });
        else if (lane === 2) await store.outbox.enqueue({ channel, method: "chat.update", payload: { ts: `1.${i}`, blocks }, dedupeKey: `${channel}-edit-${i}` });
        else await store.outbox.enqueue({ channel, method: "chat.postMessage", payload: { thread_ts: `$root:INC-${i}`, text: `reply ${i}`, blocks } });
      }
      const due = (await store.outbox.due(500)).filter((d) => d.channel === channel).map((d) => d.payload.text ?? d.payload.ts);
      return { due, rows: totalRows(await rowsReadBy(db, store.clock, (s) => s.outbox.due(500))) };
    };
    const small = await read(20);
    // The first call of each lane: the first top-level post, root card edit, other edit and reply.
    expect(small.due).toEqual(["root 0", "$root:INC-1", "1.2", "reply 3"]);
    const large = await read(400);
    expect(large.due).toEqual(["root 0", "$root:INC-1", "1.2", "reply 3"]);
    // 420 unsent calls in all: a few reads of each, not 400 × 100.
    expect(large.rows).toBeLessThan(3 * 420);
  });
});
