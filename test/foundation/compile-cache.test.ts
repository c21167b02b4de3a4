import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { WORKER_MODULES } from "../support/pglite-template.ts";

/** How many of Node's TypeScript-stripper modules a new worker thread loaded while importing `modules`. */
async function stripperLoadsIn(modules: string[]): Promise<number> {
  const code = `
    const { parentPort } = require("node:worker_threads");
    Promise.all(${JSON.stringify(modules)}.map((m) => import(m))).then(() =>
      parentPort.postMessage(process.moduleLoadList.filter((m) => /amaro/i.test(m)).length));`;
  const w = new Worker(code, { eval: true });
  try {
    return await new Promise<number>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
  } finally {
    await w.terminate();
  }
}

describe("compile cache across threads", () => {
  it("a test's worker thread finds the product's worker modules stripped already (the global setup warmed the cache): Node's TypeScript stripper (WebAssembly) never starts in it", async () => {
    expect(process.env.NODE_COMPILE_CACHE).toBeTruthy();
    const modules = WORKER_MODULES.map((m) => new URL(m, new URL("../support/", import.meta.url)).href);
    expect(await stripperLoadsIn(modules)).toBe(0);
  });
});
