import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";
import { runNode } from "../support/process.ts";

describe("npx aisre feedback report", () => {
  it("npx aisre feedback report [--json] reads the store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-feedback-"));
    const db = await openDb({ dataDir });
    const store = createStore(db);
    await store.incidents.create({ id: "INC-1", title: "t", severity: "sev2", origin: "alert", services: ["checkout"] });
    await store.feedback.grade({ incidentId: "INC-1", userId: "U_ALICE", grade: "partly", score: 65, service: "inventory", cause: "deploy", confidence: 0.7 });
    await store.feedback.rate({ channel: "C1", messageTs: "1.1", userId: "U_BOB", subject: "answer", sentiment: "negative" });
    await db.close();
    const json = runNode(["src/cli/main.ts", "feedback", "report", "--json"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await json.exited).toBe(0);
    const report = JSON.parse(json.output().slice(json.output().indexOf("{")));
    expect(report.incidents).toMatchObject({ graded: 1, meanScore: 65, byGrade: { partly: 1 } });
    expect(report.ratings.answer).toEqual({ positive: 0, negative: 1 });
    expect(report.calibration.feedback).toMatchObject({ n: 1, statedMean: 0.7, observedMean: 0.5 });
    const text = runNode(["src/cli/main.ts", "feedback", "report"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await text.exited).toBe(0);
    expect(text.output()).toMatch(/Graded incidents: 1, mean grade 65\/100/);
    expect(text.output()).toMatch(/Answers: 0 👍 · 1 👎/);
    const since = runNode(["src/cli/main.ts", "feedback", "report", "--since", "2999-01-01", "--json"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await since.exited).toBe(0);
    expect(JSON.parse(since.output().slice(since.output().indexOf("{"))).incidents.graded).toBe(0);
    const usage = runNode(["src/cli/main.ts", "feedback", "nonsense"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await usage.exited).toBe(2);
  }, 240_000);
});
