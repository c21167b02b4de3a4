import { describe, expect, it } from "vitest";
import { PostmortemRepo } from "../../src/store/repos/postmortems.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";

// Postmortem drafts due on resolution (postmortem_holds): due in system time (the caller's clock),
// claimed by one replica at a time under a lease, replaced by a new resolution, dropped by a reopen.

const T0 = Date.parse("2026-11-23T10:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

describe.each(testDatabases())("postmortem holds on $name", ({ open }) => {
  const { store } = storePerBlock(open);
  const holds = () => store.postmortemHolds;

  it("is claimed once its due time (system time) has come, by one owner at a time; done only by the owner that holds it", async () => {
    await holds().hold({ incidentId: "INC-H1", resolvedAt: at(0), by: "aisre", dueAt: at(5) });
    expect(await holds().claimDue("a", at(4), 10, 60_000)).toEqual([]);
    expect(await holds().dueCount(at(4))).toBe(0);
    expect(await holds().dueCount(at(5))).toBe(1);
    const [claimed, ...rest] = await holds().claimDue("a", at(5), 10, 60_000);
    expect(rest).toEqual([]);
    expect(claimed).toEqual({ incidentId: "INC-H1", resolvedAt: at(0), by: "aisre", dueAt: at(5), baseVersion: 0, attempts: 1 });
    // Another replica finds it held.
    expect(await holds().claimDue("b", at(9), 10, 60_000)).toEqual([]);
    expect(await holds().dueCount(at(9))).toBe(0);
    // The owner counts what it holds (it is still drafting it).
    expect(await holds().dueCount(at(9), "a")).toBe(1);
    expect(await holds().renew("b", ["INC-H1"], 60_000)).toBe(0);
    expect(await holds().renew("a", ["INC-H1"], 60_000)).toBe(1);
    expect(await holds().done("b", "INC-H1")).toBe(false);
    expect(await holds().done("a", "INC-H1")).toBe(true);
    expect(await holds().get("INC-H1")).toBeUndefined();
  });

  it("a reopen drops the hold; a new resolution replaces it, so the owner of the old claim no longer holds it", async () => {
    await holds().hold({ incidentId: "INC-H2", resolvedAt: at(0), by: "aisre", dueAt: at(5) });
    expect(await holds().cancel("INC-H2")).toBe(true);
    expect(await holds().cancel("INC-H2")).toBe(false);
    expect(await holds().claimDue("a", at(60), 10, 60_000)).toEqual([]);
    await holds().hold({ incidentId: "INC-H2", resolvedAt: at(10), by: "aisre", dueAt: at(15) });
    expect((await holds().claimDue("a", at(15), 10, 60_000)).map((h) => h.incidentId)).toEqual(["INC-H2"]);
    await holds().hold({ incidentId: "INC-H2", resolvedAt: at(20), by: "U_ALICE", dueAt: at(20) });
    expect(await holds().get("INC-H2")).toMatchObject({ resolvedAt: at(20), by: "U_ALICE", dueAt: at(20), attempts: 0 });
    expect(await holds().done("a", "INC-H2")).toBe(false);
    expect(await holds().claimDue("b", at(20), 10, 60_000)).toEqual([expect.objectContaining({ incidentId: "INC-H2", by: "U_ALICE", attempts: 1 })]);
  });

  it("a claim given back (or whose lease ran out) is claimable again, counting attempts and keeping the postmortem's version of the first claim", async () => {
    await store.incidents.create({ id: "INC-H3", title: "t", severity: "sev2", origin: "alert", services: ["cache"] });
    await holds().hold({ incidentId: "INC-H3", resolvedAt: at(0), by: "aisre", dueAt: at(5) });
    expect(await holds().claimDue("a", at(5), 10, 60_000)).toEqual([expect.objectContaining({ baseVersion: 0, attempts: 1 })]);
    // The first attempt saved its draft, then failed before it was published.
    await new PostmortemRepo<{ incidentId: string; narrative: string }, string>(store.db).saveGenerated({ incidentId: "INC-H3", narrative: "template" }, "aisre");
    await holds().retryLater("a", "INC-H3", 0, "Slack was down");
    expect(await holds().get("INC-H3")).toMatchObject({ error: "Slack was down", attempts: 1 });
    expect(await holds().claimDue("b", at(5), 10, 60_000)).toEqual([expect.objectContaining({ incidentId: "INC-H3", baseVersion: 0, attempts: 2 })]);
    // b's lease runs out (b died): another claims it.
    expect(await holds().claimDue("c", at(5), 10, 60_000)).toEqual([]);
    await store.db.query("UPDATE postmortem_holds SET lease_until = now() - interval '1 second' WHERE incident_id = $1", ["INC-H3"]);
    expect(await holds().claimDue("c", at(5), 10, 60_000)).toEqual([expect.objectContaining({ baseVersion: 0, attempts: 3 })]);
    // A hold first claimed after a draft exists records that draft's version.
    await holds().hold({ incidentId: "INC-H3", resolvedAt: at(30), by: "aisre", dueAt: at(35) });
    expect(await holds().claimDue("c", at(35), 10, 60_000)).toEqual([expect.objectContaining({ baseVersion: 1, attempts: 1 })]);
  });

  it("claims the earliest due first, up to the limit", async () => {
    for (const [id, due] of [
      ["INC-H5", 7],
      ["INC-H4", 6],
      ["INC-H6", 8],
    ] as const)
      await holds().hold({ incidentId: id, by: "aisre", dueAt: at(due) });
    expect((await holds().claimDue("a", at(60), 2, 60_000)).map((h) => h.incidentId)).toEqual(["INC-H4", "INC-H5"]);
    expect((await holds().claimDue("a", at(60), 2, 60_000)).map((h) => ({ id: h.incidentId, resolvedAt: h.resolvedAt }))).toEqual([{ id: "INC-H6", resolvedAt: undefined }]);
  });
});
