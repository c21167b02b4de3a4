import { runbookMessage, type RunbookResult } from "../../blocks/assistant.ts";
import { usageBlocks } from "../../blocks/usage.ts";
import type { Services } from "../../src/app/services.ts";
import { mitigationSteps } from "../../src/assistant/answers.ts";
import { matchRunbooks } from "../../src/knowledge/runbook-match.ts";
import { escapeMrkdwn } from "../../blocks/mrkdwn.ts";
import type { Subcommand } from "./subcommand.ts";

const USAGE = "runbook <words>";

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Runbooks for some words: the knowledge base's full-text (and vector) search, else the runbook matcher. */
export async function runbookResults(services: Services, query: string): Promise<RunbookResult[]> {
  const loaded = services.knowledge.loadedRunbooks();
  const byId = new Map(loaded.map((r) => [r.id, r]));
  const hits = await services.assistant.runbooks(query, 5);
  if (hits.length) {
    return hits.map((h) => {
      const rb = byId.get(String(h.meta.runbookId ?? ""));
      return {
        title: h.title,
        score: h.score,
        excerpt: h.excerpt,
        ...(typeof h.meta.path === "string" ? { path: h.meta.path } : {}),
        ...(typeof h.meta.risk === "string" ? { risk: h.meta.risk } : {}),
        actions: list(h.meta.actions),
        services: list(h.meta.services),
        steps: rb ? mitigationSteps(rb, 4) : [],
      };
    });
  }
  // Alert names and symptoms typed as they are ("KubePodOOMKilled", "pool exhausted").
  return matchRunbooks(loaded, { alertNames: [query], symptoms: query }, { limit: 5, minScore: 0.15 }).map((m) => ({
    title: m.runbook.title,
    score: m.score,
    excerpt: m.runbook.body.slice(0, 300),
    ...(m.runbook.path ? { path: m.runbook.path } : {}),
    risk: m.runbook.risk,
    actions: [...m.runbook.actions],
    services: m.runbook.services,
    steps: mitigationSteps(m.runbook, 4),
  }));
}

/** `/aisre runbook <words>`: search the runbooks. */
export const runbookSubcommand: Subcommand = {
  name: "runbook",
  usage: USAGE,
  summary: "search the runbooks (alert names, symptoms, services)",
  async run(ctx) {
    const query = ctx.args.join(" ").trim();
    if (!query) {
      const problem = "Say what to look for: an alert name, a symptom or a service.";
      await ctx.respond({ response_type: "ephemeral", text: escapeMrkdwn(`${problem} Usage: /aisre ${USAGE}`), blocks: usageBlocks(problem, USAGE, "runbook connection pool exhausted") });
      return;
    }
    const results = await runbookResults(ctx.services, query);
    const msg = runbookMessage(query, results, { shareable: true });
    await ctx.respond({ response_type: "ephemeral", text: msg.text, blocks: msg.blocks });
  },
};
