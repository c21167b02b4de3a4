import { describe, expect, it } from "vitest";
import { KeyedSerialQueue } from "../../src/domain/keyed-serial.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("KeyedSerialQueue", () => {
  it("runs one task at a time per key, in order; other keys run meanwhile; a failure does not stop the queue", async () => {
    const q = new KeyedSerialQueue();
    const log: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const a1 = q.run("a", task("a1", true));
    const a2 = q.run("a", task("a2"));
    const b1 = q.run("b", task("b1"));
    expect(q.size).toBe(2);
    await expect(a1).rejects.toThrow("a1");
    expect(await a2).toBe("a2");
    expect(await b1).toBe("b1");
    expect(log.indexOf("a1 end")).toBeLessThan(log.indexOf("a2 start"));
    expect(log.indexOf("b1 start")).toBeLessThan(log.indexOf("a1 end"));
    await q.idle();
    expect(q.size).toBe(0);
  });

  it("settled and idle wait for work queued meanwhile", async () => {
    const q = new KeyedSerialQueue();
    let done = 0;
    void q.run("k", async () => {
      await tick();
      void q.run("k", async () => {
        await tick();
        done++;
      });
      done++;
    });
    await q.idle();
    expect(done).toBe(2);
    await q.settled("nothing-queued");
  });
});
