import { systemClock } from "../../src/domain/clock.ts";
import { describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import { parseDelivery } from "../../src/ingest/registry.ts";
import { generic } from "../../src/ingest/sources/generic.ts";
import { silentLogger } from "../../src/log.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";
import { WebhookIntake } from "../../src/webhooks/intake.ts";
import { processingPauseMs } from "../../src/webhooks/pacing.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };
const delivery = (n: number) =>
  parseDelivery(generic, { headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ alerts: [{ name: `Storm${n}`, status: "firing", severity: "warning", service: "checkout", summary: `storm ${n}`, fingerprint: `fp-${n}` }] })), receivedAt: new Date().toISOString() });

describe("processing paced while the webhook door is busy", () => {
  it("waits after a batch during which the door took requests, so that processing has at most its share of the time; never while the door is quiet", () => {
    expect(processingPauseMs({ batchMs: 100, doorBusy: true, share: 0.25, maxMs: 10_000 })).toBe(300);
    expect(processingPauseMs({ batchMs: 100, doorBusy: true, share: 0.5, maxMs: 10_000 })).toBe(100);
    expect(processingPauseMs({ batchMs: 100, doorBusy: false, share: 0.25, maxMs: 10_000 })).toBe(0);
    expect(processingPauseMs({ batchMs: 100, doorBusy: true, share: 1, maxMs: 10_000 })).toBe(0);
    // A long batch does not stop processing for longer than maxMs.
    expect(processingPauseMs({ batchMs: 5_000, doorBusy: true, share: 0.25, maxMs: 1_000 })).toBe(1_000);
  });

  it("gathers what arrives during the pause into the next batch while the door is busy (without gathering, the next batch would be only what waited)", async () => {
    const db = await openDb({ dataDir: "memory" });
    try {
      const batches: string[][] = [];
      let release!: () => void;
      const firstHeld = new Promise<void>((r) => (release = r));
      let doorRequests = 0;
      const intake = new WebhookIntake({
        clock: systemClock,
        sources: [generic],
        store: createStore(db),
        logger: silentLogger,
        secrets: {},
        // No gathering: only the pacing can make the second batch wait for more.
        processing: { gatherMs: 0, doorActivity: () => doorRequests, doorBusyShare: 0.01, doorBusyMaxPauseMs: 3_000 },
        handlers: {
          async ingest(d) {
            batches.push(d.alerts.map((a) => a.name));
            if (batches.length === 1) await firstHeld;
            return NONE;
          },
        },
      });
      const p = intake.processor;
      p.submit("generic", delivery(1));
      // The door takes requests while the first batch is decided; two deliveries wait.
      doorRequests += 2;
      p.submit("generic", delivery(2));
      p.submit("generic", delivery(3));
      await new Promise((r) => setTimeout(r, 50));
      release();
      // Shortly after the first batch ends, during the pause (up to 3 s at a 1% share), a fourth arrives.
      await new Promise((r) => setTimeout(r, 20));
      p.submit("generic", delivery(4));
      await p.drain();
      expect(batches).toEqual([["Storm1"], ["Storm2", "Storm3", "Storm4"]]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
