import { describe, expect, it } from "vitest";
import type { TimelineEntry } from "../../src/domain/incident.ts";
import { type DigestAlert, digestFromTimeline } from "../../src/incident/digest.ts";
import { foldedDigest } from "../../src/incident/digest-render.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, inTransaction, type Store } from "../../src/store/store.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";
import { observedDb } from "../support/observed-db.ts";

/** Rows each timeline read returned (how much of the timeline a render reads). */
function countingTimelineRows(db: Db, rows: number[]): Db {
  return observedDb(db, (sql, out) => {
    if (/FROM timeline/.test(sql)) rows.push(out.length);
  });
}

/** The digest's alert lines in the order it lists them (firing first, then the newest). */
const listed = (alerts: DigestAlert[]) => [...alerts].sort((a, b) => (a.status === b.status ? b.since.localeCompare(a.since) : a.status === "firing" ? -1 : 1));

describe.each(testDatabases())("the digest folded as the timeline grows, on $name", ({ open }) => {
  const { db, store } = storePerBlock(open);

  it("shows what the whole timeline's fold shows, reading only the entries after the last one folded", async () => {
    const incidentId = `INC-F${Date.now()}`;
    await store.incidents.create({ id: incidentId, title: "storm", severity: "sev3", origin: "alert", services: ["svc-0"] });
    let minute = 0;
    const at = () => new Date(Date.parse("2026-11-23T10:00:00Z") + minute++ * 60_000).toISOString();
    const alert = (fp: string, status: "firing" | "resolved", service: string, extra: Record<string, unknown> = {}) => ({
      incidentId,
      kind: "alert" as const,
      actor: "alertmanager",
      text: `Alert${fp} ${status}`,
      at: at(),
      data: { fingerprint: fp, name: `Alert${fp}`, status, severity: "sev3", service, reason: "same service", ...extra },
    });
    const rows: number[] = [];
    const counted = createStore(countingTimelineRows(db, rows));
    const render = () => inTransaction(counted, (s: Store) => foldedDigest(s, incidentId));
    const compare = async () => {
      const full = digestFromTimeline(incidentId, await store.timeline.list(incidentId, ["alert", "anomaly", "change"]));
      const view = await render();
      expect(view.alerts).toEqual(listed(full.alerts).slice(0, 60));
      expect(view.alertTotals?.firing).toBe(full.alerts.filter((a) => a.status === "firing").length);
      expect(view.alertTotals?.resolved).toBe(full.alerts.filter((a) => a.status === "resolved").length);
      expect(view.anomalies).toEqual(full.anomalies);
      expect(view.changes).toEqual(full.changes);
      expect(view.updatedAt).toBe(full.updatedAt);
    };

    // A storm's first part: 80 alerts on three services.
    await store.timeline.appendMany(Array.from({ length: 80 }, (_, i) => alert(`a${i}`, "firing", `svc-${i % 3}`)));
    await compare();
    // Then flips, resolutions, an alert moved to another incident, a change, an anomaly, a note (not folded).
    await store.timeline.appendMany([
      alert("a1", "resolved", "svc-1"),
      alert("a1", "firing", "svc-1"),
      alert("a2", "resolved", "svc-2"),
      { incidentId, kind: "alert", actor: "aisre", text: "Alerta5 moved to INC-X", at: at(), data: { fingerprint: "a5", service: "svc-2", movedTo: "INC-X" } },
      { incidentId, kind: "change", actor: "github", text: "deploy", at: at(), data: { id: "ch-1", service: "svc-0", kind: "deploy", version: "v2", at: "2026-11-23T09:55:00.000Z", source: "github", reason: "a change to svc-0 itself" } },
      { incidentId, kind: "anomaly", actor: "aisre", text: "svc-0 errors", at: at(), data: { key: "svc-0/errors", service: "svc-0", sli: "error-rate", state: "detected", first: { explanation: { baseline: 0.01, deviation: 0.2, since: 1 } }, latest: { explanation: { baseline: 0.01, deviation: 0.3 } } } },
      { incidentId, kind: "note", actor: "U1", text: "looking", at: at(), data: {} },
      alert("b1", "firing", "svc-9"),
    ]);
    const before = rows.length;
    await compare();
    // This render read the 7 entries after the last one folded (the note is not a digest entry), not the incident's 87.
    const renderReads = rows.slice(before).filter((n) => n > 0);
    expect(renderReads).toContain(7);
    expect(Math.max(...renderReads.filter((n) => n !== 87 + 1))).toBeLessThan(80);
    // Nothing new: nothing is folded, the same view.
    const again = rows.length;
    const view = await render();
    expect(rows.slice(again)).toEqual([0]);
    expect(view.alertTotals).toEqual({ firing: 79, resolved: 1, services: ["svc-0", "svc-1", "svc-2", "svc-9"] });
  });

  it("lists a storm's newest firing alerts and says how many there are in all", async () => {
    const incidentId = `INC-S${Date.now()}`;
    await store.incidents.create({ id: incidentId, title: "storm", severity: "sev3", origin: "alert", services: ["svc-0"] });
    const t0 = Date.parse("2026-11-23T10:00:00Z");
    const entries: Array<Omit<TimelineEntry, "id">> = Array.from({ length: 500 }, (_, i) => ({
      incidentId,
      kind: "alert",
      actor: "alertmanager",
      text: `Storm fired`,
      at: new Date(t0 + i * 1000).toISOString(),
      data: { fingerprint: `s${i}`, name: "Storm", status: "firing", severity: "sev3", service: `svc-${i % 30}` },
    }));
    await store.timeline.appendMany(entries);
    const view = await inTransaction(store, (s) => foldedDigest(s, incidentId));
    expect(view.alertTotals?.firing).toBe(500);
    expect(view.alerts.length).toBe(60);
    expect(view.alerts[0]?.fingerprint).toBe("s499");
    // The chart select's services: the first 20 seen.
    expect(view.alertTotals?.services).toEqual(Array.from({ length: 20 }, (_, i) => `svc-${i}`));
  });
});
