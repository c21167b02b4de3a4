import { afterEach, describe, expect, it } from "vitest";
import { AdvisoryLockLeader } from "../../../src/detect/polling/leader.ts";
import { SliPoller } from "../../../src/detect/polling/poller.ts";
import { parseSliConfig } from "../../../src/detect/sli-config.ts";
import type { Db } from "../../../src/store/db.ts";
import { openDb } from "../../../src/store/open.ts";
import { openPostgresDb } from "../../../src/store/pg-db.ts";
import { LOCKS, lockHolder } from "../../../src/store/locks.ts";
import { eventually } from "../../support/harness.ts";
import { freshPostgres } from "../../support/databases.ts";
import { MemoryMetrics, noiseAt } from "./memory-ports.ts";
import { clockOf } from "../../../src/domain/clock.ts";
import { itemAt } from "../../../src/domain/indexed.ts";
import { defined } from "../../support/defined.ts";

/**
 * One poller at a time: the replica holding the Postgres advisory lock. When it dies (its
 * connection goes, so Postgres frees the lock) or stops, another takes over at its next election
 * tick. PGlite in one process for the basic case; two connection pools on one Postgres database
 * (two replicas) when TEST_DATABASE_URL is set.
 */

const slis = parseSliConfig({ services: { checkout: { slis: [{ name: "latency", prometheus: { query: "lat", step: 60 } }] } } });
const T0 = Date.UTC(2026, 0, 5, 12, 0);

/** A replica's poller: node-cron every second, election every second, its own metrics port to count its polls. */
function replica(db: Db) {
  const metrics = new MemoryMetrics((_q, t) => 100 + noiseAt(1, t));
  let poller: SliPoller | undefined;
  const lost: number[] = [];
  const leader = new AdvisoryLockLeader({ db, onChange: (l) => poller?.leadershipChanged(l), onLost: () => lost.push(Date.now()) });
  let now = T0;
  poller = new SliPoller({ slis, metrics, leader, clock: clockOf(() => (now += 60_000)), backfillMs: 3_600_000, cron: "* * * * * *", electionCron: "* * * * * *" });
  return { poller, leader, metrics, lost };
}

describe("poll leader (advisory lock)", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  });

  it("PGlite: one leader per lock; another takes it once released, not before", async () => {
    const db = await openDb({ dataDir: "memory" });
    cleanup.push(() => db.close());
    const changes: boolean[] = [];
    const a = new AdvisoryLockLeader({ db, onChange: (l) => changes.push(l) });
    const b = new AdvisoryLockLeader({ db });
    expect(await a.ensure()).toBe(true);
    expect(await a.ensure()).toBe(true);
    expect(await b.ensure()).toBe(false);
    expect(await b.shouldRun()).toBe(false);
    await a.resign();
    expect(a.isLeader).toBe(false);
    expect(await a.ensure()).toBe(false); // resigned for good
    expect(await b.ensure()).toBe(true);
    expect(changes).toEqual([true, false]);
    // A leader that dies without unlocking (abandon) frees the in-process claim too.
    const c = new AdvisoryLockLeader({ db });
    expect(await c.ensure()).toBe(false);
    b.abandon();
    expect(await c.ensure()).toBe(true);
  });

  it("PGlite: two pollers on one database, node-cron jobs; only the leader polls, the other takes over within seconds", async () => {
    const db = await openDb({ dataDir: "memory" });
    cleanup.push(() => db.close());
    const first = replica(db);
    const second = replica(db);
    cleanup.push(
      () => first.poller.stop(),
      () => second.poller.stop(),
    );
    first.poller.start();
    second.poller.start();
    await eventually(async () => (first.metrics.ranges.length + second.metrics.ranges.length >= 3 ? true : undefined), "three polls", 10_000);
    const [lead, other] = first.leader.isLeader ? [first, second] : [second, first];
    expect(lead.leader.isLeader).toBe(true);
    expect(other.leader.isLeader).toBe(false);
    expect(other.metrics.ranges).toHaveLength(0);
    expect(other.poller.polls).toBe(0);

    // The leader stops (a replica shut down): the other polls within a couple of election ticks.
    const stoppedAt = Date.now();
    await lead.poller.stop();
    const leadPolls = lead.metrics.ranges.length;
    await eventually(async () => (other.metrics.ranges.length > 0 ? true : undefined), "the takeover", 10_000);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(other.leader.isLeader).toBe(true);
    // Its first poll after taking over backfills (a fresh detector), then it polls every tick.
    expect(itemAt(other.metrics.ranges, 0).end - itemAt(other.metrics.ranges, 0).start).toBe(3_600_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(lead.metrics.ranges.length).toBe(leadPolls);
    // Stepping down on stop is not a lost leadership.
    expect([...lead.lost, ...other.lost]).toEqual([]);
  }, 30_000);

  const url = process.env.TEST_DATABASE_URL;
  /** Two replicas' connection pools on one fresh Postgres database (closed after the test). */
  async function twoPools(admin: string): Promise<[Db, Db]> {
    const first = await freshPostgres(admin);
    const { current_database } = itemAt(await first.query<{ current_database: string }>("SELECT current_database()"), 0);
    const u = new URL(admin);
    u.pathname = `/${current_database}`;
    const second = await openPostgresDb(u.toString());
    cleanup.push(
      () => first.close(),
      () => second.close(),
    );
    return [first, second];
  }

  it.skipIf(!url)("Postgres: a leader whose lock connection was cut does not take the lead straight back; the others try first", async () => {
    const [first, second] = await twoPools(url!);
    const lost: number[] = [];
    const a = new AdvisoryLockLeader({ db: first, onLost: () => lost.push(1) });
    const b = new AdvisoryLockLeader({ db: second });
    cleanup.push(
      () => a.resign(),
      () => b.resign(),
    );
    expect(await a.ensure()).toBe(true);
    expect(await b.ensure()).toBe(false);
    const holder = await lockHolder(second, LOCKS.pollLeader);
    defined(holder, "holder");
    await second.query("SELECT pg_terminate_backend($1)", [holder]);
    await eventually(async () => ((await lockHolder(second, LOCKS.pollLeader)) === undefined ? true : undefined), "the lock freed", 10_000);
    // The old leader checks first (the same election tick): it steps down and leaves the lock free.
    expect(await a.ensure()).toBe(false);
    expect(lost).toHaveLength(1);
    expect(await lockHolder(second, LOCKS.pollLeader)).toBeUndefined();
    expect(await b.ensure()).toBe(true);
    expect(await a.ensure()).toBe(false);
  });

  it.skipIf(!url)(
    "Postgres: two replicas; the leader's connection dies, the other takes over and the old one steps down",
    async () => {
      const [first, second] = await twoPools(url!);
      const a = replica(first);
      const b = replica(second);
      cleanup.push(
        () => a.poller.stop(),
        () => b.poller.stop(),
      );
      a.poller.start();
      await eventually(async () => (a.metrics.ranges.length > 0 ? true : undefined), "the first replica to poll", 10_000);
      b.poller.start();
      await new Promise((r) => setTimeout(r, 2500));
      expect(a.leader.isLeader).toBe(true);
      expect(b.metrics.ranges).toHaveLength(0);

      // The leader's lock connection dies (as when its process is killed): Postgres frees the lock.
      // The holder in this test's database (lockHolder): the key is the same in every database, and tests
      // on the server's other databases, run in parallel, hold it too; ending one of theirs was a takeover never seen.
      const holder = await lockHolder(second, LOCKS.pollLeader);
      defined(holder, "holder");
      await second.query("SELECT pg_terminate_backend($1)", [holder]);
      const killedAt = Date.now();
      await eventually(async () => (b.metrics.ranges.length > 0 ? true : undefined), "the takeover", 15_000);
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      expect(b.leader.isLeader).toBe(true);
      // The old leader notices at its next check that the lock is not its own any more.
      await eventually(async () => (!a.leader.isLeader ? true : undefined), "the old leader to step down", 10_000);
      // …and reports the loss (aisre_leadership_lost_total); the new leader lost nothing.
      expect(a.lost).toHaveLength(1);
      expect(b.lost).toHaveLength(0);
      const aPolls = a.metrics.ranges.length;
      await new Promise((r) => setTimeout(r, 2000));
      expect(a.metrics.ranges.length).toBe(aPolls);
    },
    60_000,
  );
});
