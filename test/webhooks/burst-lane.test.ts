import { describe, expect, it } from "vitest";
import { parseDelivery } from "../../src/ingest/registry.ts";
import { generic } from "../../src/ingest/sources/generic.ts";
import { BurstLane, URGENT_IN_BURST_PER_SECOND } from "../../src/webhooks/burst-lane.ts";

type A = { name: string; service: string; id: string; status?: "firing" | "resolved" };
const parsed = (...alerts: A[]) =>
  parseDelivery(generic, {
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ alerts: alerts.map((a) => ({ name: a.name, status: a.status ?? "firing", severity: "critical", service: a.service, summary: a.name, id: a.id })) })),
    receivedAt: new Date().toISOString(),
  });

describe("the burst lane: which of a burst's deliveries go to processing at once", () => {
  it("only in a burst, only one that would open an incident; every delivery is noted, burst or not", () => {
    const lane = new BurstLane();
    // Outside a burst nothing goes ahead (processing takes everything in order), but it is noted.
    expect(lane.goesNow(parsed({ name: "A", service: "checkout", id: "a" }), false, 0)).toBe(false);
    // In a burst: checkout was named before; payments is new.
    expect(lane.goesNow(parsed({ name: "B", service: "checkout", id: "b" }), true, 10)).toBe(false);
    expect(lane.goesNow(parsed({ name: "C", service: "payments", id: "c" }), true, 20)).toBe(true);
    // Its repeat, and a later alert of the same service, wait with the burst.
    expect(lane.goesNow(parsed({ name: "C", service: "payments", id: "c" }), true, 30)).toBe(false);
    expect(lane.goesNow(parsed({ name: "D", service: "payments", id: "d" }), true, 40)).toBe(false);
    // A resolution never goes ahead of what it resolves.
    expect(lane.goesNow(parsed({ name: "E", service: "search", id: "e", status: "resolved" }), true, 50)).toBe(false);
    // A new service, but an alert already seen: it stays behind the delivery about that alert.
    expect(lane.goesNow(parsed({ name: "A", service: "refunds", id: "a" }), true, 60)).toBe(false);
  });

  it(`lets at most ${URGENT_IN_BURST_PER_SECOND} a second through: a flood of new services keeps the door to itself`, () => {
    const lane = new BurstLane();
    const through = (from: number, n: number, at: number) => Array.from({ length: n }, (_, i) => lane.goesNow(parsed({ name: `N${from + i}`, service: `svc-${from + i}`, id: `n${from + i}` }), true, at + i)).filter(Boolean).length;
    expect(through(0, 50, 0)).toBe(URGENT_IN_BURST_PER_SECOND);
    // The next second, as many again.
    expect(through(50, 50, 1000)).toBe(URGENT_IN_BURST_PER_SECOND);
  });
});
