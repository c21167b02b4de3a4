import { systemClock } from "../../src/domain/clock.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import type { Alert } from "../../src/domain/alert.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { openPostgresDb } from "../../src/store/pg-db.ts";
import { createStore } from "../../src/store/store.ts";
import { freshPostgres } from "../support/databases.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const url = process.env.TEST_DATABASE_URL;

const alert = (i: number): Alert => ({
  fingerprint: `fp-${i}`,
  source: "alertmanager",
  name: `Alert${i % 5}`,
  status: "firing",
  severity: "sev2",
  service: "checkout",
  summary: "checkout failing",
  labels: { alertname: `Alert${i % 5}` },
  startsAt: "2026-11-23T10:00:00Z",
});

describe.skipIf(!url)("two replicas on one Postgres", () => {
  let first: Db;
  let second: Db;
  beforeAll(async () => {
    first = await freshPostgres(url!);
    // A second connection pool to the same database: another replica.
    const { current_database } = itemAt(await first.query<{ current_database: string }>("SELECT current_database()"), 0);
    const u = new URL(url!);
    u.pathname = `/${current_database}`;
    second = await openPostgresDb(u.toString());
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it("open one incident and post one root message when both receive the same storm", async () => {
    const slack = new MemorySlack();
    const replicas = [first, second].map((db) => {
      const store = createStore(db);
      const outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 0 });
      const incidents = new IncidentService({ clock: systemClock, store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", outbox, threadFlushMs: 0 });
      return { store, outbox, incidents };
    });
    const storm = Array.from({ length: 40 }, (_, i) => alert(i));
    await Promise.all(replicas.flatMap((r) => [r.incidents.ingest({ alerts: storm.slice(0, 20), changes: [] }), r.incidents.ingest({ alerts: storm.slice(20), changes: [] })]));
    expect((await itemAt(replicas, 0).store.incidents.listOpen()).length).toBe(1);
    for (const r of replicas) r.outbox.start();
    for (let i = 0; i < 100 && (await itemAt(replicas, 0).store.outbox.pendingCount()) > 0; i++) await new Promise((res) => setTimeout(res, 50));
    await Promise.all(replicas.map((r) => r.outbox.stop()));
    expect(slack.roots().length).toBe(1);
    expect((await itemAt(replicas, 1).store.alerts.countByIncident(itemAt(await itemAt(replicas, 1).store.incidents.listOpen(), 0).id)).total).toBe(40);
  });
});
