import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content?: string | null; tool_calls?: unknown[]; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string } }>;
  [key: string]: unknown;
}

/** What the scripted model answers: text, or tool calls, or an HTTP error / a delay. */
export type ChatReply = { content: string } | { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> } | { status: number; error: string } | { delayMs: number; then: ChatReply };

/** Bag-of-words hashing into 64 dimensions: similar texts get similar vectors, deterministically. */
export function hashEmbedding(text: string, dims = 64): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []) {
    let h = 2166136261;
    for (const ch of w.slice(0, 6)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    v[h % dims] = (v[h % dims] ?? 0) + 1;
  }
  return v;
}

/** One request as it reached the fake: the path, the Authorization header, the raw body and its JSON. */
export interface RecordedRequest {
  path: string;
  auth?: string;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the SDK sent
  body: Record<string, any>;
}

/**
 * The one OpenAI stand-in of the tests: a local OpenAI-compatible server over real HTTP
 * (`/v1/embeddings` and `/v1/chat/completions`), so the real `openai` SDK (and the product with
 * OPENAI_BASE_URL) talks to it as to the real API. Chat replies are scripted by the test (an empty
 * script answers `fallback`); every request is recorded, to check what left the product.
 */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  script: ChatReply[] = [];
  /** What a chat request gets when the script is empty. */
  fallback: ChatReply = { content: "(no scripted reply)" };
  private server?: Server;
  url = "";

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      const path = (req.url ?? "").replace(/\?.*$/, "");
      this.requests.push({ path, auth: req.headers.authorization, raw, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (path.endsWith("/embeddings")) {
        const input = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
        return send(200, { object: "list", model: body.model, data: input.map((t, index) => ({ object: "embedding", index, embedding: hashEmbedding(t) })), usage: { prompt_tokens: 1, total_tokens: 1 } });
      }
      if (path.endsWith("/chat/completions")) {
        let reply = this.script.shift() ?? this.fallback;
        while ("delayMs" in reply) {
          await new Promise((r) => setTimeout(r, (reply as { delayMs: number }).delayMs));
          reply = (reply as { then: ChatReply }).then;
        }
        if ("status" in reply) return send(reply.status, { error: { message: reply.error, type: "server_error" } });
        const message = "content" in reply ? { role: "assistant", content: reply.content } : { role: "assistant", content: null, tool_calls: reply.toolCalls.map((c, i) => ({ id: `call_${this.requests.length}_${i}`, type: "function", function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) };
        return send(200, {
          id: `chatcmpl-${this.requests.length}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message, finish_reason: "content" in reply ? "stop" : "tool_calls" }],
          usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
        });
      }
      send(404, { error: { message: `no route ${path}` } });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this.url;
  }

  /** Chat requests received so far, oldest first. */
  chats(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith("/chat/completions"));
  }

  /** The real OpenAI SDK pointed at this server (no retries: a scripted error shows at once). */
  client(apiKey = "sk-test-key-not-real-000000000000"): OpenAI {
    if (!this.url) throw new Error("FakeOpenAI.start() first");
    return new OpenAI({ apiKey, baseURL: this.url, maxRetries: 0 });
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
