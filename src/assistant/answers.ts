import { alertQuery } from "../knowledge/alert-query.ts";
import { titleOf } from "../incident/lookup.ts";
import { spanText } from "../text/spans.ts";
import type { Runbook } from "../knowledge/runbook.ts";
import { keyTimeline } from "../postmortem/timeline.ts";
import type { ChangeRecord } from "../toolsets/changes.ts";
import type { ToolResult } from "../toolsets/types.ts";
import type { HypothesisView, IncidentContext } from "./context.ts";
import { kindOfSli, type Intent, type MetricKind, type ParsedQuestion } from "./intents.ts";
import { chartOf, fetchMetric, formatMetric, METRIC_SPECS } from "./metric-chart.ts";
import { fmtSeconds, serviceHealth, type OncallEntry, type ServiceHealth } from "./service-health.ts";
import { impactText, progressText, summaryFor } from "./summaries.ts";
import { escapeKeepingMentions, escapeText as esc, inlineCode, isSlackUserId, link, mentionUser, personRef, safeUrl } from "../text/slack-markup.ts";
import { explainWhyNot } from "./why-not.ts";
import type { Answer, AnswerDeps, AnswerInput } from "./types.ts";
import { plural, runbookMatch } from "../text/words.ts";
import { slackDate } from "../text/slack-markup.ts";

/**
 * The deterministic answers: one per intent of the router, each from the read-only toolsets and
 * the incident's own records, each citing what it read. No LLM: this is what answers at 3 a.m.
 * when the model endpoint does not, and what the LLM path falls back to.
 */

const MIN = 60_000;

/** A time in a Slack answer: a date token (the reader's time zone) with a readable UTC fallback. */
export const hhmm = (ms: number | string): string => slackDate(ms, "{time}");

export function ago(ms: number, now: number): string {
  const m = Math.round((now - ms) / MIN);
  if (m < 1) return "just now";
  if (m < 120) return `${m} min ago`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} days ago`;
}

const pct = (c: number | undefined): string => (c === undefined ? "" : ` (confidence ${Math.round(c * 100)}%)`);

/** "tool: outcome" for the sources line. */
export function outcome(tool: string, r: ToolResult<unknown> | undefined): string {
  if (!r) return `${tool}: not called`;
  switch (r.status) {
    case "ok":
      return `${tool}: ${r.summary}`;
    case "no_data":
      return `${tool}: no data (${r.reason})`;
    case "error":
      return `${tool}: failed (${r.error})`;
    case "disabled":
      return `${tool}: off (${r.reason})`;
  }
}

function answer(intent: Intent, text: string, sources: string[] = [], notes: string[] = []): Answer {
  return { intent, text, sources, notes, mode: "rules" };
}

/** What the assistant can do, for `help` and for questions it did not understand. */
export function capabilities(): string {
  return [
    "I can answer these in an incident thread or channel (and most of them anywhere):",
    "• _what changed in the last hour?_: deploys and config changes",
    "• _show me checkout's error rate_: a chart (errors, latency, cpu, memory, traffic, restarts)",
    "• _is payments healthy?_: pods, errors and latency against baseline, open incidents",
    "• _is it fixed?_: the incident's state, what still fires, how the fixes went · _what's the impact?_",
    "• _why do you think it's the database?_: the evidence behind the diagnosis",
    "• _who is on call?_ · _have we seen this before?_ · _what should I do?_",
    "• _summarise this for the status page_ / _for leadership_ · _timeline so far_",
    "Commands: `/aisre status <service>`, `/aisre oncall [service]`, `/aisre runbook <query>`, `/aisre help`.",
  ].join("\n");
}

/** The services a question is about: the one it names, else the incident's. */
function scope(q: ParsedQuestion, ctx: IncidentContext | undefined): string[] {
  if (q.service) return [q.service];
  return ctx?.incident.services ?? [];
}

function needsIncident(intent: Intent, input: AnswerInput): Answer {
  const others = input.openElsewhere ?? [];
  const where = others.length ? ` This channel has ${others.length} open incidents (${others.map((i) => inlineCode(i.id)).join(", ")}): ask in the thread of the one you mean.` : " Ask in an incident's thread (or its channel), or `/aisre incidents` to find one.";
  return answer(intent, `I need an incident for that.${where}`);
}

// ---- changes ------------------------------------------------------------------------------------

function changeLine(c: ChangeRecord, now: number, incidentStart?: number): string {
  const at = Date.parse(c.at);
  const before = incidentStart !== undefined && at <= incidentStart ? `, ${spanText((incidentStart - at) / 1000)} before the incident started` : incidentStart !== undefined ? ", after the incident started" : "";
  const version = c.version ? ` ${inlineCode(c.version)}${c.previousVersion ? ` (from ${inlineCode(c.previousVersion)})` : ""}` : "";
  const who = c.author ? ` by ${esc(c.author)}` : "";
  const what = c.description && !c.description.includes(c.version ?? "\u0000") ? `: ${esc(c.description)}` : c.description && c.kind !== "deploy" ? `: ${esc(c.description)}` : "";
  const status = c.status && !/success/i.test(c.status) ? ` [${esc(c.status)}]` : "";
  const url = safeUrl(c.url) ? ` ${link(c.url, "link")}` : "";
  return `• ${hhmm(at)} (${ago(at, now)}${before}): *${esc(c.kind)}* of *${esc(c.service)}*${version}${who}${what}${status}${url}`;
}

async function changes(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps, now: number): Promise<Answer> {
  const ctx = input.ctx;
  const incidentStart = ctx ? Date.parse(ctx.incident.createdAt) : undefined;
  const since = q.windowMinutes ? now - q.windowMinutes * MIN : Math.min(now - 2 * 60 * MIN, (incidentStart ?? now) - 2 * 60 * MIN);
  // Name every known service so the cluster's rollout history is read too (webhooks are in the store).
  const services = q.service ? [q.service] : [...new Set([...(ctx?.incident.services ?? []), ...(await deps.knownServices())])].slice(0, 60);
  const r = await deps.toolsets.changes.t.recentChanges.run({ ...(services.length ? { services } : {}), since, until: now });
  const sources = [outcome("recent_changes", r)];
  const span = q.windowMinutes ? `in the last ${q.windowMinutes >= 120 ? `${Math.round(q.windowMinutes / 60)} h` : q.windowMinutes === 60 ? "hour" : `${q.windowMinutes} min`}` : `since ${hhmm(since)}`;
  const about = q.service ? ` to *${esc(q.service)}*` : "";
  if (r.status !== "ok") {
    const why = r.status === "no_data" ? "" : ` (${esc(r.status === "error" ? `the change history could not be read: ${r.error}` : r.reason)})`;
    const example = q.service ?? ctx?.incident.services[0];
    return answer("changes", `No deploys or config changes${about} ${span}${why}.${ctx ? ` A change is not the only trigger: ask ${example ? `_is ${esc(example)} healthy?_` : "_what is failing?_"} or _what should I do?_` : ""}`, sources);
  }
  const list = [...r.data].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const inScope = ctx ? new Set(ctx.incident.services) : undefined;
  const lines = list.slice(0, 15).map((c) => `${inScope?.has(c.service) ? ":point_right: " : ""}${changeLine(c, now, incidentStart)}`);
  const head = `*${list.length} change${list.length === 1 ? "" : "s"}${about} ${span}* (newest first):`;
  const tail = list.length > 15 ? `\n…and ${list.length - 15} more.` : "";
  const hint = inScope && list.some((c) => inScope.has(c.service)) ? "\n:point_right: = a service of this incident." : "";
  return answer("changes", `${head}\n${lines.join("\n")}${tail}${hint}`, sources, r.notes ?? []);
}

// ---- metric chart -------------------------------------------------------------------------------

/**
 * The signal a bare "show me the chart" means in an incident: an anomaly of the service the
 * diagnosis leads with, else the incident's first anomaly (of `service` when one was named).
 */
export function incidentSignal(ctx: IncidentContext | undefined, service?: string): { service: string; kind: MetricKind } | undefined {
  if (!ctx) return undefined;
  const anomalies = ctx.timeline
    .filter((e) => e.kind === "anomaly" && typeof e.data.service === "string" && typeof e.data.sli === "string")
    .map((e) => ({ service: String(e.data.service), kind: kindOfSli(String(e.data.sli)) }))
    .filter((a): a is { service: string; kind: MetricKind } => a.kind !== undefined && (service === undefined || a.service === service));
  const lead = ctx.hypotheses[0]?.service;
  return anomalies.find((a) => a.service === lead) ?? anomalies[0];
}

async function metric(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps, now: number): Promise<Answer> {
  const signal = q.metric ? undefined : incidentSignal(input.ctx, q.service);
  const kind: MetricKind = q.metric ?? signal?.kind ?? "errors";
  const service = q.service ?? signal?.service ?? input.ctx?.incident.services[0];
  if (!service) return answer("metric", `Which service? For example: _show me checkout's ${METRIC_SPECS[kind].label}_.`);
  const incidentStart = input.ctx ? Date.parse(input.ctx.incident.createdAt) : undefined;
  const windowMinutes = q.windowMinutes ?? (incidentStart !== undefined ? Math.max(60, Math.min(24 * 60, Math.ceil((now - incidentStart) / MIN) + 30)) : 60);
  const got = await fetchMetric(deps.toolsets, service, kind, { start: now - windowMinutes * MIN, end: now }, deps.serviceLabel);
  if ("reason" in got) return answer("metric", `I could not chart the ${METRIC_SPECS[kind].label} of *${esc(service)}*: ${esc(got.reason)}.`, [got.reason]);
  const v = got.view;
  const r = v.reading;
  const trend = r && r.baseline > 0 ? (r.now > r.baseline * 1.5 ? ` (${(r.now / r.baseline).toFixed(1)}× baseline)` : r.now < r.baseline / 1.5 ? " (below baseline)" : " (normal)") : "";
  const text = [
    `*${esc(service)} ${v.label}*: ${r ? `${formatMetric(r.now, v.unit)} now${trend}, baseline ${formatMetric(r.baseline, v.unit)}` : "no recent reading"}; peak ${formatMetric(v.peak.value, v.unit)} at ${hhmm(v.peak.at)}.`,
    r ? "_Now: median of the last 3 minutes; baseline: median of the hour before the last 10 minutes._" : "",
  ]
    .filter(Boolean)
    .join("\n");
  const a = answer("metric", text, [v.source]);
  // Deploys and config changes of the window, as markers (best effort: the chart goes without them).
  const start = now - windowMinutes * MIN;
  const changed = await deps.toolsets.changes.t.recentChanges.run({ since: start, until: now }).catch(() => undefined);
  const changes = changed?.status === "ok" ? changed.data : [];
  try {
    a.chart = await chartOf(v, { windowMinutes, changes, ...(incidentStart !== undefined ? { incidentStart } : {}) });
  } catch (e) {
    a.notes.push(`the chart could not be drawn: ${(e as Error).message}`);
  }
  return a;
}

// ---- health -------------------------------------------------------------------------------------

const VERDICT_ICON = { healthy: ":large_green_circle:", degraded: ":large_yellow_circle:", unhealthy: ":red_circle:", unknown: ":white_circle:" } as const;

/** A health reading in a few lines (the thread answer; the status card is richer). */
export function healthText(h: ServiceHealth, now: number): string {
  const parts: string[] = [];
  if (h.pods) parts.push(`pods ${h.pods.ready}/${h.pods.total} ready, ${h.pods.restarts} restart${h.pods.restarts === 1 ? "" : "s"}`);
  if (h.errorRate) parts.push(`errors ${formatMetric(h.errorRate.now, "percent")} (baseline ${formatMetric(h.errorRate.baseline, "percent")})`);
  if (h.latencyP95) parts.push(`${esc(h.latencyP95.label ?? "latency")} ${fmtSeconds(h.latencyP95.now)} (baseline ${fmtSeconds(h.latencyP95.baseline)})`);
  if (h.cpu) parts.push(`CPU ${formatMetric(h.cpu.now, "percent")} of limit`);
  if (h.memory) parts.push(`memory ${formatMetric(h.memory.now, "percent")} of limit`);
  const lines = [`${VERDICT_ICON[h.verdict] ?? ""} *${esc(h.service)}* is *${esc(h.verdict)}*${h.reasons.length ? `: ${esc(h.reasons.join("; "))}` : ""}.`];
  if (parts.length) lines.push(parts.join(" · "));
  if (h.deploys[0]) lines.push(`Last change: ${esc(h.deploys[0].kind)} ${esc(h.deploys[0].version ?? "")} ${ago(Date.parse(h.deploys[0].at), now)}${h.deploys[0].author ? ` by ${esc(h.deploys[0].author)}` : ""}`.replace(/\s+/g, " "));
  for (const c of h.dependencyChanges.slice(0, 2)) lines.push(`Change upstream: ${esc(c.kind)} of *${esc(c.service)}*${c.version ? ` ${inlineCode(c.version)}` : ""} ${ago(Date.parse(c.at), now)}${c.author ? ` by ${esc(c.author)}` : ""} (${esc(h.service)} calls it)`);
  if (h.openIncidents.length) lines.push(`Open incident${h.openIncidents.length > 1 ? "s" : ""}: ${h.openIncidents.map((i) => `${inlineCode(i.id)} ${esc(i.title)}`).join("; ")}`);
  return lines.join("\n");
}

async function health(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps, now: number): Promise<Answer> {
  const services = scope(q, input.ctx).slice(0, 4);
  if (services.length === 0) return answer("health", "Which service? For example: _is payments healthy?_ (or `/aisre status payments`).");
  const read = deps.health ?? ((s: string) => serviceHealth(s, { toolsets: deps.toolsets, store: deps.store, ...(deps.oncall ? { oncall: deps.oncall } : {}), ...(deps.serviceLabel ? { serviceLabel: deps.serviceLabel } : {}) }));
  const results = await Promise.all(services.map(read));
  const text = results.map((h) => healthText(h, now)).join("\n\n");
  const gaps = [...new Set(results.flatMap((h) => h.gaps))];
  return answer(
    "health",
    text,
    ["k8s_pod_state, service_metrics, recent_changes, who_is_on_call (last 3 min against the hour before)"],
    gaps.map((g) => `gap: ${g}`),
  );
}

// ---- why ----------------------------------------------------------------------------------------

function hypothesisText(h: HypothesisView): string {
  const lines = [`*${esc(h.text)}*${pct(h.confidence)}`];
  if (h.evidence.length)
    lines.push(
      `Evidence:\n${h.evidence
        .slice(0, 8)
        .map((e) => `• ${esc(e)}`)
        .join("\n")}`,
    );
  if (h.counterEvidence.length)
    lines.push(
      `Against it:\n${h.counterEvidence
        .slice(0, 4)
        .map((e) => `• ${esc(e)}`)
        .join("\n")}`,
    );
  if (h.gaps.length) lines.push(`What I could not check: ${esc(h.gaps.slice(0, 4).join("; "))}`);
  return lines.join("\n");
}

const SUBJECT_ALIASES: Record<string, string[]> = {
  database: ["db", "postgres", "postgresql", "mysql", "sql", "rds", "orders-db", "database"],
  cache: ["cache", "redis", "memcached", "elasticache"],
  queue: ["queue", "rabbitmq", "kafka", "sqs", "amazonmq"],
  deploy: ["deploy", "release", "rollout", "version", "change"],
  network: ["network", "dns", "timeout", "connection"],
};

/** Whether a hypothesis is about what the person named ("the database" matches orders-db, postgres…). */
export function mentions(h: Pick<HypothesisView, "text" | "service">, subject: string): boolean {
  const s = subject
    .toLowerCase()
    .replace(/^the\s+/, "")
    .trim();
  const hay = `${h.service ?? ""} ${h.text}`.toLowerCase();
  if (hay.includes(s)) return true;
  for (const [key, words] of Object.entries(SUBJECT_ALIASES)) {
    if (key === s || words.includes(s)) return words.some((w) => hay.includes(w));
  }
  return false;
}

async function why(q: ParsedQuestion, input: AnswerInput): Promise<Answer> {
  const ctx = input.ctx;
  if (!ctx) return needsIncident("why", input);
  const d = ctx.card.diagnosis;
  const hs = ctx.hypotheses;
  const sources = [`incident card diagnosis${d?.cause ? "" : " (none yet)"}`, `${hs.length} hypothesis entr${hs.length === 1 ? "y" : "ies"} on the timeline`];
  if (!d?.cause && hs.length === 0) {
    return answer("why", `I have no diagnosis for ${inlineCode(ctx.incident.id)} yet, so I am not blaming anything. Ask _what changed?_ or _is ${esc(ctx.incident.services[0] ?? "checkout")} healthy?_ to look at the evidence directly.`, sources);
  }
  const leading = hs[0];
  const subject = q.subject && !/^(that|this|so|it)$/.test(q.subject) ? q.subject : undefined;
  const out: string[] = [];
  if (subject) {
    const match = hs.find((h) => mentions(h, subject));
    const leadMatches = match ? match === leading : d?.cause ? mentions({ text: d.cause }, subject) : false;
    if (match && leadMatches) out.push(`Yes, it is my leading hypothesis. Here is why:\n${hypothesisText(match)}`);
    else if (match && leading) out.push(`It is not my leading hypothesis, it ranks #${hs.indexOf(match) + 1}:\n${hypothesisText(match)}\n\nLeading instead:\n${hypothesisText(leading)}`);
    else if (leadMatches) out.push(`Yes: *${esc(d!.cause ?? "")}*${pct(d!.confidence)}.`);
    else out.push(`I do not think it is *${esc(subject)}*: nothing in the diagnosis points there.${leading ? `\nMy leading hypothesis:\n${hypothesisText(leading)}` : d?.cause ? `\nMy leading hypothesis: *${esc(d.cause)}*${pct(d.confidence)}.` : ""}`);
  } else if (leading) {
    out.push(`My leading hypothesis:\n${hypothesisText(leading)}`);
  } else {
    out.push(`My leading hypothesis: *${esc(d!.cause ?? "")}*${pct(d!.confidence)}.`);
  }
  if (d?.verdict && d.verdict !== "confident") out.push(`_${esc(d.verdict)}: treat this as a lead, not a verdict._`);
  const alternates = hs.filter((h) => h !== leading && !out.join("").includes(h.text)).slice(0, 3);
  if (alternates.length) out.push(`Alternates: ${alternates.map((h) => `_${esc(h.text)}_${h.confidence !== undefined ? ` (${Math.round(h.confidence * 100)}%)` : ""}`).join(", ")}`);
  return answer("why", out.join("\n\n"), sources);
}

async function whyNot(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps): Promise<Answer> {
  const ctx = input.ctx;
  if (!ctx || !q.remedy) return needsIncident("why_not", input);
  const actions = deps.actions ? await deps.actions(ctx.incident.id) : [];
  return answer("why_not", explainWhyNot(q.remedy, ctx, actions), [`incident ${ctx.incident.id}: diagnosis, ${ctx.timeline.filter((e) => e.kind === "change").length} change(s) on the timeline, ${actions.length} remediation action(s)`]);
}

// ---- on call ------------------------------------------------------------------------------------

async function oncallOf(service: string, deps: AnswerDeps): Promise<{ people: OncallEntry[]; source: string }> {
  if (deps.oncall) {
    try {
      const people = await deps.oncall(service);
      return { people, source: `PagerDuty on-call for ${service}: ${people.length ? people.map((p) => `L${p.level} ${p.name}`).join(", ") : "nobody"}` };
    } catch (e) {
      return { people: [], source: `PagerDuty on-call for ${service}: failed (${e instanceof Error ? e.message : String(e)})` };
    }
  }
  const r = await deps.toolsets.oncall.t.whoIsOnCall.run({ service });
  return { people: r.status === "ok" ? r.data.map((o) => ({ name: o.user.name, level: o.level, ...(o.schedule ? { schedule: o.schedule.name } : {}) })) : [], source: outcome("who_is_on_call", r) };
}

export const personText = (p: OncallEntry): string => `${personRef(p)} (L${p.level}${p.schedule ? `, ${esc(p.schedule)}` : ""})`;

/** On-call for several services, grouped when they share the same people. */
export async function oncallText(services: string[], deps: AnswerDeps): Promise<{ text: string; sources: string[] }> {
  const rows = await Promise.all(services.map(async (s) => ({ service: s, ...(await oncallOf(s, deps)) })));
  const groups = new Map<string, { services: string[]; people: OncallEntry[] }>();
  for (const r of rows) {
    const key = r.people.map(personText).join(", ");
    const g = groups.get(key) ?? { services: [], people: r.people };
    g.services.push(r.service);
    groups.set(key, g);
  }
  const lines = [...groups.entries()].map(([key, g]) => `*${esc(g.services.join(", "))}*: ${key || "nobody is on call (no escalation policy matches)"}`);
  return { text: lines.join("\n"), sources: rows.map((r) => r.source) };
}

async function oncall(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps): Promise<Answer> {
  const services = scope(q, input.ctx);
  const list = services.length ? services : (await deps.knownServices()).slice(0, 20);
  if (list.length === 0) return answer("oncall", "Which service? For example: _who is on call for payments?_");
  const { text, sources } = await oncallText(list, deps);
  return answer("oncall", `:pager: On call now:\n${text}`, sources);
}

// ---- similar ------------------------------------------------------------------------------------

function describe(ctx: IncidentContext): string {
  const d = ctx.card.diagnosis;
  return [ctx.incident.title, d?.cause ?? "", d?.summary ?? "", ...new Set(ctx.alerts.slice(0, 20).map((a) => alertQuery(a)))].filter(Boolean).join(". ");
}

async function similar(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps): Promise<Answer> {
  const ctx = input.ctx;
  const query = ctx ? describe(ctx) : input.text.replace(/<@[A-Z0-9]+>/g, "").trim();
  if (!query) return needsIncident("similar", input);
  const r = await deps.toolsets.knowledge.t.similarIncidents.run({
    text: query.slice(0, 4000),
    ...(ctx ? { services: ctx.incident.services, alertNames: [...new Set(ctx.alerts.map((a) => a.name))].slice(0, 200), excludeIncidentId: ctx.incident.id } : {}),
    limit: 5,
  });
  const hits = r.status === "ok" ? r.data.filter((h) => !ctx || (h.meta.incidentId !== ctx.incident.id && !h.id.includes(ctx.incident.id))).slice(0, 3) : [];
  const sources = [outcome("similar_incidents", r)];
  if (hits.length === 0) {
    return answer("similar", `I found no similar past incident or postmortem${r.status === "ok" || r.status === "no_data" ? "" : ` (${esc(outcome("similar_incidents", r))})`}. The knowledge base holds the postmortems and incidents aisre wrote; this may be the first of its kind.`, sources);
  }
  const lines = hits.map((h) => {
    const id = typeof h.meta.incidentId === "string" ? `${esc(h.meta.incidentId)} ` : "";
    const why = h.reasons?.length ? ` — ${esc(h.reasons.join("; "))}` : "";
    const cause = h.cause ?? h.excerpt;
    const fix = h.fixedBy ? (h.fixedBy.length ? `\n   Fixed by: ${esc(h.fixedBy.slice(0, 2).join("; ").slice(0, 300))}` : "\n   No fix was recorded.") : "";
    return `• *${id}${esc(h.title)}* (${esc(h.kind)}, match ${Math.round(h.score * 100)}%)${why}${cause ? `\n   > ${esc(cause.replace(/\s+/g, " ").slice(0, 220))}` : ""}${fix}`;
  });
  return answer("similar", `Yes, ${hits.length === 1 ? "once" : `${hits.length} times`}: these look similar.\n${lines.join("\n")}`, sources);
}

// ---- next steps ---------------------------------------------------------------------------------

/** The numbered steps of a runbook's Mitigation (or Fix / Remediation) section, first lines only. */
export function mitigationSteps(rb: Pick<Runbook, "body">, max = 4): string[] {
  const m = /^#{2,3}\s*(?:mitigation|remediation|fix|resolution|what to do)\b.*$([\s\S]*?)(?=^#{1,3}\s|$(?![\s\S]))/im.exec(rb.body);
  if (!m) return [];
  // A step that wraps onto the next lines (Markdown continuation) is one step: never cut mid-sentence.
  const steps: string[] = [];
  let inStep = false;
  for (const line of (m[1] ?? "").split("\n")) {
    const item = /^\s*(\d+\.|[-*])\s+(.*)$/.exec(line);
    if (item) {
      steps.push((item[2] ?? "").trim());
      inStep = true;
    } else if (inStep && line.trim() && /^\s+\S|^[^#>|]/.test(line)) steps[steps.length - 1] += ` ${line.trim()}`;
    else inStep = false;
  }
  return steps.filter(Boolean).slice(0, max);
}

const STATE_TEXT: Record<string, string> = { pending: "waiting for approval (buttons on its card)", advised: "advised (no button under the policy)", running: "running", verifying: "running, verifying" };

async function nextSteps(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps): Promise<Answer> {
  const ctx = input.ctx;
  const out: string[] = [];
  const sources: string[] = [];
  if (ctx) {
    const steps = ctx.card.diagnosis?.nextSteps ?? [];
    if (steps.length) out.push(`*From the diagnosis:*\n${steps.map((s, i) => `${i + 1}. ${esc(s)}`).join("\n")}`);
    sources.push(`incident card next steps: ${steps.length}`);
    if (deps.actions) {
      const open = (await deps.actions(ctx.incident.id)).filter((a) => STATE_TEXT[a.state]);
      if (open.length) out.push(`*Remediation on the table:*\n${open.map((a) => `• ${esc(a.detail.title)} on *${esc(a.target.service)}*: ${STATE_TEXT[a.state]}`).join("\n")}`);
      sources.push(`remediation actions: ${open.length} open`);
    }
  }
  const services = scope(q, ctx);
  const alertNames = ctx ? [...new Set(ctx.alerts.map((a) => a.name))] : [];
  const symptoms = [ctx?.card.diagnosis?.cause, ctx?.card.diagnosis?.summary, ctx?.incident.title, ctx ? "" : input.text].filter(Boolean).join(". ");
  const r = await deps.toolsets.knowledge.t.runbookMatches.run({ alertNames, services, text: symptoms, limit: 3 });
  sources.push(outcome("runbook_matches", r));
  if (r.status === "ok") {
    const byId = new Map(deps.knowledge.loadedRunbooks().map((rb) => [rb.id, rb]));
    const blocks = r.data.slice(0, 2).map((hit) => {
      const rb = byId.get(hit.id);
      const steps = rb ? mitigationSteps(rb) : [];
      return `• ${runbookMatch(esc(hit.title), hit.score)}${hit.actions.length ? `; actions: ${esc(hit.actions.map((x) => x.replace(/_/g, " ")).join(", "))}` : ""}${steps.length ? `\n${steps.map((s, i) => `   ${i + 1}. ${esc(s)}`).join("\n")}` : ""}`;
    });
    out.push(`*Runbooks:*\n${blocks.join("\n")}`);
  } else if (!ctx && !q.service) {
    return answer("next_steps", `I need an incident or a service for that: ask in an incident thread, or _what should I do about checkout?_. \`/aisre runbook <words>\` searches the runbooks.`, sources);
  }
  if (out.length === 0) out.push("I have no next steps yet: no diagnosis and no matching runbook. Start with _what changed?_ and _is <service> healthy?_.");
  return answer("next_steps", out.join("\n\n"), sources);
}

// ---- summary and timeline -----------------------------------------------------------------------

async function summary(q: ParsedQuestion, input: AnswerInput, deps: AnswerDeps, now: number): Promise<Answer> {
  const ctx = input.ctx;
  if (!ctx) return needsIncident("summary", input);
  const actions = deps.actions ? await deps.actions(ctx.incident.id) : [];
  const text = summaryFor(q.audience ?? "responders", ctx, { now, actions });
  return answer("summary", text, [`incident ${ctx.incident.id}: card, ${plural(ctx.alerts.length, "alert")}, ${plural(ctx.timeline.length, "timeline entry")}, ${plural(actions.length, "remediation action")}`]);
}

const KIND_ICON: Record<string, string> = { alert: ":rotating_light:", change: ":package:", status: ":arrows_counterclockwise:", hypothesis: ":mag:", action: ":hammer_and_wrench:", message: ":speech_balloon:", anomaly: ":chart_with_upwards_trend:", sync: ":link:", note: ":memo:" };

function timeline(input: AnswerInput): Answer {
  const ctx = input.ctx;
  if (!ctx) return needsIncident("timeline", input);
  const entries = ctx.timeline.filter((e) => !(e.kind === "message" && e.data?.mention === true));
  const moments = keyTimeline(entries, { maxLines: 30, maxText: 160 });
  if (moments.length === 0) return answer("timeline", `Nothing on the timeline of ${inlineCode(ctx.incident.id)} yet.`);
  const lines = moments.map((m) => `\`${new Date(m.at).toISOString().slice(11, 16)}\` ${KIND_ICON[m.kind] ?? "•"} ${escapeKeepingMentions(m.text, [ctx.incident.acknowledgedBy, ...ctx.timeline.map((t) => t.actor)])}${m.kind === "message" && isSlackUserId(m.actor) ? ` (${mentionUser(m.actor)})` : ""}`);
  return answer("timeline", `*Timeline of ${inlineCode(ctx.incident.id)} so far* (UTC):\n${lines.join("\n")}`, [`incident timeline: ${ctx.timeline.length} entries`]);
}

// ---- what's on fire ------------------------------------------------------------------------------

/**
 * "What's on fire?": every open incident (severity, age, status, leading cause, a link to its
 * thread), most severe first, and the alerts firing that no open incident holds yet; or, clearly,
 * that nothing is open.
 */
async function onFire(deps: AnswerDeps, now: number): Promise<Answer> {
  const [open, loose] = await Promise.all([deps.store.incidents.listOpen(), deps.store.alerts.firingOutsideOpenIncidents(11)]);
  const sources = [`open incidents: ${open.length}`, `firing alerts outside an open incident: ${loose.length > 10 ? "more than 10" : loose.length}`];
  if (open.length === 0 && loose.length === 0) return answer("on_fire", ":white_check_mark: *Nothing is on fire.* No incident is open and no alert is firing.", sources);
  const sorted = [...open].sort((a, b) => a.severity.localeCompare(b.severity) || Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const lines = await Promise.all(
    sorted.slice(0, 10).map(async (i) => {
      const card = await deps.store.incidents.card(i.id);
      const d = card.diagnosis;
      const url = await deps.permalink?.(i.id).catch(() => undefined);
      const shown = titleOf(i, card).slice(0, 150);
      const title = url && safeUrl(url) ? link(url, shown) : `*${esc(shown)}*`;
      const cause = d?.cause ? `leading cause: ${esc(d.cause.slice(0, 200))}${pct(d.confidence)}` : "no leading cause yet";
      const services = i.services.length
        ? ` on ${i.services
            .slice(0, 4)
            .map((s) => `*${esc(s)}*`)
            .join(", ")}`
        : "";
      return `• *${esc(i.severity.toUpperCase())}* ${title}${services} · ${inlineCode(i.id)} · ${esc(i.status)}, opened ${ago(Date.parse(i.createdAt), now)}\n    ${cause}`;
    }),
  );
  const parts: string[] = [];
  if (open.length) parts.push(`:fire: *${open.length} open incident${open.length === 1 ? "" : "s"}* (most severe first):\n${lines.join("\n")}${open.length > 10 ? `\n…and ${open.length - 10} more (\`/aisre incidents\`).` : ""}`);
  else parts.push("*No incident is open.*");
  if (loose.length) {
    const alertLines = loose.slice(0, 10).map((a) => `• ${inlineCode(a.name)}${a.service ? ` on *${esc(a.service)}*` : ""} (${esc(a.severity)}, ${esc(a.source)}) firing since ${hhmm(Date.parse(a.startsAt))}`);
    parts.push(`:rotating_light: *Firing, not in an incident yet:*\n${alertLines.join("\n")}${loose.length > 10 ? "\n…and more." : ""}`);
  } else parts.push("No alert is firing outside these incidents.");
  return answer("on_fire", parts.join("\n\n"), sources);
}

/** "Is it fixed?": the incident's progress (progressText). */
async function progress(input: AnswerInput, deps: AnswerDeps, now: number): Promise<Answer> {
  const ctx = input.ctx;
  if (!ctx) return needsIncident("progress", input);
  const actions = deps.actions ? await deps.actions(ctx.incident.id) : [];
  return answer("progress", progressText(ctx, { now, actions }), [`incident ${ctx.incident.id}: ${plural(ctx.alerts.length, "alert")}, ${plural(actions.length, "remediation action")}`]);
}

/** "How many customers are affected?": the incident's impact (impactText). */
function impact(input: AnswerInput, now: number): Answer {
  const ctx = input.ctx;
  if (!ctx) return needsIncident("impact", input);
  return answer("impact", impactText(ctx, { now }), [`incident ${ctx.incident.id}: card impact${ctx.card.peak ? " and peak" : ""}, ${plural(ctx.alerts.length, "alert")}`]);
}

// ---- dispatch -----------------------------------------------------------------------------------

export async function answerQuestion(input: AnswerInput, deps: AnswerDeps): Promise<Answer> {
  const { also, ...q } = input.question;
  const now = await deps.toolsets.metrics.systemNow();
  const first = await answerOne({ ...input, question: q }, deps, now);
  if (!also) return first;
  // A question that asked two things gets both answers, in the order asked.
  const second = await answerOne({ ...input, question: also }, deps, now);
  return { ...first, text: `${first.text}\n\n${second.text}`, sources: [...first.sources, ...second.sources], notes: [...first.notes, ...second.notes], ...(first.chart || !second.chart ? {} : { chart: second.chart }) };
}

async function answerOne(input: AnswerInput, deps: AnswerDeps, now: number): Promise<Answer> {
  const q = input.question;
  switch (q.intent) {
    case "on_fire":
      return onFire(deps, now);
    case "changes":
      return changes(q, input, deps, now);
    case "metric":
      return metric(q, input, deps, now);
    case "health":
      return health(q, input, deps, now);
    case "progress":
      return progress(input, deps, now);
    case "impact":
      return impact(input, now);
    case "why":
      return why(q, input);
    case "why_not":
      return whyNot(q, input, deps);
    case "oncall":
      return oncall(q, input, deps);
    case "similar":
      return similar(q, input, deps);
    case "next_steps":
      return nextSteps(q, input, deps);
    case "summary":
      return summary(q, input, deps, now);
    case "timeline":
      return timeline(input);
    case "help":
      return answer("help", capabilities());
    default:
      return answer("unknown", `I'm not sure what you mean by _${input.text.replace(/[_*`<>]/g, "").slice(0, 200) || "that"}_.\n${capabilities()}`);
  }
}
