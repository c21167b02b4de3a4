import { describe, expect, it } from "vitest";
import { isTopLevelPost, PostPacer, postKind } from "../../src/incident/post-pacer.ts";

describe("PostPacer", () => {
  it("paces replies and lesser top-level posts to one a second per channel and keeps a token for a SEV1/SEV2 root message", () => {
    const p = new PostPacer({ intervalMs: 1000, burst: 2, reserve: 1 });
    expect(p.waitMs("C1", "reply", 0)).toBe(0);
    p.take("C1", 0);
    // The next reply, or a SEV3 root message, waits a second; a SEV2 root message goes at once, on the token kept for it.
    expect(p.waitMs("C1", "reply", 0)).toBe(1000);
    expect(p.waitMs("C1", "top-level", 0)).toBe(1000);
    expect(p.waitMs("C1", "urgent-root", 0)).toBe(0);
    p.take("C1", 0);
    // Both spent: the next urgent root waits a second, anything else two.
    expect(p.waitMs("C1", "urgent-root", 0)).toBe(1000);
    expect(p.waitMs("C1", "top-level", 0)).toBe(2000);
    expect(p.waitMs("C1", "reply", 0)).toBe(2000);
    expect(p.waitMs("C1", "reply", 2000)).toBe(0);
    // Another channel is paced on its own.
    expect(p.waitMs("C2", "reply", 0)).toBe(0);
  });

  it("a storm's SEV3 root messages, one a second, always leave a SEV2 root message its token", () => {
    const p = new PostPacer({ intervalMs: 1000, burst: 2, reserve: 1 });
    let now = 0;
    const posted: number[] = [];
    while (posted.length < 5) {
      const w = p.waitMs("C", "top-level", now);
      if (w === 0) {
        p.take("C", now);
        posted.push(now);
        // Whenever a SEV2 opens between two of them, its root goes at once.
        expect(p.waitMs("C", "urgent-root", now)).toBe(0);
      } else now += w;
    }
    expect(posted).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it("never lets more than the burst go in a row, replies at the steady rate", () => {
    const p = new PostPacer({ intervalMs: 1000, burst: 2, reserve: 1 });
    let now = 0;
    const replies: number[] = [];
    while (replies.length < 5) {
      const w = p.waitMs("C", "reply", now);
      if (w === 0) {
        p.take("C", now);
        replies.push(now);
      } else now += w;
    }
    expect(replies).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it("holds the channel for a 429's Retry-After, urgent root messages included", () => {
    const p = new PostPacer({ intervalMs: 1000 });
    p.hold("C", 5000);
    expect(p.waitMs("C", "urgent-root", 1000)).toBe(4000);
    expect(p.waitMs("C", "urgent-root", 5000)).toBe(0);
  });

  it("tells a top-level post from a thread reply", () => {
    expect(isTopLevelPost("chat.postMessage", { text: "root" })).toBe(true);
    expect(isTopLevelPost("chat.postMessage", { text: "reply", thread_ts: "$root:INC-1" })).toBe(false);
    expect(isTopLevelPost("chat.update", { text: "edit", ts: "1.1" })).toBe(false);
  });

  it("tells a SEV1/SEV2 incident's root message by its message metadata", () => {
    const root = (severity: string) => ({ text: "root", metadata: { event_type: "aisre_incident_opened", event_payload: { incident_id: "INC-1", severity, status: "open", services: [] } } });
    expect(postKind(root("sev1"))).toBe("urgent-root");
    expect(postKind(root("sev2"))).toBe("urgent-root");
    expect(postKind(root("sev3"))).toBe("top-level");
    expect(postKind({ text: "no metadata" })).toBe("top-level");
    expect(postKind({ ...root("sev1"), thread_ts: "$root:INC-1" })).toBe("reply");
  });
});
