import { systemClock } from "../../src/domain/clock.ts";
import { afterEach, describe, expect, it } from "vitest";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { silentLogger } from "../../src/log.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { perTestDatabases, secondReplica, testDatabases } from "../support/databases.ts";
import { dyingAfterCommit, linkWrite } from "../support/dying-db.ts";
import { eventually } from "../support/eventually.ts";
import { syncHarness, type SyncHarness } from "../sync/harness.ts";

/**
 * What the root card shows of the Jira ticket, the PagerDuty page and the postmortem is written by
 * their syncs; the card's edit is wanted in the transaction that writes it. Replica A is killed
 * right after that commit (its database handle dies: nothing it meant to do afterwards happens);
 * replica B's render loop still edits the card. Before the mark moved into the transaction, it was
 * written after the commit, and a death in between lost the edit until the incident changed again.
 * (The diagnosis and the anomaly reporter: test/diagnose/live/service.test.ts,
 * test/detect/polling/reporter.test.ts.)
 */

// Each case turns the other syncs off: their own card edits, wanted and not yet rendered when A
// dies, would render the killed change too and hide its lost mark.
const cases = [
  { path: "the PagerDuty sync's page", system: "pagerduty", shows: /PagerDuty #\d+/, file: { jira: { enabled: false } } },
  { path: "the Jira sync's ticket", system: "jira", shows: /Jira OPS-\d+/, file: { pagerduty: { enabled: false } } },
  { path: "the postmortem's status", system: "postmortem", shows: /Postmortem: /, file: { jira: { enabled: false }, pagerduty: { enabled: false } }, resolve: true },
] as const;

describe.each(testDatabases())("the card's edit survives a replica killed after its sync's commit, on $name", { timeout: 300_000 }, (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);
  let h: SyncHarness | undefined;
  afterEach(async () => {
    // Replica A is dead: its parts stop with errors (its database handle fails), which say nothing here.
    await h?.close().catch(() => undefined);
    h = undefined;
  });

  it.each(cases)("$path", async (c) => {
    const db = await open();
    const dying = dyingAfterCommit(db, linkWrite(c.system));
    h = await syncHarness({ db: dying.db, file: c.file });
    const inc = await h.open({ service: "checkout", severity: "sev2" });
    if ("resolve" in c) await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "rolled back");
    await eventually(async () => dying.dead() || undefined, `replica A to commit the ${c.system} link`, 60_000);

    // Replica B (another pool on the same database) renders what is wanted and sends it.
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    const b: Store = createStore(other);
    expect(await b.links.get(inc.id, c.system)).toBeDefined();
    const outbox = new OutboxSender({ store: b, slack: h.slack, logger: silentLogger, minIntervalMs: 0 });
    cleanup.push(() => outbox.stop());
    const replica = new IncidentService({ clock: systemClock, store: b, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", outbox, threadFlushMs: 0 });
    for (let i = 0; i < 10 && ((await b.renders.pendingCount("card")) > 0 || (await b.outbox.pendingCount()) > 0); i++) {
      await replica.tick();
      await outbox.sendDue();
    }
    const root = await b.slackMessages.get(inc.id, "root");
    const card = h.slack.messages.get(root?.ts ?? "");
    expect(JSON.stringify(card?.blocks)).toMatch(c.shows);
    expect(await b.renders.pendingCount("card")).toBe(0);
  });
});
