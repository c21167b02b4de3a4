import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import type { Alert, Severity } from "../../src/domain/alert.ts";
import { clockOf } from "../../src/domain/clock.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { eventually } from "../support/eventually.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

/**
 * Slack takes about one post a second per channel. An alert storm that opens more incidents at once
 * than that queues their root messages; a SEV2 opened in the middle of it is what the on-call needs
 * to see first. The channel's pacing is the outbox's (one post an interval, a burst of two); the
 * interval is a minute here, so no token comes back while the test runs.
 */
const services = ["search", "cart", "ledger", "shipping", "checkout"];
const alert = (service: string, severity: Severity): Alert => ({
  fingerprint: `fp-${service}`,
  source: "alertmanager",
  name: severity === "sev2" ? "HighErrorRate" : "LatencyWarning",
  status: "firing",
  severity,
  service,
  summary: `${service} is failing`,
  labels: { alertname: "x", service },
  startsAt: "2026-11-23T10:00:00Z",
});

describe("root messages in an alert storm", () => {
  let db: Db;
  let store: Store;
  let slack: MemorySlack;
  let outbox: OutboxSender;
  let incidents: IncidentService;
  const databases = reusedDatabases();

  beforeEach(async () => {
    db = await databases.open();
    store = createStore(db);
    slack = new MemorySlack();
    outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 60_000 });
    // Unrelated services: each failure opens its own incident.
    incidents = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => ({ services, edges: [] }), outbox, threadFlushMs: 0, clock: clockOf(() => Date.parse("2026-11-23T10:00:30Z")) });
  });
  afterEach(async () => {
    await outbox.stop();
    await db.close();
  });

  /** The services of the root messages posted so far, in the order they were posted. */
  const roots = () => slack.calls.filter((c) => c.method === "chat.postMessage" && !c.payload.thread_ts).map((c) => (c.payload.metadata as { event_payload: { services: string[] } }).event_payload.services.join());

  async function passes(n: number) {
    for (let i = 0; i < n; i++) await outbox.sendDue();
  }

  it("posts a SEV2's root message before the SEV3 ones queued before it", async () => {
    for (const s of services.slice(0, 4)) await incidents.ingest({ alerts: [alert(s, "sev3")], changes: [] });
    await incidents.ingest({ alerts: [alert("checkout", "sev2")], changes: [] });
    expect(await store.outbox.pendingCount()).toBeGreaterThanOrEqual(5);
    await passes(3);
    // The SEV2's first; the SEV3 ones leave the channel's last token (for the next SEV1/SEV2) and wait for the interval.
    expect(roots()).toEqual(["checkout"]);
  });

  it("keeps a token for a SEV2 opened while the SEV3 ones are being paced: its root message goes at once", async () => {
    for (const s of services.slice(0, 4)) await incidents.ingest({ alerts: [alert(s, "sev3")], changes: [] });
    await passes(3);
    // One SEV3 root message took a token; the others wait for the next interval, leaving the last token.
    expect(roots()).toEqual(["search"]);
    await incidents.ingest({ alerts: [alert("checkout", "sev2")], changes: [] });
    await passes(3);
    expect(roots()).toEqual(["search", "checkout"]);
  });

  it("tells the webhook processor once the root messages that may go now are posted, the channel's pacing honoured", async () => {
    // Slack answers the posts only when let: until then nothing may be told posted.
    const answer = Promise.withResolvers<void>();
    const call = slack.call.bind(slack);
    let asked = false;
    slack.call = async (method, payload) => {
      if (method === "chat.postMessage") {
        asked = true;
        await answer.promise;
      }
      return call(method, payload);
    };
    for (const s of ["search", "cart", "ledger"]) await incidents.ingest({ alerts: [alert(s, "sev2")], changes: [] });
    await incidents.ingest({ alerts: [alert("shipping", "sev3")], changes: [] });
    outbox.start();
    await eventually(async () => (asked ? true : undefined), "the first root message under way");
    let told = false;
    const posted = outbox.rootsPosted(120_000).then(() => (told = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(told).toBe(false);
    answer.resolve();
    // What the processor awaits before its next batch: the burst's two SEV2 root messages, in order;
    // the third and the SEV3's wait for the channel's next interval.
    await posted;
    expect(roots()).toEqual(["search", "cart"]);
  });
});
