import { describe, expect, it } from "vitest";
import { Handover, type HandoverBatch } from "../../src/webhooks/handover.ts";

const turn = () => new Promise<void>((r) => setImmediate(r));

describe("the door thread's handover to the main thread", () => {
  it("posts the entries of one turn (a journal group resolving its waiters) in one message with the counts, and answers them only after it", async () => {
    const log: string[] = [];
    const batches: Array<HandoverBatch<string>> = [];
    const h = new Handover<string>((b) => {
      batches.push(b);
      log.push(`post ${b.entries.join(",")}`);
    });
    h.count("", "http");
    h.count("", "http");
    h.count("alertmanager", "duplicate");
    // As a journal group's waiters resume: each in a microtask of the same turn.
    const group = Promise.resolve(7);
    for (const id of ["a", "b", "c"])
      void group.then(() => {
        h.entry(id, (posted) => log.push(`answer ${id} ${posted}`));
      });
    h.answer(() => log.push("answer duplicate"));
    await turn();
    expect(batches).toEqual([
      {
        entries: ["a", "b", "c"],
        counts: [
          ["", "http", 2],
          ["alertmanager", "duplicate", 1],
        ],
      },
    ]);
    expect(log).toEqual(["post a,b,c", "answer duplicate", "answer a true", "answer b true", "answer c true"]);

    // The next turn's entries: a message of their own.
    h.entry("d", () => log.push("answer d"));
    await turn();
    expect(batches.map((b) => b.entries)).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("posts counts alone by the next check phase, once, and what is gathered before any other message", async () => {
    const batches: Array<HandoverBatch<string>> = [];
    const h = new Handover<string>((b) => batches.push(b));
    h.count("", "http");
    h.count("generic", "duplicate");
    expect(batches).toEqual([]);
    await turn();
    expect(batches).toEqual([
      {
        entries: [],
        counts: [
          ["", "http", 1],
          ["generic", "duplicate", 1],
        ],
      },
    ]);
    await turn();
    expect(batches).toHaveLength(1);

    // Another message (a log line, "quiet") is sent after a flush: what was gathered goes first.
    h.count("", "http");
    h.flush();
    expect(batches).toHaveLength(2);
    await turn();
    expect(batches).toHaveLength(2);
  });

  it("while it lingers (a burst), posts counts alone at most that late, together; an answer still posts what is gathered at once", async () => {
    const batches: Array<HandoverBatch<string>> = [];
    const h = new Handover<string>((b) => batches.push(b));
    h.linger(30);
    h.count("", "http");
    await turn();
    h.count("generic", "accepted");
    await turn();
    // Not by the next check phase, as outside a burst.
    expect(batches).toEqual([]);
    await new Promise((r) => setTimeout(r, 40));
    expect(batches).toEqual([
      {
        entries: [],
        counts: [
          ["", "http", 1],
          ["generic", "accepted", 1],
        ],
      },
    ]);
    h.count("generic", "duplicate");
    h.answer(() => undefined);
    await Promise.resolve();
    expect(batches).toHaveLength(2);
    // Lingering ends: the next count alone goes by the next check phase again (once the pending wait is over).
    h.linger(0);
    await new Promise((r) => setTimeout(r, 40));
    h.count("", "http");
    await turn();
    expect(batches).toHaveLength(3);
  });

  it("answers `posted: false` when the message could not be posted", async () => {
    const h = new Handover<string>(() => {
      throw new Error("port closed");
    });
    const answers: boolean[] = [];
    h.entry("a", (posted) => answers.push(posted));
    await turn();
    expect(answers).toEqual([false]);
  });
});
