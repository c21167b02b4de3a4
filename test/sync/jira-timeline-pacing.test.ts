import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clockOf } from "../../src/domain/clock.ts";
import type { Alert } from "../../src/domain/alert.ts";
import { syncHarness, type SyncHarness } from "./harness.ts";

// The Jira timeline field in an alert storm: refreshed at most once per interval (time from a fake
// clock), the last refresh carrying the final state, a status change (the resolve) at once. The relay
// is driven by hand; "time passes" for the store's due times by making every waiting event due, so the
// only pacing left is the sync's own, from the fake clock.

const EVERY = 10_000;
let t = Date.parse("2026-12-06T12:00:00Z");
let h: SyncHarness;
beforeAll(async () => {
  h = await syncHarness({ clock: clockOf(() => t), jiraTimelineEveryMs: EVERY });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const field = async (incidentId: string) => String(h.jiraSandbox.store.issue((await h.store.links.get(incidentId, "jira"))!.externalId).custom.customfield_10041);

/** Every waiting event is due (as if the store's time had moved on), and the relay handles what it can. */
async function drive(): Promise<void> {
  await h.db.query("UPDATE incident_events SET not_before = now() WHERE done_at IS NULL AND not_before > now()");
  for (let i = 0; i < 20 && (await h.relay.runOnce()) > 0; i++);
}

let n = 0;
const alert = (service: string): Alert => {
  n++;
  return {
    fingerprint: `storm-${n}`,
    source: "alertmanager",
    name: `StormAlert${n}`,
    status: "firing",
    severity: "sev2",
    service,
    summary: `StormAlert${n} on ${service}`,
    labels: { alertname: `StormAlert${n}`, service },
    startsAt: new Date(Date.now() - 1000).toISOString(),
  };
};

describe("Jira timeline field in a storm", () => {
  it("is refreshed at most once per interval while alerts keep coming, ends with the final state, and a resolve refreshes it at once", { timeout: 120_000 }, async () => {
    const inc = await h.open({ service: "storm" });
    await h.settle();
    expect(await h.store.links.get(inc.id, "jira")).toBeDefined();
    await h.relay.stop();
    const refreshes = vi.spyOn(h.store.timeline, "keyEntries");

    // 20 alerts over 25 s of the clock, each batch's event handled as soon as it is due.
    const N = 20;
    const STEP = 1250;
    for (let i = 0; i < N; i++) {
      const r = await h.incidents.ingest({ alerts: [alert("storm")], changes: [] });
      expect(r.opened).toEqual([]);
      t += STEP;
      await drive();
    }
    const during = refreshes.mock.calls.length;
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThanOrEqual(Math.ceil((N * STEP) / EVERY));
    // Nothing is lost: the put-off refresh waits in the store, and goes once the interval has passed.
    expect(await h.store.incidentEvents.pendingCount("jira")).toBe(1);
    t += EVERY;
    await drive();
    expect(refreshes.mock.calls.length).toBeLessThanOrEqual(Math.ceil((N * STEP) / EVERY) + 1);
    expect(await h.store.incidentEvents.pendingCount("jira")).toBe(0);
    await h.sync.jira!.queue.flushNow();
    await h.sync.jira!.queue.idle();
    const final = await h.sync.jira!.timelineText(inc.id);
    expect(final).toContain(`StormAlert${n}`);
    expect(await field(inc.id)).toBe(final);

    // One more alert right after a refresh is put off; the resolve does not wait for it.
    await h.incidents.ingest({ alerts: [alert("storm")], changes: [] });
    t += 250;
    await h.db.query("UPDATE incident_events SET not_before = now() WHERE done_at IS NULL AND not_before > now()");
    await h.relay.runOnce();
    expect(await h.store.incidentEvents.pendingCount("jira")).toBe(1);
    const before = refreshes.mock.calls.length;
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "rolled back");
    // No time passes: the resolve brings the waiting refresh forward and goes right after it.
    for (let i = 0; i < 5 && (await h.relay.runOnce()) > 0; i++);
    expect(await h.store.incidentEvents.pendingCount("jira")).toBe(0);
    expect(refreshes.mock.calls.length).toBeGreaterThan(before);
    await h.sync.jira!.queue.flushNow();
    await h.sync.jira!.queue.idle();
    expect(await field(inc.id)).toBe(await h.sync.jira!.timelineText(inc.id));
    expect(await field(inc.id)).toContain(`StormAlert${n}`);
    const key = (await h.store.links.get(inc.id, "jira"))!.externalId;
    expect((h.jiraSandbox.state().jiraIssues as Array<{ key: string; status: string }>).find((i) => i.key === key)?.status).toBe("Done");
  });
});
