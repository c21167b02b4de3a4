import type OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import type { Redactor } from "../redact/redactor.ts";

/** A read-only tool the model may call; results are redacted before they go back to the model. */
export interface LoopTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  run(args: unknown): Promise<unknown>;
}

/** An action the model proposes; it never runs: it becomes a remediation button for a human. */
export interface ProposedAction {
  type: string;
  service: string;
  reason: string;
}

export interface LoopLimits {
  maxSteps: number;
  /** Total tokens (prompt + completion) across the loop. */
  maxTokens: number;
  timeoutMs: number;
}

export const DEFAULT_LIMITS: LoopLimits = { maxSteps: 5, maxTokens: 24_000, timeoutMs: 20_000 };

export interface LoopResult {
  text: string;
  /** Tools called, in order, with a one-line outcome each (cited in the answer). */
  used: Array<{ tool: string; args: unknown; outcome: string }>;
  proposals: ProposedAction[];
  tokens: number;
  steps: number;
}

export class LoopLimitError extends Error {}

const PROPOSE: ChatCompletionTool = {
  type: "function",
  function: {
    name: "propose_action",
    description: "Propose a remediation for a human to approve (it is NOT executed). Use catalog types: rollout_restart, scale, rollback, pause_rollout, delete_pod, kill_db_query, flush_cache_prefix.",
    parameters: { type: "object", properties: { type: { type: "string" }, service: { type: "string" }, reason: { type: "string" } }, required: ["type", "service", "reason"] },
  },
};

function outcomeOf(result: unknown): string {
  const r = result as { status?: string; summary?: string; reason?: string; error?: string };
  if (r && typeof r === "object" && typeof r.status === "string") return `${r.status}${r.summary ? `: ${r.summary}` : r.reason ? `: ${r.reason}` : r.error ? `: ${r.error}` : ""}`;
  return "done";
}

/**
 * A bounded tool-calling loop against any OpenAI-compatible chat completions endpoint: at most
 * `maxSteps` model calls, `maxTokens` tokens and `timeoutMs` in all. Everything sent is redacted.
 * Throws on error, timeout or a limit, so the caller falls back to the deterministic answer.
 */
export async function runToolLoop(options: { client: OpenAI; model: string; system: string; question: string; context: string; tools: LoopTool[]; redactor: Redactor; limits?: Partial<LoopLimits> }): Promise<LoopResult> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const r = (s: string) => options.redactor.redact(s).text;
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: r(options.system) },
    { role: "user", content: r(`Incident context:\n${options.context}\n\nQuestion: ${options.question}`) },
  ];
  const tools: ChatCompletionTool[] = [...options.tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description, parameters: t.parameters } })), PROPOSE];
  const byName = new Map(options.tools.map((t) => [t.name, t]));
  const result: LoopResult = { text: "", used: [], proposals: [], tokens: 0, steps: 0 };
  const signal = AbortSignal.timeout(limits.timeoutMs);

  while (result.steps < limits.maxSteps) {
    result.steps++;
    const completion = await options.client.chat.completions.create({ model: options.model, messages, tools, tool_choice: "auto", max_tokens: Math.min(1024, Math.max(64, limits.maxTokens - result.tokens)) }, { signal });
    result.tokens += completion.usage?.total_tokens ?? 0;
    const message = completion.choices[0]?.message;
    if (!message) throw new Error("the model returned no message");
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) {
      result.text = message.content ?? "";
      return result;
    }
    if (result.tokens >= limits.maxTokens) throw new LoopLimitError(`token budget of ${limits.maxTokens} used up`);
    messages.push({ role: "assistant", content: message.content ?? null, tool_calls: calls });
    for (const call of calls) {
      if (call.type !== "function") continue;
      let args: unknown;
      try {
        args = JSON.parse(call.function.arguments || "{}");
      } catch {
        args = {};
      }
      let content: string;
      if (call.function.name === "propose_action") {
        const p = args as Partial<ProposedAction>;
        if (p.type && p.service) result.proposals.push({ type: String(p.type), service: String(p.service), reason: String(p.reason ?? "") });
        content = JSON.stringify({ status: "ok", summary: "proposal recorded; a human decides whether it runs" });
        result.used.push({ tool: "propose_action", args, outcome: "proposed" });
      } else {
        const tool = byName.get(call.function.name);
        const out = tool ? await tool.run(args) : { status: "error", error: `no tool named ${call.function.name}` };
        result.used.push({ tool: call.function.name, args, outcome: outcomeOf(out) });
        content = r(JSON.stringify(out)).slice(0, 12_000);
      }
      messages.push({ role: "tool", tool_call_id: call.id, content });
    }
  }
  throw new LoopLimitError(`no answer within ${limits.maxSteps} steps`);
}
