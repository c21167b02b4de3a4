import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Router, sendJson } from "../../src/http/router.ts";

describe("Router", () => {
  const router = new Router({ maxBodyBytes: 16 }).add("GET", "/api/:method", (req, res) => sendJson(res, 200, { method: req.params.method })).add("POST", "/k8s/*rest", (req, res) => sendJson(res, 200, { rest: req.params.rest, size: req.body.length }));
  const server = createServer((req, res) => {
    void router.handle(req, res).then((handled) => {
      if (!handled) sendJson(res, 404, { error: "not_found" });
    });
  });
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    if (addr && typeof addr === "object") base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("captures named params and the rest of a path", async () => {
    expect(await (await fetch(`${base}/api/chat.postMessage`)).json()).toEqual({ method: "chat.postMessage" });
    const res = await fetch(`${base}/k8s/api/v1/pods`, { method: "POST", body: "hello" });
    expect(await res.json()).toEqual({ rest: "api/v1/pods", size: 5 });
  });

  it("answers 413 past the body limit and 404 for unknown paths", async () => {
    expect((await fetch(`${base}/k8s/x`, { method: "POST", body: "x".repeat(17) })).status).toBe(413);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
