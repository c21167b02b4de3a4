import type OpenAI from "openai";
import { openIncidentsInChannel } from "../incident/lookup.ts";
import type { KbSearchHit, KnowledgeBase } from "../knowledge/knowledge-base.ts";
import type { Logger } from "../log.ts";
import type { RemediationService } from "../remediate/remediation-service.ts";
import type { RemediationAction } from "../remediate/types.ts";
import { callersOf, dependenciesOf, type Topology } from "../domain/topology.ts";
import type { Store } from "../store/store.ts";
import type { Toolsets } from "../toolsets/index.ts";
import { answerQuestion, oncallText } from "./answers.ts";
import { contextText, loadIncidentContext, recordAnswer, type ConversationTurn, type IncidentContext } from "./context.ts";
import { parseQuestion, type Intent, type MetricKind, type ParsedQuestion } from "./intents.ts";
import { DEFAULT_LIMITS, LoopLimitError, runToolLoop, type LoopLimits, type LoopResult, type LoopTool } from "./llm-loop.ts";
import { Redactor } from "../redact/redactor.ts";
import { serviceHealth, type OncallEntry, type ServiceHealth } from "./service-health.ts";
import { escapeKeepingMentions, escapeText, link } from "../text/slack-markup.ts";
import type { Answer, AnswerDeps, ProposalOutcome } from "./types.ts";

/**
 * The assistant behind @mentions and `/aisre status|oncall|runbook`: the deterministic intent router
 * and answers always; with an OpenAI-compatible endpoint configured, a bounded tool-calling loop
 * over the same read-only tools, falling back to the deterministic answer (and saying so) when the
 * model errs, times out or runs out of budget. The model can only propose actions; a proposal
 * becomes a remediation card that a person approves.
 */

export interface AssistantOptions {
  toolsets: Toolsets;
  store: Store;
  knowledge: Pick<KnowledgeBase, "search" | "loadedRunbooks">;
  logger: Logger;
  /** The dependency graph (services.yaml or the simulation). */
  topology: () => Topology;
  oncall?: (service: string) => Promise<OncallEntry[]>;
  remediation?: Pick<RemediationService, "recommend" | "policyForIncident" | "records">;
  llm?: { client: OpenAI; model: string; limits?: Partial<LoopLimits> };
  redactor?: Redactor;
  serviceLabel?: string;
  /** A link to an incident's thread (for "what's on fire?"). */
  permalink?: (incidentId: string) => Promise<string | undefined>;
}

export interface AskRequest {
  /** The question, without the bot's mention. */
  text: string;
  user: string;
  channel: string;
  /** The message's ts (recorded with the question). */
  ts?: string;
  /** The incident whose thread the question was asked in. */
  incidentId?: string;
}

export interface AskResult extends Answer {
  question: ParsedQuestion;
  /** The incident the answer is about (the thread's, or the only open one in the channel). */
  incidentId?: string;
}

const CARRIED: Intent[] = ["metric", "health", "changes", "oncall"];

/**
 * A short follow-up ("and payments?", "what about latency?") keeps the previous question's intent
 * (pure): a question the router is unsure of that names only a service, a metric or a window. The
 * previous turn comes from the incident's timeline.
 */
export function withFollowUp(q: ParsedQuestion, previous: ConversationTurn | undefined): ParsedQuestion {
  if (!previous?.intent || !CARRIED.includes(previous.intent as Intent)) return q;
  const weak = q.intent === "unknown" || (q.score < 0.5 && q.intent !== "help");
  if (!weak || (!q.service && !q.metric && !q.windowMinutes)) return q;
  const out: ParsedQuestion = { ...q, intent: previous.intent as Intent, score: 0.5 };
  const service = q.service ?? previous.service;
  if (service) out.service = service;
  const metric = (q.metric ?? previous.metric) as MetricKind | undefined;
  if (previous.intent === "metric" && metric) out.metric = metric;
  else delete out.metric;
  return out;
}

/**
 * Markdown as models write it → Slack mrkdwn (pure): **bold** → *bold*, [text](url) → a link (http(s)
 * only, through the escaping boundary), headings → bold lines, "- " / "* " bullets → "• ". Everything
 * else the model wrote is escaped: a prompt injected through an alert cannot make it broadcast or
 * mention; only the users in `known` (the incident's people) may be mentioned. Code spans and blocks
 * keep their content (escaped, so Slack shows it as written).
 */
export function toMrkdwn(md: string, known: Iterable<string | undefined> = []): string {
  const people = [...known];
  return md
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, i) => {
      if (i % 2 === 1) return escapeText(part);
      const links: string[] = [];
      const marked = part.replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, (_all, label: string, url: string) => {
        links.push(link(url, label));
        return `\u0000${links.length - 1}\u0000`;
      });
      return escapeKeepingMentions(marked, people)
        .replace(/\*\*(.+?)\*\*/g, "*$1*")
        .replace(/__(.+?)__/g, "*$1*")
        .replace(/^#{1,6}\s+(.+)$/gm, "*$1*")
        .replace(/^(\s*)[-*]\s+/gm, "$1• ")
        .replace(/\u0000(\d+)\u0000/g, (_all, n: string) => links[Number(n)] ?? "");
    })
    .join("");
}

/** Numeric arrays longer than this are summarised before they go to the model. */
const MAX_POINTS = 24;

/** Makes a tool result fit a model's context: long series become their shape (pure). */
export function compactForModel(v: unknown, depth = 0): unknown {
  if (Array.isArray(v)) {
    if (v.length > MAX_POINTS && v.every((x) => typeof x === "number" || x === null)) {
      const xs = (v as Array<number | null>).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
      const sorted = [...xs].sort((a, b) => a - b);
      const r = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10_000) / 10_000);
      return { points: v.length, first: r(xs[0]), last: r(xs.at(-1)), min: r(sorted[0]), median: r(sorted[Math.floor(sorted.length / 2)]), max: r(sorted.at(-1)), lastTen: xs.slice(-10).map((x) => r(x)) };
    }
    const list = v.slice(0, 40).map((x) => compactForModel(x, depth + 1));
    return v.length > 40 ? [...list, `… ${v.length - 40} more`] : list;
  }
  if (v && typeof v === "object" && depth < 12) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = compactForModel(x, depth + 1);
    return out;
  }
  return v;
}

const SYSTEM = [
  "You are aisre, an SRE assistant answering a question in a Slack incident thread.",
  "Look at the evidence with the tools before answering; do not guess. The tools are read-only.",
  "You cannot change anything. To suggest a change (rollback, rollout_restart, scale, …) call propose_action: a person approves it.",
  "Cite the evidence you used (which tool, which numbers). When the evidence is thin, say you are unsure and name what is missing.",
  "Be brief: at most 8 lines of Slack mrkdwn (*bold*, _italic_, • bullets). Times in UTC.",
  "Time arguments of tools are ISO 8601; use the current time given in the context (the monitored system's clock), not your own.",
].join("\n");

export class Assistant {
  readonly o: AssistantOptions;
  private readonly redactor: Redactor;
  private known?: { at: number; names: Promise<string[]> };

  constructor(o: AssistantOptions) {
    this.o = o;
    this.redactor = o.redactor ?? new Redactor();
  }

  get llmEnabled(): boolean {
    return !!this.o.llm;
  }

  /** Services known to exist: the topology's, the cluster's and the open incidents' (cached 60 s). */
  knownServices(): Promise<string[]> {
    if (this.known && Date.now() - this.known.at < 60_000) return this.known.names;
    const names = (async () => {
      const set = new Set<string>(this.o.topology().services);
      const [pods, open] = await Promise.all([this.o.toolsets.kubernetes.t.podState.run({}), this.o.store.incidents.listOpen().catch(() => [])]);
      if (pods.status === "ok") for (const p of pods.data) set.add(p.service);
      for (const i of open) for (const s of i.services) set.add(s);
      return [...set].sort();
    })();
    this.known = { at: Date.now(), names };
    names.catch(() => (this.known = undefined));
    return names;
  }

  /** What the deterministic answers read (also for tests that answer a parsed question directly). */
  answerDeps(): AnswerDeps {
    const remediation = this.o.remediation;
    return {
      toolsets: this.o.toolsets,
      store: this.o.store,
      knowledge: this.o.knowledge,
      knownServices: () => this.knownServices(),
      health: (service: string) => this.health(service),
      ...(this.o.oncall ? { oncall: this.o.oncall } : {}),
      ...(remediation ? { actions: (id: string): Promise<RemediationAction[]> => remediation.records.byIncident(id) } : {}),
      ...(this.o.serviceLabel ? { serviceLabel: this.o.serviceLabel } : {}),
      ...(this.o.permalink ? { permalink: this.o.permalink } : {}),
    };
  }

  /** The health of one service (the status card). */
  health(service: string): Promise<ServiceHealth> {
    return serviceHealth(service, {
      toolsets: this.o.toolsets,
      store: this.o.store,
      dependencies: dependenciesOf(this.o.topology(), service),
      callers: callersOf(this.o.topology(), service),
      ...(this.o.oncall ? { oncall: this.o.oncall } : {}),
      ...(this.o.serviceLabel ? { serviceLabel: this.o.serviceLabel } : {}),
    });
  }

  /** Who is on call for these services, grouped by roster. */
  oncall(services: string[]): Promise<{ text: string; sources: string[] }> {
    return oncallText(services, this.answerDeps());
  }

  /** Runbooks (and, with `all`, postmortems) matching words. */
  runbooks(query: string, limit = 5): Promise<KbSearchHit[]> {
    return this.o.knowledge.search(query, { kinds: ["runbook"], limit });
  }

  /** The incident a question is about: its thread's, else the only open one in the channel. */
  async incidentFor(req: Pick<AskRequest, "channel" | "incidentId">): Promise<{ incidentId?: string; others: Array<{ id: string; title: string }> }> {
    if (req.incidentId) return { incidentId: req.incidentId, others: [] };
    const here = await openIncidentsInChannel(this.o.store, req.channel);
    const [only] = here;
    if (only && here.length === 1) return { incidentId: only.id, others: [] };
    return { others: here.map((i) => ({ id: i.id, title: i.title })) };
  }

  /**
   * Answers a question: records it on the incident's timeline (the conversation's memory), answers
   * it deterministically, and with an LLM when configured; records the gist of the answer.
   */
  async ask(req: AskRequest): Promise<AskResult> {
    const started = Date.now();
    const { incidentId, others } = await this.incidentFor(req);
    const ctx = incidentId ? await loadIncidentContext(this.o.store, incidentId) : undefined;
    const known = await this.knownServices().catch(() => [...this.o.topology().services]);
    const question = withFollowUp(parseQuestion(req.text, known), ctx?.conversation.at(-1));
    const entry = ctx
      ? await this.o.store.timeline.append({
          incidentId: ctx.incident.id,
          kind: "message",
          actor: req.user,
          text: req.text,
          data: { mention: true, question: req.text, intent: question.intent, ...(question.service ? { service: question.service } : {}), ...(question.metric ? { metric: question.metric } : {}), channel: req.channel, ...(req.ts ? { ts: req.ts } : {}), inThread: !!req.incidentId },
        })
      : undefined;
    const input = { question, text: req.text, ...(ctx ? { ctx } : {}), ...(others.length ? { openElsewhere: others } : {}) };
    const rules = answerQuestion(input, this.answerDeps());
    // Awaited only when needed (fallback, chart) in LLM mode: a failure must not go unhandled.
    rules.catch(() => undefined);
    let result: Answer;
    // Help and "what's on fire?" are lists from the store: the rules give them exactly.
    if (this.o.llm && question.intent !== "help" && question.intent !== "on_fire") {
      result = await this.viaLlm(req, question, ctx, known, rules);
    } else {
      result = await rules;
    }
    // What goes back to Slack carries no secret a log line or a tool result brought in.
    result = { ...result, text: this.redactor.text(result.text, "secrets"), sources: this.redactor.redactValue(result.sources, "secrets"), notes: this.redactor.redactValue(result.notes, "secrets") };
    if (entry) {
      await recordAnswer(this.o.store, entry.id, { text: result.text, mode: result.mode, intent: result.intent }).catch((e: unknown) => this.o.logger.warn({ err: e }, "could not record the answer on the timeline"));
    }
    this.o.logger.info({ intent: question.intent, service: question.service, mode: result.mode, incident: incidentId, ms: Date.now() - started }, "question answered");
    return { ...result, question, ...(incidentId ? { incidentId } : {}) };
  }

  private tools(): LoopTool[] {
    const ts = this.o.toolsets;
    const specs = ts.specs().filter((s) => s.enabled);
    const tools: LoopTool[] = specs.map((s) => ({
      name: s.name,
      description: s.description,
      parameters: s.parameters as Record<string, unknown>,
      run: async (args: unknown) => compactForModel(await ts.call(s.name, args)),
    }));
    tools.push({
      name: "service_health",
      description: "One service's health now: pods ready/total and restarts, error rate and latency against the previous hour, CPU and memory of limit, open incidents, last deploys, on-call, and a verdict with reasons.",
      parameters: { type: "object", properties: { service: { type: "string" } }, required: ["service"] },
      run: async (args: unknown) => {
        const service = String((args as { service?: unknown })?.service ?? "");
        if (!service) return { status: "error", error: "service is required" };
        const h = await this.health(service);
        return { status: "ok", summary: `${service} is ${h.verdict}${h.reasons.length ? `: ${h.reasons.join("; ")}` : ""}`, data: { ...h, openIncidents: h.openIncidents.map((i) => ({ id: i.id, title: i.title, severity: i.severity })) } };
      },
    });
    return tools;
  }

  private async viaLlm(req: AskRequest, question: ParsedQuestion, ctx: IncidentContext | undefined, known: string[], rules: Promise<Answer>): Promise<Answer> {
    const llm = this.o.llm!;
    const limits = { ...DEFAULT_LIMITS, ...llm.limits };
    const started = Date.now();
    const now = await this.o.toolsets.metrics.systemNow();
    let loop: LoopResult;
    try {
      loop = await runToolLoop({
        client: llm.client,
        model: llm.model,
        system: SYSTEM,
        question: req.text,
        context: contextText(ctx, new Date(now).toISOString(), { services: known }),
        tools: this.tools(),
        redactor: this.redactor,
        limits,
      });
      if (!loop.text.trim()) throw new Error("the model returned an empty answer");
    } catch (e) {
      const why = e instanceof LoopLimitError ? e.message : /abort|timed? ?out/i.test(String((e as Error)?.name) + String((e as Error)?.message)) ? `no answer within ${Math.round(limits.timeoutMs / 1000)} s` : `it failed (${e instanceof Error ? e.message.slice(0, 160) : String(e)})`;
      this.o.logger.warn({ err: e, why }, "LLM answer failed; falling back to the rules");
      const a = await rules;
      return { ...a, mode: "fallback", notes: [`The language model did not answer: ${why}. This is the rules-based answer.`, ...a.notes] };
    }
    const proposals = await this.offer(loop, ctx);
    const used = loop.used.filter((u) => u.tool !== "propose_action").map((u) => `${u.tool}(${argsText(u.args)}): ${u.outcome}`);
    const a: Answer = {
      intent: question.intent,
      text: toMrkdwn(loop.text.trim().replace(/\u0000/g, ""), [ctx?.incident.acknowledgedBy, ...(ctx?.timeline.map((t) => t.actor) ?? [])]),
      sources: used.length ? used : ["no tool calls: the answer rests on the incident context only"],
      notes: [],
      mode: "llm",
      llm: { model: llm.model, steps: loop.steps, tokens: loop.tokens, elapsedMs: Date.now() - started },
      ...(proposals.length ? { proposals } : {}),
    };
    // A chart request still gets its picture (from the rules, which ran alongside).
    if (question.intent === "metric") {
      const r = await rules.catch(() => undefined);
      if (r?.chart) a.chart = r.chart;
    }
    return a;
  }

  /** Proposed actions become remediation cards, never executions. */
  private async offer(loop: LoopResult, ctx: IncidentContext | undefined): Promise<ProposalOutcome[]> {
    const out: ProposalOutcome[] = [];
    const evidence = loop.used.filter((u) => u.tool !== "propose_action").map((u) => `${u.tool}: ${u.outcome}`.slice(0, 300));
    for (const p of loop.proposals.slice(0, 3)) {
      const base = { type: p.type, service: p.service, reason: p.reason };
      const rem = this.o.remediation;
      if (!ctx) {
        out.push({ ...base, offered: false, note: "not offered: ask in the incident's thread to get an approval button" });
        continue;
      }
      if (!rem) {
        out.push({ ...base, offered: false, note: "not offered: remediation is not available" });
        continue;
      }
      // Under the policy of the incident's workspace (its own catalog and rules when it has its own file).
      const policy = await rem.policyForIncident(ctx.incident.id, p.type, { service: p.service });
      if (!policy) {
        out.push({ ...base, offered: false, note: `not offered: ${p.type} is not an action aisre knows` });
        continue;
      }
      if (policy.autonomy === "auto") {
        out.push({ ...base, offered: false, note: "not offered: the policy would run it without approval, and the assistant never starts a change" });
        continue;
      }
      try {
        const r = await rem.recommend(ctx.incident.id, { type: p.type, target: { service: p.service }, reason: p.reason || "proposed by the assistant", evidence, proposedBy: "aisre-assistant" });
        out.push({ ...base, offered: r.offered, note: r.offered ? (r.duplicate ? `already on the table (${r.reason})` : r.autonomy === "approve" ? "card posted in the thread for approval" : `card posted (${r.autonomy}: ${r.reason})`) : `not offered: ${r.reason}` });
      } catch (e) {
        out.push({ ...base, offered: false, note: `not offered: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
    return out;
  }
}

function argsText(args: unknown): string {
  if (!args || typeof args !== "object") return "";
  return Object.entries(args as Record<string, unknown>)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ")
    .slice(0, 120);
}
