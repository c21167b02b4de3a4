import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LoopLimitError, runToolLoop, type LoopTool } from "../../src/assistant/llm-loop.ts";
import { Redactor } from "../../src/redact/redactor.ts";
import { FakeOpenAI } from "../support/openai-server.ts";
import { itemAt } from "../../src/domain/indexed.ts";

describe("LLM tool loop against an OpenAI-compatible server", () => {
  const server = new FakeOpenAI();
  let client: OpenAI;
  const calls: unknown[] = [];
  const tools: LoopTool[] = [
    {
      name: "recent_changes",
      description: "deploys",
      parameters: { type: "object", properties: { services: { type: "array", items: { type: "string" } } } },
      run: async (args) => {
        calls.push(args);
        return { status: "ok", summary: "inventory v2.3 deployed 10:02", data: [{ service: "inventory", version: "v2.3", author: "dev@example.com" }] };
      },
    },
  ];
  const base = { model: "test-model", system: "You are aisre.", redactor: new Redactor(), tools };

  beforeAll(async () => {
    await server.start();
    client = server.client("sk-test-key-not-real-123456789");
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    calls.length = 0;
  });

  it("calls tools, feeds back their results and returns the answer with what it used", async () => {
    server.script = [{ toolCalls: [{ name: "recent_changes", arguments: { services: ["inventory"] } }] }, { content: "inventory v2.3 was deployed just before the errors began." }];
    const r = await runToolLoop({ ...base, client, question: "what changed?", context: "incident INC-1 on checkout" });
    expect(r.text).toContain("inventory v2.3");
    expect(calls).toEqual([{ services: ["inventory"] }]);
    expect(r.used).toEqual([{ tool: "recent_changes", args: { services: ["inventory"] }, outcome: "ok: inventory v2.3 deployed 10:02" }]);
    const second = itemAt(server.chats(), 1).body as { messages: Array<{ role: string; content: string }> };
    expect(second.messages.at(-1)!.role).toBe("tool");
    expect(second.messages.at(-1)!.content).toContain("inventory v2.3");
  });

  it("redacts secrets and personal data in everything sent, tool results included", async () => {
    server.script = [{ toolCalls: [{ name: "recent_changes", arguments: {} }] }, { content: "ok" }];
    await runToolLoop({ ...base, client, question: "why? token xoxb-1234567890-abcdefghijkl", context: "log: connect postgres://app:hunter2@db:5432/x failed; user bob@example.com" });
    const sent = JSON.stringify(server.requests.map((q) => q.body));
    expect(sent).not.toContain("hunter2");
    expect(sent).not.toContain("xoxb-1234567890");
    expect(sent).not.toContain("bob@example.com");
    expect(sent).not.toContain("dev@example.com");
    expect(sent).toContain("[REDACTED:");
  });

  it("records proposed actions without running anything", async () => {
    server.script = [{ toolCalls: [{ name: "propose_action", arguments: { type: "rollback", service: "inventory", reason: "bad deploy" } }] }, { content: "I suggest rolling back inventory." }];
    const r = await runToolLoop({ ...base, client, question: "fix it", context: "" });
    expect(r.proposals).toEqual([{ type: "rollback", service: "inventory", reason: "bad deploy" }]);
    expect(calls).toEqual([]);
  });

  it("stops at the step limit", async () => {
    server.script = Array.from({ length: 5 }, () => ({ toolCalls: [{ name: "recent_changes", arguments: {} }] }));
    await expect(runToolLoop({ ...base, client, question: "loop", context: "", limits: { maxSteps: 3 } })).rejects.toBeInstanceOf(LoopLimitError);
    expect(server.chats().length).toBe(3);
  });

  it("stops at the time limit and on server errors", async () => {
    server.script = [{ delayMs: 1500, then: { content: "too late" } }];
    await expect(runToolLoop({ ...base, client, question: "slow", context: "", limits: { timeoutMs: 300 } })).rejects.toThrow();
    server.script = [{ status: 500, error: "upstream exploded" }];
    await expect(runToolLoop({ ...base, client, question: "err", context: "" })).rejects.toThrow();
  });

  it("stops at the token budget", async () => {
    server.script = Array.from({ length: 5 }, () => ({ toolCalls: [{ name: "recent_changes", arguments: {} }] }));
    await expect(runToolLoop({ ...base, client, question: "tokens", context: "", limits: { maxTokens: 200 } })).rejects.toThrow(/token budget/);
  });
});
