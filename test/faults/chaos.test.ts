import { describe, expect, it } from "vitest";
import { databaseRefuses, killMidStorm, renderAfterKill, SHORT, slackOutage, threeReplicasOneKilled } from "../../chaos/cases.ts";

const admin = process.env.TEST_DATABASE_URL;

/**
 * The shorter `npm run chaos` cases, on real processes: a shared `aisre sandbox`, bot replicas on
 * scratch databases beside TEST_DATABASE_URL. Nothing accepted is lost, nothing is posted twice.
 */
describe.skipIf(!admin)("chaos (short cases)", () => {
  it("kill -9 mid-storm on Postgres: nothing lost, nothing doubled", { timeout: 300_000 }, async () => {
    const row = await killMidStorm("postgres", SHORT, admin);
    expect(row.accepted).toBeGreaterThan(0);
    expect(row).toMatchObject({ lost: 0, duplicated: 0 });
  });

  it("kill -9 between the commit and the card's edit: the restarted replica renders what was wanted", { timeout: 300_000 }, async () => {
    const row = await renderAfterKill(SHORT, admin);
    expect(row.accepted).toBeGreaterThan(1);
    // Before the kill the cards counted only the alerts they were posted with; after it, every one.
    const [, after, before] = /count (\d+) alerts after the restart \((\d+) before the kill\)/.exec(row.recovery) ?? [];
    expect(Number(before), row.recovery).toBeLessThan(Number(after));
    expect(Number(after), row.recovery).toBe(row.accepted);
    expect(row).toMatchObject({ lost: 0, duplicated: 0 });
  });

  it("the database refusing connections: 503s meanwhile, ready within 5 s of its return, nothing lost", { timeout: 300_000 }, async () => {
    const row = await databaseRefuses(SHORT, admin!);
    expect(row.refused).toBeGreaterThan(0);
    expect(row).toMatchObject({ lost: 0, duplicated: 0, recovery: "ready after the database returns (no restart)" });
    expect(row.recoverSeconds).toBeLessThanOrEqual(5);
  });

  it("Slack losing responses: every message posted once", { timeout: 300_000 }, async () => {
    const row = await slackOutage("drop-response", SHORT, admin!);
    expect(row.accepted).toBeGreaterThan(0);
    expect(row).toMatchObject({ lost: 0, duplicated: 0 });
  });

  it("three replicas, one killed mid-storm: the others finish its work", { timeout: 300_000 }, async () => {
    const row = await threeReplicasOneKilled(SHORT, admin!);
    expect(row.accepted).toBeGreaterThan(0);
    expect(row).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
