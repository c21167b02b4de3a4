import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAINarrator } from "../../src/postmortem/narrator.ts";
import { FakeOpenAI } from "../support/openai-server.ts";

// The OpenAI narrator through the real `openai` client against a local OpenAI-compatible endpoint
// (what OPENAI_BASE_URL points at): the request it sends, and what it takes from the answer.

const fake = new FakeOpenAI();
beforeAll(() => fake.start());
afterAll(() => fake.stop());

describe("OpenAINarrator", () => {
  it("asks for JSON with the redacted material and keeps only the narrative sections", async () => {
    fake.script.push({ content: JSON.stringify({ summary: "A deploy broke reservations.", rootCause: "KeyError in 2.3.0", impact: "ignored: facts stay the template's", lessons: ["Canary inventory deploys"] }) });
    const n = new OpenAINarrator({ client: fake.client("sk-test-key-0000000000000000"), model: "local-model" });
    const out = await n.narrate({ facts: "Incident INC-1 …", timeline: "10:00:00 UTC [alert] HighErrorRate fired", draft: { summary: "template summary" } });
    expect(out).toEqual({ summary: "A deploy broke reservations.", rootCause: "KeyError in 2.3.0", lessons: "• Canary inventory deploys" });
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.auth).toBe("Bearer sk-test-key-0000000000000000");
    expect(req.body).toMatchObject({ model: "local-model", response_format: { type: "json_object" } });
    expect(req.body.messages[0].content).toContain("Never invent");
    expect(req.body.messages[1].content).toContain("HighErrorRate fired");
    expect(req.body.messages[1].content).toContain("template summary");
  });

  it("an answer that is not JSON gives nothing (the templates stay)", async () => {
    fake.script.push({ content: "I cannot help with that." });
    const n = new OpenAINarrator({ client: fake.client("k"), model: "local-model" });
    expect(await n.narrate({ facts: "", timeline: "", draft: {} })).toEqual({});
  });
});
