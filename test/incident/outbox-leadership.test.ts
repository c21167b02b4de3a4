import { afterEach, describe, expect, it } from "vitest";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { silentLogger } from "../../src/log.ts";
import { createAppMetrics } from "../../src/observability/metrics.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore } from "../../src/store/store.ts";
import { LOCKS, lockHolder } from "../../src/store/locks.ts";
import { freshPostgres } from "../support/databases.ts";
import { eventually } from "../support/eventually.ts";
import { MemorySlack } from "../support/memory-slack.ts";

/**
 * The outbox sender's leadership (a Postgres advisory lock on a dedicated connection) can end
 * without it stepping down: the connection is terminated. That is counted for the
 * AisreLeadershipLost alert (deploy/monitoring), and the sender takes the lock again.
 */
const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)("outbox leadership on Postgres", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  });

  // The holder in this test's database: tests on the server's other databases hold the same key.
  const outboxHolder = (db: Db) => lockHolder(db, LOCKS.outboxLeader);

  it("counts a leadership lost with its connection, then leads again", async () => {
    const db = await freshPostgres(url!);
    cleanup.push(() => db.close());
    const metrics = createAppMetrics();
    const outbox = new OutboxSender({ store: createStore(db), slack: new MemorySlack(), logger: silentLogger, metrics, minIntervalMs: 0 });
    outbox.start();
    cleanup.push(() => outbox.stop());
    const first = await eventually(() => outboxHolder(db), "the outbox lock");
    await db.query("SELECT pg_terminate_backend($1)", [first]);
    await eventually(async () => (metrics.leadershipLost.get({ role: "outbox" }) === 1 ? true : undefined), "the loss to be counted");
    const again = await eventually(
      async () => {
        const pid = await outboxHolder(db);
        return pid !== undefined && pid !== first ? pid : undefined;
      },
      "the lock taken again",
      15_000,
    );
    expect(again).not.toBe(first);
    expect(metrics.registry.expose()).toMatch(/^aisre_leadership_lost_total\{role="outbox"\} 1$/m);
  }, 40_000);
});
