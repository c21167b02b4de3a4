import { describe, expect, it } from "vitest";
import { storePerBlock, testDatabases } from "../support/databases.ts";

/** Ratings (👍/👎), cause grades and Home viewers, the same on PGlite and Postgres. */
describe.each(testDatabases())("feedback store contract on $name", ({ open }) => {
  let now = Date.parse("2026-12-05T10:00:00Z");
  const { store } = storePerBlock(open, () => now);

  it("keeps one rating per person and message, the last click winning", async () => {
    await store.feedback.rate({ channel: "C1", messageTs: "1.1", userId: "U_ALICE", subject: "answer", sentiment: "positive" });
    now += 1000;
    await store.feedback.rate({ channel: "C1", messageTs: "1.1", userId: "U_ALICE", subject: "answer", sentiment: "negative" });
    await store.feedback.rate({ channel: "C1", messageTs: "1.1", userId: "U_BOB", subject: "answer", sentiment: "positive", incidentId: "INC-9" });
    const all = await store.feedback.ratings();
    expect(all.map((r) => `${r.userId}:${r.sentiment}`).sort()).toEqual(["U_ALICE:negative", "U_BOB:positive"]);
    expect(all.find((r) => r.userId === "U_BOB")?.incidentId).toBe("INC-9");
    expect(all.find((r) => r.userId === "U_ALICE")?.at).toBe(new Date(now).toISOString());
    expect(await store.feedback.ratings(new Date(now + 1).toISOString())).toEqual([]);
  });

  it("keeps one grade per person and incident, with the cause and confidence stated at resolve", async () => {
    await store.incidents.create({ id: "INC-G1", title: "checkout errors", severity: "sev2", origin: "alert", services: ["checkout"] });
    await store.feedback.grade({ incidentId: "INC-G1", userId: "U_ALICE", grade: "wrong", score: 35, service: "inventory", cause: "deploy 2.3.0", confidence: 0.8 });
    now += 1000;
    const g = await store.feedback.grade({ incidentId: "INC-G1", userId: "U_ALICE", grade: "right", score: 100, service: "inventory", cause: "deploy 2.3.0", confidence: 0.8 });
    await store.feedback.grade({ incidentId: "INC-G1", userId: "U_CAROL", grade: "partly", score: 65 });
    const grades = await store.feedback.gradesOf("INC-G1");
    expect(grades).toHaveLength(2);
    expect(grades.find((x) => x.userId === "U_ALICE")).toEqual(g);
    expect(grades.find((x) => x.userId === "U_CAROL")).toMatchObject({ grade: "partly", score: 65 });
    expect(grades.find((x) => x.userId === "U_CAROL")?.confidence).toBeUndefined();
    expect((await store.feedback.grades()).length).toBeGreaterThanOrEqual(2);
  });

  it("lists the last resolved incidents newest first with their leading cause and grades", async () => {
    await store.incidents.create({ id: "INC-G2", title: "search slow", severity: "sev3", origin: "alert", services: ["search"] });
    await store.incidents.create({ id: "INC-G3", title: "still open", severity: "sev1", origin: "alert", services: ["db"] });
    await store.incidents.mergeCard("INC-G1", { diagnosis: { cause: "deploy 2.3.0 of inventory", confidence: 0.8 } });
    now += 1000;
    await store.incidents.update("INC-G1", { status: "resolved" });
    now += 1000;
    await store.incidents.update("INC-G2", { status: "resolved" });
    const list = await store.feedback.recentResolved(5);
    expect(list.map((i) => i.id)).toEqual(["INC-G2", "INC-G1"]);
    expect(list[1]).toMatchObject({ cause: "deploy 2.3.0 of inventory", confidence: 0.8, services: ["checkout"], severity: "sev2" });
    expect(list[1]?.grades.map((g) => g.grade).sort()).toEqual(["partly", "right"]);
    expect(list[0]?.grades).toEqual([]);
    expect((await store.feedback.recentResolved(1)).map((i) => i.id)).toEqual(["INC-G2"]);
  });

  it("refuses a grade outside the scale", async () => {
    await expect(store.feedback.grade({ incidentId: "INC-G1", userId: "U_BOB", grade: "maybe" as never, score: 50 })).rejects.toThrow();
  });

  it("remembers who opened Home, most recent first", async () => {
    await store.appHome.opened("U_ALICE");
    now += 1000;
    await store.appHome.opened("U_BOB");
    expect(await store.appHome.viewers()).toEqual(["U_BOB", "U_ALICE"]);
    now += 1000;
    await store.appHome.opened("U_ALICE");
    expect(await store.appHome.viewers()).toEqual(["U_ALICE", "U_BOB"]);
    expect(await store.appHome.viewers(1)).toEqual(["U_ALICE"]);
  });
});
