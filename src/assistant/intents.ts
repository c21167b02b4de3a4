import { closestNames, editDistance } from "../text/similarity.ts";
import { parseWhyNot, type RemedyKind } from "./why-not.ts";

export type Intent = "on_fire" | "changes" | "metric" | "health" | "progress" | "impact" | "why" | "why_not" | "oncall" | "similar" | "next_steps" | "summary" | "timeline" | "help" | "unknown";
export type MetricKind = "errors" | "latency" | "cpu" | "memory" | "traffic" | "restarts";
export type Audience = "status_page" | "leadership" | "responders";

export interface ParsedQuestion {
  intent: Intent;
  service?: string;
  metric?: MetricKind;
  /** Look-back window in minutes, when the question gives one ("in the last hour"). */
  windowMinutes?: number;
  audience?: Audience;
  /** What a "why" question is about ("the database"). */
  subject?: string;
  /** The remedy a "why not …?" question asks about ("why not roll back cart?"). */
  remedy?: { action: RemedyKind; service?: string };
  /** 0..1: how clearly the words matched the intent. */
  score: number;
  /** A second thing the question asks, in a clause of its own ("… and is checkout recovering?"). */
  also?: ParsedQuestion;
}

/** Words each intent listens for; a phrase scores more than a single word. */
const INTENT_WORDS: Record<Exclude<Intent, "unknown" | "help" | "why_not">, { phrases: RegExp[]; words: string[] }> = {
  on_fire: {
    phrases: [/\bon fire\b/, /\b(what|anything|something)('s| is)? (burning|broken|down|failing)\b/, /\b(open|active|current|ongoing|live) (incident|outage)s?\b/, /^(any|are there( any)?) (incident|outage)s?( open| now| right now| going on)?$/, /what('s| is) (firing|alerting)/],
    words: ["fire", "burning", "firing"],
  },
  changes: {
    phrases: [/what (has )?changed/, /any (recent )?(deploy|change|release)s?/, /(recent|latest|last) (deploy|change|release|rollout)s?/, /(deployed|released|rolled out|shipped)/, /what('s| is| was) new/],
    words: ["changed", "change", "changes", "deploy", "deploys", "deployed", "deployment", "release", "released", "rollout", "rollouts", "ship", "shipped", "pushed"],
  },
  metric: { phrases: [/show( me)?\b/, /graph|chart|plot/, /(error|latency|cpu|memory|traffic) (rate|graph|chart)/], words: ["show", "graph", "chart", "plot", "draw", "display", "visualise", "visualize"] },
  health: { phrases: [/is \S+ (healthy|ok|okay|up|down|fine|alive|working|broken)/, /how('s| is) \S+ (doing|looking)/, /health of/, /status of/], words: ["healthy", "health", "ok", "okay", "fine", "alive", "doing", "looking", "working", "broken", "status", "up", "down"] },
  // "Is it fixed?": the incident's own progress (status, what still fires, whether the fix held), not one service's health.
  progress: {
    phrases: [
      /\bis (it|this|that|the (incident|issue|problem|outage|fix)) (fixed|resolved|over|better|recovered|recovering|done|gone|sorted|back to normal)\b/,
      /\b(did|has) (it|this|that|the (fix|rollback|restart|remediation|action)) (work|worked|help|helped|fix it|fixed it)\b/,
      /\bare we (good|ok|okay|back|clear|recovered|out of the woods)\b/,
      /\bis (it|this) still (broken|failing|happening|going on|down|firing|ongoing)\b/,
      /\bhas (it|this) (recovered|stopped|cleared|settled)\b/,
    ],
    words: ["fixed", "worked"],
  },
  // "How many customers are affected?": who feels it and how much, not a status-page draft.
  impact: {
    phrases: [/\bhow (many|much) (customers|users|requests|traffic|people)\b/, /\bwhat('s| is) the (impact|damage)\b/, /\b(who|what) is (affected|impacted)\b/, /\b(customers|users) (are |is )?(affected|impacted|seeing)\b/, /\bhow bad\b/],
    words: ["impact", "impacted", "affected"],
  },
  why: { phrases: [/why (do|did|would) you (think|say|suspect|believe)/, /what makes you (think|say)/, /why (is|was) it/, /evidence (for|that)/, /how (do|did) you know/, /why .*(cause|culprit|root)/], words: ["why", "evidence", "reasoning", "because", "justify", "suspect", "blame", "blamed"] },
  oncall: { phrases: [/on[- ]?call/, /who('s| is) (paged|responsible|carrying the pager)/, /who (should|do) i (page|call|ping|escalate)/, /pager/], words: ["oncall", "on-call", "paged", "pager", "escalate", "escalation", "responsible", "owner", "owns"] },
  similar: { phrases: [/seen (this|it) before/, /happened before/, /similar (incident|issue|outage)s?/, /(past|previous|earlier) (incident|outage|postmortem)s?/, /any (history|precedent)/], words: ["before", "similar", "previous", "past", "history", "precedent", "again", "recurring", "postmortem"] },
  next_steps: { phrases: [/what (should|do|can|must) (i|we) do/, /next steps?/, /how (do|can|should) (i|we) (fix|mitigate|resolve|stop)/, /what now/, /recommend/, /runbook/], words: ["do", "fix", "mitigate", "resolve", "remediate", "recommend", "recommendation", "suggest", "next", "steps", "runbook", "action"] },
  summary: {
    phrases: [/summari[sz]e/, /summary/, /status page/, /for (the )?(leadership|execs?|management|customers|stakeholders)/, /tl;?dr/, /write (an? )?update/, /give me an update/],
    words: ["summarise", "summarize", "summary", "recap", "tldr", "update", "brief", "overview", "leadership", "executives", "customers", "stakeholders"],
  },
  timeline: { phrases: [/timeline/, /what happened (so far|when)/, /sequence of events/, /chronolog/, /so far/], words: ["timeline", "chronology", "sequence", "happened", "events", "history"] },
};

const METRIC_WORDS: Record<MetricKind, string[]> = {
  errors: ["error", "errors", "5xx", "500s", "failures", "failing", "fail", "exceptions", "error-rate"],
  latency: ["latency", "latencies", "slow", "slowness", "p95", "p99", "p50", "duration", "response", "lag"],
  cpu: ["cpu", "processor", "load", "throttling", "throttled"],
  memory: ["memory", "mem", "ram", "heap", "oom", "rss"],
  traffic: ["traffic", "requests", "rps", "throughput", "qps", "volume", "load"],
  restarts: ["restarts", "restart", "crashes", "crashloop", "crashing"],
};

const STOP = new Set(["the", "a", "an", "is", "are", "was", "it", "this", "that", "me", "for", "of", "on", "in", "to", "and", "what", "how", "can", "you", "please", "pls", "any", "s"]);

/** All vocabulary words, so a typo can be corrected to the nearest one. */
const VOCABULARY = [...new Set([...Object.values(INTENT_WORDS).flatMap((w) => w.words), ...Object.values(METRIC_WORDS).flat(), "summarise", "timeline", "healthy", "changed", "deploy", "oncall", "before", "should", "think", "database", "chart", "help"])];

/** Fixes small typos against the vocabulary ("chnaged" → "changed", "healthly" → "healthy"). */
export function correctTypos(words: string[], keep: readonly string[] = []): string[] {
  return words.map((w) => {
    if (w.length < 4 || VOCABULARY.includes(w) || keep.includes(w.replace(/'s$/, ""))) return w;
    let best = w;
    let bestD = w.length >= 7 ? 2 : 1;
    for (const v of VOCABULARY) {
      if (Math.abs(v.length - w.length) > bestD) continue;
      const d = editDistance(w, v);
      if (d < bestD || (d === bestD && best === w)) {
        best = v;
        bestD = d;
      }
    }
    return best;
  });
}

function windowOf(text: string): number | undefined {
  const m = /(?:last|past|previous)\s+(\d+)?\s*(minute|min|hour|hr|day)s?\b/.exec(text);
  if (!m) return /\btoday\b/.test(text) ? 24 * 60 : undefined;
  const [, count, unit = "day"] = m;
  const n = count ? Number(count) : 1;
  return unit.startsWith("min") ? n : unit.startsWith("h") ? n * 60 : n * 1440;
}

/** The service named in the question, allowing possessives and small typos. */
export function findService(words: string[], services: readonly string[]): string | undefined {
  const lower = services.map((s) => s.toLowerCase());
  for (const raw of words) {
    const w = raw.replace(/'s$/, "");
    const exact = lower.indexOf(w);
    if (exact >= 0) return services[exact];
  }
  const joined = words.join(" ");
  for (const [i, s] of lower.entries()) if (s.includes("-") && joined.includes(s.replace(/-/g, " "))) return services[i];
  for (const raw of words) {
    const w = raw.replace(/'s$/, "");
    if (w.length < 4 || STOP.has(w) || VOCABULARY.includes(w)) continue;
    const [guess] = closestNames(w, [...services], 1);
    if (guess && editDistance(w, guess.toLowerCase()) <= (w.length >= 7 ? 2 : 1)) return guess;
  }
  return undefined;
}

/**
 * Where a question asks a second thing: at a question mark, or at an "and" that starts a question
 * ("what changed in the last hour and is checkout recovering?"), not one that joins two words
 * ("checkout errors and latency").
 */
const CLAUSE_BREAK = /\?\s+|\s+and\s+(?=(?:is|are|was|were|what|what's|who|who's|why|how|when|which|where|show|did|does|do|has|have|can|should)\b)/i;

/**
 * Deterministic intent routing: no LLM, so it works at 3 a.m. when the model endpoint does not.
 * The question's intent and what it names. A question of two clauses that ask two different things
 * is two questions: the first clause's parse, with the second's as `also` (answered after it); the
 * words of one clause no longer steer the other ("checkout" narrowed "what changed" to checkout).
 */
export function parseQuestion(text: string, services: readonly string[] = []): ParsedQuestion {
  const whole = parseClause(text, services);
  const clauses = text.split(CLAUSE_BREAK).filter((c) => c.replace(/<@[A-Za-z0-9]+>/g, "").trim());
  if (clauses.length < 2 || whole.intent === "why_not") return whole;
  const asked = clauses.map((c) => parseClause(c, services)).filter((p) => p.intent !== "unknown" && p.intent !== "help");
  const [first, second] = asked.filter((p, i) => asked.findIndex((x) => x.intent === p.intent) === i);
  return first && second ? { ...first, also: second } : whole;
}

function parseClause(text: string, services: readonly string[]): ParsedQuestion {
  // "Why not roll back cart?": about a remedy, answered from the evidence for and against it.
  const remedy = parseWhyNot(text, services);
  if (remedy) return { intent: "why_not", ...(remedy.service ? { service: remedy.service } : {}), remedy, score: 1 };
  const lower = text
    .toLowerCase()
    .replace(/<@[a-z0-9]+>/g, " ")
    .replace(/\btl;dr\b/g, "tldr")
    .replace(/[?!.,:;()"]/g, " ");
  const words = correctTypos(
    lower.split(/\s+/).filter(Boolean),
    services.map((x) => x.toLowerCase()),
  );
  const norm = words.join(" ");
  const service = findService(words, services);
  const metric = (Object.entries(METRIC_WORDS) as Array<[MetricKind, string[]]>).find(([, ws]) => words.some((w) => ws.includes(w)))?.[0];
  const scores = new Map<Intent, number>();
  for (const [intent, spec] of Object.entries(INTENT_WORDS) as Array<[Intent, { phrases: RegExp[]; words: string[] }]>) {
    let s = 0;
    for (const p of spec.phrases) if (p.test(norm)) s += 2;
    for (const w of words) if (spec.words.includes(w)) s += 0.5;
    scores.set(intent, s);
  }
  // A metric named with a show/graph verb, or with a service and no other intent, is a chart request.
  if (metric && (scores.get("metric") ?? 0) > 0) scores.set("metric", (scores.get("metric") ?? 0) + 2);
  if (/\b(help|what can you do|commands)\b/.test(norm) && Math.max(...scores.values()) < 2) return { intent: "help", score: 1 };
  const [bestIntent, best] = [...scores.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["unknown", 0];
  if (best < 0.5) {
    if (metric && service) return { intent: "metric", service, metric, score: 0.5 };
    if (service) return { intent: "health", service, score: 0.4 };
    // Kept for a follow-up ("what about latency?" after a chart question).
    return { intent: "unknown", ...(metric ? { metric } : {}), score: 0 };
  }
  const parsed: ParsedQuestion = { intent: bestIntent, score: Math.min(1, best / 4) };
  if (service) parsed.service = service;
  if (metric) parsed.metric = metric;
  const win = windowOf(norm);
  if (win) parsed.windowMinutes = win;
  if (bestIntent === "summary") parsed.audience = /status page|customers|public/.test(norm) ? "status_page" : /leadership|exec|management|stakeholder|boss|cto|ceo|vp/.test(norm) ? "leadership" : "responders";
  // "Why do you think it's the database?" asks about a suspect; "why is checkout failing?" asks for the
  // cause of a symptom, and has none (a walk: "I do not think it is *checkout failing*").
  const symptomOnly = /^why (is|are|was|were|does|do) \S+( \S+)? (failing|slow|down|erroring|broken|timing out|degraded|unavailable|crashing|returning errors|so slow|failing requests)\b/.test(norm.trim());
  if (bestIntent === "why" && !symptomOnly) {
    const m = /\b(?:it'?s|it is|is|was|be|blame)\s+(?:the\s+)?([a-z0-9-]+(?:\s+[a-z0-9-]+)?)\s*$/.exec(norm.trim());
    if (m) parsed.subject = m[1];
  }
  // A chart request without a metric ("show me the chart") is left open: in an incident it means
  // the incident's leading signal, elsewhere the error rate (answers.ts decides).
  // "Is checkout on fire?" is about one service: its health.
  if (bestIntent === "on_fire" && service) parsed.intent = "health";
  return parsed;
}

/** The metric an SLI's name is about ("p99-latency" → latency), if one of the charted kinds. */
export function kindOfSli(name: string): MetricKind | undefined {
  const n = name.toLowerCase();
  if (/error|5xx|fail/.test(n)) return "errors";
  if (/latenc|duration|p9\d|p50|response/.test(n)) return "latency";
  if (/mem|heap|rss/.test(n)) return "memory";
  if (/cpu|throttl/.test(n)) return "cpu";
  if (/restart|crash/.test(n)) return "restarts";
  if (/request|traffic|rps|qps|throughput/.test(n)) return "traffic";
  return undefined;
}
