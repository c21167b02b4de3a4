import { isReopenNote, readActionCard, staleFields, type CardState, type SlackMessageLike } from "./observe.ts";

/**
 * The incident eval's per-run measurements and targets (pure): from what the incident channel showed
 * over a run (every root card as it changed, every thread reply with the simulated minute it first
 * appeared) and the ground truth of the faults that were injected.
 */

export interface FaultTruth {
  scenario: string;
  rootCause: string;
  fix: string;
  fixTarget: { kind: string; name: string };
  /** Simulated time the fault was injected (ms). */
  startedAt: number;
}

export interface SeenReply extends SlackMessageLike {
  firstSeen: number;
}

export interface ThreadRecord {
  rootTs: string;
  /** Simulated time the root message was first seen (ms). */
  firstSeen: number;
  /** The root message as last read. */
  root: SlackMessageLike;
  /** The card's state at each read where it changed. */
  cards: Array<{ at: number; card: CardState }>;
  replies: SeenReply[];
}

export interface RunRecord {
  id: string;
  kind: "single" | "overlap" | "after-resolution" | "flapping+fault";
  seed: number;
  speed: number;
  faults: FaultTruth[];
  threads: ThreadRecord[];
  /** PagerDuty dedup keys of the incidents paged (aisre:<incident id>). */
  pagedKeys: string[];
  /** Jira issue key → number of comments. */
  jiraComments: Record<string, number>;
  simMinutes: number;
  errors: string[];
}

export interface FaultMetrics {
  run: string;
  kind: RunRecord["kind"];
  seed: number;
  scenario: string;
  /** Its incidents, not counting those merged into another (their thread points to the one that goes on). */
  incidents: number;
  /** Its incidents that were merged into another. */
  merged: number;
  causeShown?: string;
  rightCause: boolean;
  firstRemedy?: string;
  rightRemedy: boolean;
  maxSeverity?: string;
  shouldPage: boolean;
  paged: boolean;
  missedPage: boolean;
  extraPage: boolean;
  /** Bot messages in the incident's thread (root included) in the first 30 simulated minutes of the fault. */
  messages30: number;
  reopens: number;
  minutesToCard?: number;
  minutesToDiagnosis?: number;
  resolved: boolean;
  staleFields: string[];
  jiraComments?: number;
}

const M = 60_000;
const minutes = (ms: number) => Math.round((ms / M) * 10) / 10;
const sevRank = (s: string | undefined) => (s ? Number(s.slice(3)) : 9);

/** The cause the card showed last while the incident was open (what the bridge acted on). */
function openCause(t: ThreadRecord): string | undefined {
  return [...t.cards].reverse().find((c) => c.card.status !== "resolved" && c.card.causeService)?.card.causeService;
}

/** Whether the thread's incident was merged into another (its card says so once resolved). */
const mergedThread = (t: ThreadRecord): boolean => !!t.cards.at(-1)?.card.mergedInto;

/** Which fault a thread belongs to: the one whose root cause the card named, else the latest injected before it opened. */
export function faultOf(t: ThreadRecord, faults: readonly FaultTruth[]): number {
  const cause = openCause(t);
  const named = faults.findIndex((f) => f.rootCause === cause);
  if (named >= 0) return named;
  let best = -1;
  let bestStart = Number.NEGATIVE_INFINITY;
  faults.forEach((f, i) => {
    if (f.startedAt <= t.firstSeen && (best < 0 || f.startedAt >= bestStart)) {
      best = i;
      bestStart = f.startedAt;
    }
  });
  return best;
}

export function faultMetrics(r: RunRecord): FaultMetrics[] {
  const byFault = new Map<number, ThreadRecord[]>();
  for (const t of r.threads) {
    const i = faultOf(t, r.faults);
    if (i < 0) continue;
    byFault.set(i, [...(byFault.get(i) ?? []), t]);
  }
  return r.faults.map((f, i) => {
    const all = (byFault.get(i) ?? []).sort((a, b) => a.firstSeen - b.firstSeen);
    // A thread merged into another is a duplicate closed in favour of that one, not an incident of its own.
    const threads = all.filter((t) => !mergedThread(t));
    const main = threads.find((t) => openCause(t) === f.rootCause) ?? threads[0];
    const base = { run: r.id, kind: r.kind, seed: r.seed, scenario: f.scenario, incidents: threads.length, merged: all.length - threads.length };
    if (!main) return { ...base, rightCause: false, rightRemedy: false, shouldPage: false, paged: false, missedPage: false, extraPage: false, messages30: 0, reopens: 0, resolved: false, staleFields: [] };
    const cards = main.cards.map((c) => c.card);
    const maxSeverity = cards
      .map((c) => c.severity)
      .filter(Boolean)
      .sort((a, b) => sevRank(a) - sevRank(b))[0];
    const last = cards.at(-1);
    const incidentId = cards.map((c) => c.incidentId).find(Boolean);
    const paged = incidentId ? r.pagedKeys.includes(`aisre:${incidentId}`) : false;
    const shouldPage = sevRank(maxSeverity) <= 2;
    const firstAction = main.replies.map((m) => readActionCard(m)).find(Boolean);
    const fixService = f.fixTarget.kind === "deployment" ? f.fixTarget.name : f.rootCause;
    // What the thread shows everyone: an ephemeral answer to one person's click is not a thread message.
    const bot = (m: SlackMessageLike) => (!!m.bot_id || (m.user ?? "").startsWith("U0AISRE")) && !m.is_ephemeral;
    const cutoff = f.startedAt + 30 * M;
    const diagnosed = main.cards.find((c) => c.card.causeService);
    const resolved = last?.status === "resolved";
    const jira = last?.jiraKey ?? cards.map((c) => c.jiraKey).find(Boolean);
    return {
      ...base,
      causeShown: openCause(main),
      rightCause: openCause(main) === f.rootCause,
      firstRemedy: firstAction ? `${firstAction.action} ${firstAction.service}` : undefined,
      rightRemedy: !!firstAction && firstAction.action === f.fix && firstAction.service === fixService,
      maxSeverity,
      shouldPage,
      paged,
      missedPage: shouldPage && !paged,
      extraPage: paged && !shouldPage,
      messages30: (main.firstSeen <= cutoff ? 1 : 0) + main.replies.filter((m) => bot(m) && m.firstSeen <= cutoff).length,
      reopens: main.replies.filter(isReopenNote).length,
      minutesToCard: minutes(main.firstSeen - f.startedAt),
      ...(diagnosed ? { minutesToDiagnosis: minutes(diagnosed.at - f.startedAt) } : {}),
      resolved,
      staleFields: resolved ? staleFields(main.root, main.replies) : [],
      ...(jira && r.jiraComments[jira] !== undefined ? { jiraComments: r.jiraComments[jira] } : {}),
    };
  });
}

export interface Targets {
  rightCause: boolean;
  rightRemedy: boolean;
  missedPages: number;
  maxMessages30: number;
  maxReopens: number;
  incidentsPerFault: boolean;
  staleFields: number;
}

export interface EvalSummary {
  runs: number;
  faults: number;
  rightCause: number;
  rightRemedy: number;
  missedPages: number;
  extraPages: number;
  maxMessages30: number;
  maxReopens: number;
  incidentsPerFaultOk: number;
  staleFields: number;
  unresolved: number;
  errors: number;
  meetsTargets: boolean;
  failures: string[];
}

/** Targets: right cause and right remedy in every run; 0 missed pages; ≤ 12 messages; ≤ 1 reopen; 1 incident per fault; 0 stale fields. */
export function summarise(records: readonly RunRecord[], metrics: readonly FaultMetrics[]): EvalSummary {
  const failures: string[] = [];
  for (const m of metrics) {
    const where = `${m.run} ${m.scenario}`;
    if (!m.rightCause) failures.push(`${where}: cause shown ${m.causeShown ?? "none"}`);
    if (!m.rightRemedy) failures.push(`${where}: first remedy ${m.firstRemedy ?? "none"}`);
    if (m.missedPage) failures.push(`${where}: reached ${m.maxSeverity?.toUpperCase()} and nobody was paged`);
    if (m.messages30 > 12) failures.push(`${where}: ${m.messages30} bot messages in the first 30 minutes`);
    if (m.reopens > 1) failures.push(`${where}: reopened ${m.reopens} times`);
    if (m.incidents !== 1) failures.push(`${where}: ${m.incidents} incidents for one fault`);
    if (m.staleFields.length) failures.push(`${where}: stale after resolve: ${m.staleFields.join(", ")}`);
  }
  for (const r of records) for (const e of r.errors) failures.push(`${r.id}: ${e}`);
  return {
    runs: records.length,
    faults: metrics.length,
    rightCause: metrics.filter((m) => m.rightCause).length,
    rightRemedy: metrics.filter((m) => m.rightRemedy).length,
    missedPages: metrics.filter((m) => m.missedPage).length,
    extraPages: metrics.filter((m) => m.extraPage).length,
    maxMessages30: Math.max(0, ...metrics.map((m) => m.messages30)),
    maxReopens: Math.max(0, ...metrics.map((m) => m.reopens)),
    incidentsPerFaultOk: metrics.filter((m) => m.incidents === 1).length,
    staleFields: metrics.reduce((n, m) => n + m.staleFields.length, 0),
    unresolved: metrics.filter((m) => !m.resolved).length,
    errors: records.reduce((n, r) => n + r.errors.length, 0),
    meetsTargets: failures.length === 0,
    failures,
  };
}
