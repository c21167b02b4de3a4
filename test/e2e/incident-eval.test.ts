import { REFERENCE_START } from "../../src/sandbox/sim/reference-start.ts";
import { describe, expect, it } from "vitest";
import { faultMetrics, summarise } from "../../src/eval/incidents/metrics.ts";
import { SHORT_OPTIONS, SHORT_PLANS } from "../../src/eval/incidents/plans.ts";
import { runOne } from "../../src/eval/incidents/runner.ts";

// The short version of `npm run eval:incidents` (`aisre eval incidents --short`): bad-deploy and
// crashloop-config through the whole product (handlers/main.ts in a child process) and the sandbox
// at a high SIM_SPEED, first alert to resolution, held to the eval's targets.
describe("incident eval, short version", () => {
  it("bad-deploy and crashloop-config: right cause and first remedy, paged iff SEV1/SEV2, a calm thread, one incident, nothing stale after resolve", async () => {
    const records = [];
    for (const plan of SHORT_PLANS) records.push(await runOne(plan, { ...SHORT_OPTIONS, simStart: REFERENCE_START }));
    const metrics = records.flatMap((r) => faultMetrics(r));
    const s = summarise(records, metrics);
    expect(metrics.map((m) => m.scenario)).toEqual(["bad-deploy", "crashloop-config"]);
    expect(s.failures).toEqual([]);
    expect(metrics.every((m) => m.resolved)).toBe(true);
  }, 900_000);
});
