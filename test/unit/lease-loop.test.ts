import { describe, expect, it } from "vitest";
import { LeaseLoop, type LeaseLoopOptions } from "../../src/async/lease-loop.ts";
import { createLogger } from "../../src/log.ts";

/** Resolves when `check` holds (looked at every few milliseconds); the test's own timeout bounds it. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

/** A few turns of the event loop: what the loop does at once is done by then. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function loopOver(options: Partial<LeaseLoopOptions<string>>) {
  const warnings: string[] = [];
  const logger = createLogger({ format: "json", level: "warn", destination: { write: (line: string) => warnings.push(JSON.parse(line).msg) } });
  // A poll far longer than any test: the loop passes again only when a pass claimed something or it was poked.
  const loop = new LeaseLoop<string>({ leaseMs: 600, pollMs: 3_600_000, up: () => true, pass: async () => 0, renew: async () => undefined, logger, failed: { pass: "pass failed", renew: "renew failed" }, ...options });
  return { loop, warnings };
}

describe("LeaseLoop", () => {
  it("passes again at once while a pass claims something, then waits for the poll or a poke", async () => {
    const claims = [2, 1, 0];
    let passes = 0;
    const { loop } = loopOver({
      pass: async () => {
        passes++;
        return claims.shift() ?? 0;
      },
    });
    loop.start();
    await until(() => passes === 3);
    await settle();
    expect(passes).toBe(3);
    loop.poke();
    await until(() => passes === 4);
    await loop.stop();
    expect(loop.running).toBe(false);
  });

  it("a poke that comes during a pass spares the sleep after it", async () => {
    let passes = 0;
    let release: () => void = () => undefined;
    const { loop } = loopOver({
      pass: async () => {
        passes++;
        if (passes === 1) await new Promise<void>((r) => (release = r));
        return 0;
      },
    });
    loop.start();
    await until(() => passes === 1);
    loop.poke();
    release();
    await until(() => passes === 2);
    await loop.stop();
  });

  it("does not pass or renew while the database is down", async () => {
    let passes = 0;
    let asked = 0;
    const renewed: string[][] = [];
    const { loop } = loopOver({
      up: () => {
        asked++;
        return false;
      },
      pass: async () => ++passes,
      renew: async (keys) => void renewed.push(keys),
    });
    loop.held.add("a");
    loop.start();
    // Once by the loop, then by the heartbeat before it would renew.
    await until(() => asked >= 2);
    await loop.stop();
    expect(passes).toBe(0);
    expect(renewed).toEqual([]);
  });

  it("renews the leases of what it holds at the time", async () => {
    const renewed: string[][] = [];
    const { loop } = loopOver({ renew: async (keys) => void renewed.push(keys) });
    loop.held.add("source\nd-1");
    loop.held.add("source\nd-2");
    loop.start();
    await until(() => renewed.length >= 1);
    expect(renewed[0]).toEqual(["source\nd-1", "source\nd-2"]);
    loop.held.clear();
    loop.held.add("source\nd-3");
    await until(() => renewed.some((keys) => keys.length === 1 && keys[0] === "source\nd-3"));
    await loop.stop();
  });

  it("a failing pass or renewal is logged and tried again; stop waits for the pass under way", async () => {
    let passes = 0;
    let release: () => void = () => undefined;
    let ended = false;
    const { loop, warnings } = loopOver({
      pass: async () => {
        passes++;
        if (passes === 1) throw new Error("database gone");
        await new Promise<void>((r) => (release = r));
        ended = true;
        return 0;
      },
      renew: async () => {
        throw new Error("renew refused");
      },
    });
    loop.held.add("x");
    loop.start();
    await until(() => warnings.includes("pass failed"));
    loop.poke();
    await until(() => passes === 2 && warnings.includes("renew failed"));
    const stopped = loop.stop();
    release();
    await stopped;
    expect(ended).toBe(true);
  });
});
