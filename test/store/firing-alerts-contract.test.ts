import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/domain/alert.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";

/** "What's on fire?": alerts firing that no open incident holds, the same on PGlite and Postgres. */
describe.each(testDatabases())("firing alerts outside open incidents on $name", ({ open }) => {
  let now = Date.parse("2026-12-05T10:00:00Z");
  const { store } = storePerBlock(open, () => now);
  const alert = (fingerprint: string, status: Alert["status"] = "firing"): Alert => ({ fingerprint, source: "generic", name: fingerprint, status, severity: "sev3", service: "svc", summary: "", labels: {}, startsAt: new Date(now).toISOString() });

  it("lists ungrouped firing alerts and those firing again after their incident was resolved, not the open incidents' or stale ones", async () => {
    const openInc = await store.incidents.create({ id: "INC-open", title: "open", severity: "sev2", origin: "alert", services: ["svc"] });
    const doneInc = await store.incidents.create({ id: "INC-done", title: "done", severity: "sev2", origin: "alert", services: ["svc"] });
    await store.alerts.upsert(alert("in-open"), openInc.id, undefined);
    await store.alerts.upsert(alert("loose"), undefined, undefined);
    await store.alerts.upsert(alert("loose-resolved", "resolved"), undefined, undefined);
    await store.alerts.upsert(alert("stale-after-resolve"), doneInc.id, undefined);
    await store.alerts.upsert(alert("fires-again"), doneInc.id, undefined);
    now += 60_000;
    await store.incidents.update(doneInc.id, { status: "resolved" });
    now += 60_000;
    await store.alerts.upsert(alert("fires-again"), undefined, undefined);
    const names = (await store.alerts.firingOutsideOpenIncidents(10)).map((a) => a.name).sort();
    expect(names).toEqual(["fires-again", "loose"]);
  });
});
