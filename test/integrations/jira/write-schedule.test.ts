import { describe, expect, it } from "vitest";
import { afterAttempt, backoffMs, dueKeys, enqueue, nextDueAt, takeBatch } from "../../../src/integrations/jira/write-schedule.ts";
import type { ScheduleOptions } from "../../../src/integrations/jira/write-schedule.ts";

const o: ScheduleOptions = { debounceMs: 1_000, maxDelayMs: 5_000, maxAttempts: 3, baseBackoffMs: 1_000, maxBackoffMs: 8_000 };

describe("Jira write schedule", () => {
  it("debounces: each change pushes the write back, up to maxDelayMs after the first", () => {
    let s = enqueue(undefined, "OPS-1", { fields: { priority: "High" } }, 0, o);
    expect(s.dueAt).toBe(1_000);
    s = enqueue(s, "OPS-1", { fields: { priority: "Highest" }, comments: ["a"] }, 800, o);
    expect(s.dueAt).toBe(1_800);
    for (let t = 1_600; t <= 6_000; t += 800) s = enqueue(s, "OPS-1", { comments: ["b"] }, t, o);
    expect(s.dueAt).toBe(5_000);
    expect(s.pending.fields).toEqual({ priority: "Highest" });
    expect(s.pending.comments[0]).toBe("a");
  });

  it("keeps one batch in flight per issue; changes arriving meanwhile wait for the next one", () => {
    let s = enqueue(undefined, "OPS-1", { fields: { status: "In Progress" } }, 0, o);
    expect(dueKeys([s], 999)).toEqual([]);
    expect(dueKeys([s], 1_000)).toEqual(["OPS-1"]);
    const taken = takeBatch(s);
    expect(taken.batch.fields).toEqual({ status: "In Progress" });
    s = enqueue(taken.slot, "OPS-1", { comments: ["later"] }, 1_100, o);
    expect(dueKeys([s], 10_000)).toEqual([]);
    const after = afterAttempt(s, { ok: true }, 1_200, o, 0.5);
    expect(after.slot?.pending.comments).toEqual(["later"]);
    expect(after.slot?.dueAt).toBe(2_200);
    const done = afterAttempt(takeBatch(after.slot!).slot, { ok: true }, 2_300, o, 0.5);
    expect(done).toEqual({});
  });

  it("honours Retry-After, merging the failed batch under newer changes", () => {
    const s = enqueue(undefined, "OPS-1", { fields: { priority: "High", timeline: "t1" }, comments: ["c1"] }, 0, o);
    let inFlight = takeBatch(s).slot;
    inFlight = enqueue(inFlight, "OPS-1", { fields: { timeline: "t2" }, comments: ["c2"] }, 500, o);
    const { slot } = afterAttempt(inFlight, { ok: false, retryable: true, retryAfterMs: 30_000, remaining: { fields: { priority: "High", timeline: "t1" }, comments: ["c1"], links: [] } }, 1_000, o, 0.5);
    expect(slot).toMatchObject({ attempt: 1, notBefore: 31_000, dueAt: 31_000, pending: { fields: { priority: "High", timeline: "t2" }, comments: ["c1", "c2"] } });
    // A new change during the wait does not bring the write forward.
    expect(enqueue(slot, "OPS-1", { comments: ["c3"] }, 2_000, o).dueAt).toBe(31_000);
    expect(nextDueAt([slot!])).toBe(31_000);
  });

  it("backs off exponentially with jitter when no Retry-After is given, and gives up after maxAttempts", () => {
    expect(backoffMs(0, o, 0)).toBe(500);
    expect(backoffMs(2, o, 0.999)).toBeCloseTo(4_000, -1);
    expect(backoffMs(10, o, 0.999)).toBeLessThanOrEqual(8_000);
    let s = takeBatch(enqueue(undefined, "OPS-1", { comments: ["x"] }, 0, o)).slot;
    const remaining = { fields: {}, comments: ["x"], links: [] };
    const r1 = afterAttempt(s, { ok: false, retryable: true, remaining }, 1_000, o, 0);
    expect(r1.slot?.notBefore).toBe(1_500);
    s = takeBatch(r1.slot!).slot;
    const r2 = afterAttempt(s, { ok: false, retryable: true, remaining }, 2_000, o, 0);
    s = takeBatch(r2.slot!).slot;
    expect(afterAttempt(s, { ok: false, retryable: true, remaining }, 5_000, o, 0)).toEqual({ gaveUp: remaining });
  });

  it("drops a batch at once on a permanent error but keeps newer changes", () => {
    let s = takeBatch(enqueue(undefined, "OPS-1", { fields: { labels: ["bad label"] } }, 0, o)).slot;
    s = enqueue(s, "OPS-1", { comments: ["newer"] }, 100, o);
    const r = afterAttempt(s, { ok: false, retryable: false, remaining: { fields: { labels: ["bad label"] }, comments: [], links: [] } }, 200, o, 0);
    expect(r.gaveUp?.fields).toEqual({ labels: ["bad label"] });
    expect(r.slot?.pending.comments).toEqual(["newer"]);
    expect(r.slot?.attempt).toBe(0);
  });
});
