import { describe, expect, it } from "vitest";
import { createStore } from "../../src/store/store.ts";
import { perTestDatabases, secondReplica, testDatabases } from "../support/databases.ts";

describe.each(testDatabases())("state shared by replicas on $name", { timeout: 120_000 }, (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);

  it("lets exactly one replica handle a Slack event that reaches several (retries land anywhere)", async () => {
    const db = await open();
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    const [a, b] = [createStore(db), createStore(other)];
    const ids = Array.from({ length: 50 }, (_, i) => `Ev${i}`);
    const results = await Promise.all(ids.flatMap((id) => [a.slackEvents.claim(id, "app_mention"), b.slackEvents.claim(id, "app_mention")]));
    expect(results.filter(Boolean).length).toBe(ids.length);
    expect(await a.slackEvents.claim("Ev0", "app_mention")).toBe(false);
  });
});
