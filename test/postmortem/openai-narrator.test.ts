import OpenAI from "openai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAINarrator } from "../../src/postmortem/narrator.ts";

// The OpenAI narrator through the real `openai` client against a local OpenAI-compatible endpoint
// (what OPENAI_BASE_URL points at): the request it sends, and what it takes from the answer.

let server: Server;
let baseUrl: string;
const requests: Array<{ path: string; auth?: string; body: any }> = [];
let answer = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ path: req.url ?? "", auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "c1", object: "chat.completion", created: 0, model: "local-model", choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: answer } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe("OpenAINarrator", () => {
  it("asks for JSON with the redacted material and keeps only the narrative sections", async () => {
    answer = JSON.stringify({ summary: "A deploy broke reservations.", rootCause: "KeyError in 2.3.0", impact: "ignored: facts stay the template's", lessons: ["Canary inventory deploys"] });
    const n = new OpenAINarrator({ client: new OpenAI({ apiKey: "sk-test-key-0000000000000000", baseURL: baseUrl }), model: "local-model" });
    const out = await n.narrate({ facts: "Incident INC-1 …", timeline: "10:00:00 UTC [alert] HighErrorRate fired", draft: { summary: "template summary" } });
    expect(out).toEqual({ summary: "A deploy broke reservations.", rootCause: "KeyError in 2.3.0", lessons: "• Canary inventory deploys" });
    const req = requests.at(-1)!;
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.auth).toBe("Bearer sk-test-key-0000000000000000");
    expect(req.body).toMatchObject({ model: "local-model", response_format: { type: "json_object" } });
    expect(req.body.messages[0].content).toContain("Never invent");
    expect(req.body.messages[1].content).toContain("HighErrorRate fired");
    expect(req.body.messages[1].content).toContain("template summary");
  });

  it("an answer that is not JSON gives nothing (the templates stay)", async () => {
    answer = "I cannot help with that.";
    const n = new OpenAINarrator({ client: new OpenAI({ apiKey: "k", baseURL: baseUrl }), model: "local-model" });
    expect(await n.narrate({ facts: "", timeline: "", draft: {} })).toEqual({});
  });
});
