import { describe, expect, it } from "vitest";
import { keptEnds, keyTimeline, keyTimelineOfKept, timelineLines } from "../../src/postmortem/timeline.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";
import { rowsReadBy, totalRows } from "../support/plan-rows.ts";

describe.each(testDatabases())("key moments picked by the store on $name", ({ open }) => {
  const { store, db } = storePerBlock(open);

  const seed = async (id: string, alerts: number) => {
    await store.incidents.create({ id, title: "t", severity: "sev2", origin: "alert", services: ["api"] });
    const t0 = Date.parse("2026-11-23T10:00:00Z");
    let s = 0;
    const at = () => new Date(t0 + s++ * 1000).toISOString();
    const labels = { alertname: "HighErrorRate", service: "api", extra: "x".repeat(200) };
    const entries: Parameters<typeof store.timeline.appendMany>[0] = [];
    for (let i = 0; i < alerts; i++) {
      const fp = `f${i % Math.max(1, Math.floor(alerts / 3))}`;
      entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `Alert${fp} fired on api — same service`, at: at(), data: { fingerprint: fp, status: "firing", labels } });
      if (i % 5 === 0) entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `Alert${fp} resolved on api`, at: at(), data: { fingerprint: fp, status: "resolved", labels } });
      if (i % 7 === 0) entries.push({ incidentId: id, kind: "message", actor: "U1", text: `looking ${i}`, at: at(), data: { ts: `${i}.1` } });
      if (i % 11 === 0) entries.push({ incidentId: id, kind: "status", actor: "U1", text: `Status   open → acknowledged ${i}`, at: at(), data: {} });
    }
    // Without a fingerprint, the alert's first word is its key.
    entries.push({ incidentId: id, kind: "alert", actor: "prometheus", text: "NoFp fired", at: at(), data: { status: "firing" } });
    entries.push({ incidentId: id, kind: "alert", actor: "prometheus", text: "NoFp fired again", at: at(), data: { status: "firing" } });
    await store.timeline.appendMany(entries);
  };

  for (const [alerts, maxLines] of [
    [12, 120],
    [600, 120],
    [600, 30],
  ] as const) {
    it(`gives the key moments the whole timeline gives (${alerts} alert entries, at most ${maxLines} lines)`, async () => {
      const id = `INC-K${alerts}-${maxLines}-${Date.now()}`;
      await seed(id, alerts);
      const whole = timelineLines(keyTimeline(await store.timeline.list(id), { maxLines, messages: false }));
      const picked = await store.timeline.keyEntries(id, { messages: false, ...keptEnds(maxLines) });
      expect(timelineLines(keyTimelineOfKept(picked, { maxLines, messages: false }))).toEqual(whole);
      // The store hands over at most the lines shown, not the timeline.
      expect(picked.head.length).toBeLessThanOrEqual(maxLines);
      expect(picked.tail.length).toBeLessThanOrEqual(maxLines);
    });
  }

  it("gives the same key moments when the entries come over many statements, some older than those before them", async () => {
    const id = `INC-KS-${Date.now()}`;
    await store.incidents.create({ id, title: "t", severity: "sev2", origin: "alert", services: ["api"] });
    const t0 = Date.parse("2026-11-23T10:00:00Z");
    const labels = { service: "api" };
    // Statement by statement: a firing, its repeats, resolutions, a merge's copies with their own
    // (earlier) times, messages and status changes between them.
    for (let round = 0; round < 6; round++) {
      const base = t0 + round * 60_000;
      const entries: Parameters<typeof store.timeline.appendMany>[0] = [];
      for (let i = 0; i < 30; i++) {
        const fp = `f${(i * 7 + round) % 25}`;
        entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `A${fp} fired on api`, at: new Date(base + i * 1000).toISOString(), data: { fingerprint: fp, status: "firing", labels } });
        if (i % 4 === round % 4) entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `A${fp} resolved on api`, at: new Date(base + i * 1000 + 500).toISOString(), data: { fingerprint: fp, status: "resolved", labels } });
      }
      // Copied from a merged incident: older than what this incident already has.
      entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `Am${round} fired on db`, at: new Date(t0 - 3_600_000 + round * 1000).toISOString(), data: { fingerprint: `m${round % 2}`, status: "firing", mergedFrom: "INC-X" } });
      entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `Am${round} resolved on db`, at: new Date(t0 - 3_600_000 + round * 1000 + 1).toISOString(), data: { fingerprint: `m${round % 2}`, status: "resolved", mergedFrom: "INC-X" } });
      await store.timeline.appendMany(entries);
      await store.timeline.append({ incidentId: id, kind: "message", actor: "U1", text: `round ${round}`, at: new Date(base + 45_000).toISOString(), data: { ts: `${round}.1` } });
      await store.timeline.append({ incidentId: id, kind: "status", actor: "aisre", text: `Severity round ${round}`, at: new Date(base + 46_000).toISOString(), data: {} });
    }
    const all = await store.timeline.list(id);
    for (const [maxLines, messages] of [
      [400, false],
      [40, false],
      [40, true],
      [10, true],
    ] as const) {
      const whole = timelineLines(keyTimeline(all, { maxLines, messages }));
      const picked = await store.timeline.keyEntries(id, { messages, ...keptEnds(maxLines) });
      expect(timelineLines(keyTimelineOfKept(picked, { maxLines, messages })), `${maxLines} lines, messages ${messages}`).toEqual(whole);
    }
  });

  it("reads a bounded number of rows, however many alert entries the incident has", async () => {
    // A storm's incident: every alert new, some resolved, a few status changes.
    const stormed = async (alerts: number) => {
      const id = `INC-KR${alerts}-${Date.now()}`;
      await store.incidents.create({ id, title: "t", severity: "sev2", origin: "alert", services: ["api"] });
      const t0 = Date.parse("2026-11-23T10:00:00Z");
      const entries: Parameters<typeof store.timeline.appendMany>[0] = [];
      for (let i = 0; i < alerts; i++) {
        entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `A${i} fired on api`, at: new Date(t0 + i * 100).toISOString(), data: { fingerprint: `s${i}`, status: "firing", labels: { instance: `i-${i}` } } });
        if (i % 10 === 0) entries.push({ incidentId: id, kind: "alert", actor: "alertmanager", text: `A${i} resolved on api`, at: new Date(t0 + i * 100 + 50).toISOString(), data: { fingerprint: `s${i}`, status: "resolved" } });
        if (i % 1000 === 0) entries.push({ incidentId: id, kind: "status", actor: "aisre", text: `Severity ${i}`, at: new Date(t0 + i * 100 + 60).toISOString(), data: {} });
      }
      for (let i = 0; i < entries.length; i += 500) await store.timeline.appendMany(entries.slice(i, i + 500));
      return id;
    };
    const read = async (alerts: number) => {
      const id = await stormed(alerts);
      return totalRows(await rowsReadBy(db, store.clock, (s) => s.timeline.keyEntries(id, { messages: false, ...keptEnds(120) })));
    };
    const small = await read(300);
    const large = await read(5000);
    // The ends (120 + 59 lines) and the counts: as many rows for 5,000 alert entries as for 300.
    expect(large).toBeLessThan(1000);
    expect(large).toBeLessThanOrEqual(small + 20);
  });

  it("reads the incident's other entries through the index, not every alert entry: a storm's incident costs as much as a small one", async () => {
    const read = async (alerts: number) => {
      const id = `INC-KR${alerts}-${Date.now()}`;
      await store.incidents.create({ id, title: "t", severity: "sev2", origin: "alert", services: ["api"] });
      const t0 = Date.parse("2026-11-23T10:00:00Z");
      for (let i = 0; i < alerts; i += 500) {
        await store.timeline.appendMany(
          Array.from({ length: Math.min(500, alerts - i) }, (_, k) => ({
            incidentId: id,
            kind: "alert" as const,
            actor: "alertmanager",
            text: `Storm${i + k} fired on api`,
            at: new Date(t0 + (i + k) * 100).toISOString(),
            data: { fingerprint: `f${i + k}`, status: "firing", labels: { service: "api", extra: "x".repeat(200) } },
          })),
        );
      }
      await store.timeline.append({ incidentId: id, kind: "status", actor: "aisre", text: "Incident opened", at: new Date(t0).toISOString(), data: {} });
      await store.timeline.append({ incidentId: id, kind: "hypothesis", actor: "aisre", text: "Diagnosis", at: new Date(t0 + 1000).toISOString(), data: {} });
      // The plan the product's planner took on a storm's store (a large timeline without statistics):
      // not the partial index of the other entries, but the incident's entries by (incident_id, kind).
      // Asked for kind <> 'alert', it read every entry of the incident (3,081: 2,076 pages, ~100 ms).
      // The index is dropped in a transaction that is rolled back.
      let rows = new Map<string, number>();
      await db
        .transaction(async (tx) => {
          await tx.exec("DROP INDEX timeline_other_order");
          rows = await rowsReadBy(tx, store.clock, (s) => s.timeline.keyEntries(id, { messages: false, head: 60, tail: 60 }));
          throw new Error("rolled back");
        })
        .catch(() => undefined);
      const picked = await store.timeline.keyEntries(id, { messages: false, head: 60, tail: 60 });
      return { timeline: rows.get("timeline") ?? 0, kept: picked.kept, kinds: [...new Set(picked.head.map((e) => e.kind))].sort() };
    };
    const small = await read(100);
    const storm = await read(3000);
    expect(storm.kept).toBe(3002);
    expect(storm.kinds).toEqual(["alert", "hypothesis", "status"]);
    // The two other entries and the 120 picked; before, every entry of the incident was read and filtered.
    expect(small.timeline).toBeGreaterThan(0);
    expect(storm.timeline).toBeLessThan(300);
  });
});
