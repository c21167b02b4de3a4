import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/domain/clock.ts";
import type { SymptomReading, Verifier } from "../../src/remediate/ports.ts";
import type { SymptomCheck } from "../../src/remediate/types.ts";
import { verifyRecovery } from "../../src/remediate/verification.ts";

/** A clock that moves only when the watch sleeps. */
function steppedClock(): Clock {
  let t = 0;
  return { now: () => t, sleep: async (ms) => void (t += ms), timer: () => () => undefined };
}

/** Reads unhealthy until `healthyFrom` (ms of the clock), healthy after. */
function verifier(clock: Clock, healthyFrom: number): Verifier {
  return {
    read: async (checks: SymptomCheck[]): Promise<SymptomReading[]> => checks.map((check) => ({ check, healthy: clock.now() >= healthyFrom, summary: `${check.service} ${clock.now() >= healthyFrom ? "ok" : "failing"}` })),
  };
}

const checks: SymptomCheck[] = [{ service: "cart", check: "error_ratio" }];
const settings = { windowSeconds: 300, intervalSeconds: 30, consecutive: 3 };

describe("verifyRecovery", () => {
  it("a recovery that starts just before the deadline finishes its streak: healthy readings are not reported as 'did not recover'", async () => {
    const clock = steppedClock();
    const out = await verifyRecovery(verifier(clock, 280_000), checks, settings, clock);
    expect(out.recovered).toBe(true);
    expect(out.elapsedSeconds).toBeGreaterThan(300);
  });

  it("symptoms still failing at the deadline are not recovered, and the watch ends there", async () => {
    const clock = steppedClock();
    const out = await verifyRecovery(verifier(clock, 10_000_000), checks, settings, clock);
    expect(out).toMatchObject({ recovered: false, elapsedSeconds: 300 });
  });
});
