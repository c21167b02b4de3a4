import { describe, expect, it } from "vitest";
import { isTopLevelPost, PostPacer } from "../../src/incident/post-pacer.ts";

describe("PostPacer", () => {
  it("paces thread replies to one a second per channel and keeps a token for a root message", () => {
    const p = new PostPacer({ intervalMs: 1000, burst: 2, reserve: 1 });
    expect(p.waitMs("C1", false, 0)).toBe(0);
    p.take("C1", 0);
    // The next reply waits a second; a root message goes at once, on the token kept for it.
    expect(p.waitMs("C1", false, 0)).toBe(1000);
    expect(p.waitMs("C1", true, 0)).toBe(0);
    p.take("C1", 0);
    // Both spent: the next root message waits a second, a reply two.
    expect(p.waitMs("C1", true, 0)).toBe(1000);
    expect(p.waitMs("C1", false, 0)).toBe(2000);
    expect(p.waitMs("C1", false, 2000)).toBe(0);
    // Another channel is paced on its own.
    expect(p.waitMs("C2", false, 0)).toBe(0);
  });

  it("never lets more than the burst go in a row, replies at the steady rate", () => {
    const p = new PostPacer({ intervalMs: 1000, burst: 2, reserve: 1 });
    let now = 0;
    const replies: number[] = [];
    while (replies.length < 5) {
      const w = p.waitMs("C", false, now);
      if (w === 0) {
        p.take("C", now);
        replies.push(now);
      } else now += w;
    }
    expect(replies).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it("holds the channel for a 429's Retry-After, root messages included", () => {
    const p = new PostPacer({ intervalMs: 1000 });
    p.hold("C", 5000);
    expect(p.waitMs("C", true, 1000)).toBe(4000);
    expect(p.waitMs("C", true, 5000)).toBe(0);
  });

  it("tells a top-level post from a thread reply", () => {
    expect(isTopLevelPost("chat.postMessage", { text: "root" })).toBe(true);
    expect(isTopLevelPost("chat.postMessage", { text: "reply", thread_ts: "$root:INC-1" })).toBe(false);
    expect(isTopLevelPost("chat.update", { text: "edit", ts: "1.1" })).toBe(false);
  });
});
