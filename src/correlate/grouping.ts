import type { Alert } from "../domain/alert.ts";
import type { Topology } from "../domain/topology.ts";

/** What the correlator needs to know about an open incident. */
export interface OpenIncidentView {
  id: string;
  services: string[];
  /** Last time an alert joined or fired in it (ms). */
  lastActivityMs: number;
  /** Labels shared by its alerts (cluster, namespace, alertname…). */
  labelSets: Array<Record<string, string>>;
  /** When it opened (ms). */
  openedAtMs?: number;
  /** The service its diagnosis leads with, once it has one: what its symptoms are read against. */
  suspectedCause?: string;
  /** When each of its services first showed a problem in it (ms, the earliest start of its alerts there). */
  serviceOnsetMs?: Record<string, number>;
  /** When a remediation saw its symptoms recover (a verified fix), if one did. */
  recoveredAtMs?: number;
}

/** A deploy or config change (what may start a fault of its own). */
export interface RecentChange {
  service: string;
  atMs: number;
  what: string;
}

export interface GroupingOptions {
  /** How long after an incident's last activity a related alert still joins it. */
  windowMs: number;
  /** How far apart in the topology two services may be and still be one failure. */
  maxHops: number;
  /** Label similarity (0..1) that groups alerts without a known service. */
  minLabelSimilarity: number;
  /**
   * A dependency of an incident's service that starts failing within this long of that service's
   * own onset may be the cause it was waiting for (internal alerts fire later than the edge's);
   * one that starts failing much later is a fault of its own.
   */
  causalWindowMs: number;
  /** A deploy of a service this recent, made after an incident began, makes its alerts a fault of their own. */
  freshChangeMs: number;
  /**
   * The `for` of Prometheus alerting rules, by alert name, when known (the rules API's `duration`).
   * Alertmanager sends a rule alert's startsAt as its fire time, that long after its condition began,
   * while an incident's onsets are when its services began failing: the causal window compares the
   * condition's start (startsAt minus the `for`) on its late side.
   */
  ruleForMs?: Readonly<Record<string, number>>;
}

export const DEFAULT_GROUPING: GroupingOptions = { windowMs: 30 * 60_000, maxHops: 2, minLabelSimilarity: 0.6, causalWindowMs: 10 * 60_000, freshChangeMs: 30 * 60_000 };

export type GroupingDecision = { kind: "join"; incidentId: string; reason: string; score: number } | { kind: "new"; reason: string };

/**
 * How strong another incident's claim must be to take an alert from the incident it belongs to:
 * the alert's own service or the suspected cause (5, 6), a symptom downstream of it (3). A weaker
 * one (a dependency failing at the same time, 2; a symptom back after a verified fix, 1; alike
 * labels) does not: the alert stays with its incident, or reopens it when it was resolved.
 */
export const STRONG_CLAIM = 3;

/** A claim by the alert's own service or the suspected cause: only that keeps the same alert back from its resolved incident. */
export const OWN_CLAIM = 5;

/**
 * Incident identity, one rule for an open and a resolved incident alike: whether the grouping's
 * decision takes an alert away from `ownId`, the incident it belongs to (the one whose alert fired
 * again, or the resolved one in which its service alerted: never among the open incidents grouped,
 * so it may go unnamed). Only a strong claim of another incident does.
 */
export function takesAlertFrom(decision: GroupingDecision, ownId: string | undefined): decision is Extract<GroupingDecision, { kind: "join" }> {
  return decision.kind === "join" && decision.incidentId !== ownId && decision.score >= STRONG_CLAIM;
}

/** Labels that say where an alert is, not what it is about: compared for similarity. */
const LOCATION_LABELS = ["cluster", "namespace", "env", "environment", "region", "job", "alertname", "instance"];

export function labelSimilarity(a: Record<string, string>, b: Record<string, string>): number {
  let shared = 0;
  let union = 0;
  for (const k of LOCATION_LABELS) {
    if (a[k] === undefined && b[k] === undefined) continue;
    union++;
    if (a[k] !== undefined && a[k] === b[k]) shared++;
  }
  return union === 0 ? 0 : shared / union;
}

type CallPath = { hops: number; path: string[] };

/** A topology's calls by caller (in the order of its edges), and what each service reaches through them (by most hops). */
interface Reach {
  edges: Topology["edges"];
  edgeCount: number;
  calls: Map<string, string[]>;
  reached: Map<number, Map<string, ReadonlyMap<string, CallPath>>>;
}

/** Services whose reach is remembered per topology and hop limit (a storm asks about the same few). */
const MAX_REACHED = 5_000;
const reaches = new WeakMap<Topology, Reach>();

/** The topology's calls by caller, made again when its edges are another array or changed in number. */
function reachOf(t: Topology): Reach {
  const known = reaches.get(t);
  if (known && known.edges === t.edges && known.edgeCount === t.edges.length) return known;
  const calls = new Map<string, string[]>();
  for (const e of t.edges) {
    const list = calls.get(e.from);
    if (list) list.push(e.to);
    else calls.set(e.from, [e.to]);
  }
  const reach: Reach = { edges: t.edges, edgeCount: t.edges.length, calls, reached: new Map() };
  reaches.set(t, reach);
  return reach;
}

/**
 * Every service `from` depends on within maxHops (it calls … calls them), each with the shortest chain
 * of calls there: breadth first, each caller's calls in edge order, the first chain found kept.
 * Remembered for the topology; read-only (callers never change it).
 */
function reachedFrom(t: Topology, from: string, maxHops: number): ReadonlyMap<string, CallPath> {
  const reach = reachOf(t);
  let byService = reach.reached.get(maxHops);
  if (!byService) reach.reached.set(maxHops, (byService = new Map()));
  const known = byService.get(from);
  if (known) return known;
  const found = new Map<string, CallPath>();
  let frontier = [{ service: from, path: [] as string[] }];
  for (let hop = 1; hop <= maxHops && frontier.length > 0; hop++) {
    const next: typeof frontier = [];
    for (const { service, path } of frontier) {
      for (const callee of reach.calls.get(service) ?? []) {
        if (callee === from || found.has(callee)) continue;
        const chain = [...path, `${service} calls ${callee}`];
        found.set(callee, { hops: hop, path: chain });
        next.push({ service: callee, path: chain });
      }
    }
    frontier = next;
  }
  if (byService.size >= MAX_REACHED) byService.clear();
  byService.set(from, found);
  return found;
}

/**
 * Shortest chain of calls from `from` to `to` (`from` calls … calls `to`), within maxHops: `from`
 * depends on `to`, so a fault in `to` can surface in `from`. Undefined when there is none.
 */
export function dependencyPath(t: Topology, from: string, to: string, maxHops: number): CallPath | undefined {
  if (from === to) return { hops: 0, path: [] };
  return reachedFrom(t, from, maxHops).get(to);
}

/** An alert name as lower-case words, its camelCase split ("OrdersQueueBacklog" → "orders queue backlog"). */
const nameWords = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

/**
 * Whether an alert only warns of a coming exhaustion (a disk almost full, memory near its limit, a
 * predicted fill): its service is not failing yet, so it explains nothing that fails above it.
 */
export function warnsOnly(name: string): boolean {
  return /\b(almost|near|nearly|predict\w*|will|approaching|filling)\b/.test(nameWords(name));
}

/**
 * Whether an alert says a queue is backing up (a backlog, a consumer's lag, messages waiting): what
 * its clients do shows there — consumers slowing or producers flooding it — whenever that reaches it.
 */
export function backlogOnly(name: string): boolean {
  return /\b(backlog|lag|backed up|queue (depth|size|length)|messages (waiting|ready|unacked)|unacked)\b/.test(nameWords(name));
}

const hopWords = (n: number) => `${n} hop${n > 1 ? "s" : ""}`;

/** What an alert says, read once per alert (not once per open incident it is read against): its service, its name, and what its service depends on. */
interface AlertKind {
  service: string;
  warns: boolean;
  backlog: boolean;
  dependsOn: ReadonlyMap<string, CallPath>;
}

/** Score of how an incident explains an alert, with the why; undefined when it does not. */
type Claim = { score: number; reason: string /** When the service it is read against began failing in the incident. */; since?: number };

/**
 * How an open incident relates to an alert on `service`, as an on-call engineer reads the topology:
 * - the incident's suspected cause or one of its services: the same fault;
 * - a service that depends on the suspected cause (or on one of its services): a downstream symptom;
 * - a dependency of one of its services that started failing close to that service's onset: the
 *   cause it was waiting for (edge alerts fire first, internal ones later) — failing, not warning of
 *   a coming exhaustion (a disk almost full explains nothing above it yet);
 * - not a dependency that starts failing much later, nor a service deployed after the incident
 *   began (its own change, its own fault), nor a symptom that came back after the incident's fix
 *   was verified (unless nothing else explains it).
 */
function claim(alert: Alert, named: AlertKind, inc: OpenIncidentView, startsMs: number, topology: Topology, o: GroupingOptions, changes: readonly RecentChange[]): Claim | undefined {
  const s = named.service;
  // Changed after the incident began and not one of its services yet: its own fault, even when the
  // incident's diagnosis already points at it (a change after the onset cannot have caused it).
  const fresh = !inc.services.includes(s) && changes.some((c) => c.service === s && inc.openedAtMs !== undefined && c.atMs > inc.openedAtMs && startsMs - c.atMs <= o.freshChangeMs && c.atMs <= startsMs + 60_000);
  if (fresh) return undefined;
  const own = inc.services.includes(s) || inc.suspectedCause === s;
  // After a verified fix, its symptoms firing again are a weak claim: another incident that explains them wins.
  const afterFix = inc.recoveredAtMs !== undefined && startsMs > inc.recoveredAtMs;
  if (own) {
    if (afterFix) return { score: 1, reason: `${s} alerted in it before its fix was verified` };
    if (inc.suspectedCause === s) return { score: 6, reason: `${s} is its suspected cause` };
    // A symptom it showed long ago (beyond the window) is a weak claim: a fault begun around it since
    // explains it better (frontend slowing under a report query on orders-db, 3 h after it showed
    // catalog's full disk, merged the query's incident into the disk's).
    const since = inc.serviceOnsetMs?.[s];
    if (since !== undefined && longBefore(since, startsMs, o)) return { score: 1, since, reason: `${s} showed it ${Math.round((startsMs - since) / 60_000)} min before` };
    return { score: 5, reason: `same service (${s})` };
  }
  // Read against the suspected cause first, then each of its services.
  let down: { hops: number; path: string[]; via: string } | undefined;
  const anchor = (a: string) => {
    const p = named.dependsOn.get(a);
    if (p && (!down || p.hops < down.hops || (a === inc.suspectedCause && p.hops === down.hops))) down = { ...p, via: a };
  };
  if (inc.suspectedCause) anchor(inc.suspectedCause);
  for (const a of inc.services) if (a !== inc.suspectedCause) anchor(a);
  if (down) {
    // Through the suspected cause or any of its services alike: which of two incidents has the
    // symptom is a matter of time (the tie rule), not of how far either diagnosis has got.
    const base = 3;
    const since = inc.serviceOnsetMs?.[down.via] ?? inc.openedAtMs;
    return { score: afterFix ? 1 : base, ...(since !== undefined ? { since } : {}), reason: `${s} depends on ${down.via}${down.via === inc.suspectedCause ? ", its suspected cause" : ""} (${down.path.join(", ")}; ${hopWords(down.hops)})` };
  }
  // A backlog on a queue one of its services works, begun after that service began failing: the queue
  // backs up because its client slowed (a consumer) — late, as a backlog builds (db-report-query's
  // OrdersQueueBacklog 25 min after order-processor slowed opened an incident of its own). Begun
  // before, it is no symptom of it (the dependency rules below decide).
  if (named.backlog) {
    for (const a of inc.services) {
      const onset = inc.serviceOnsetMs?.[a] ?? inc.openedAtMs;
      if (onset !== undefined && startsMs >= onset && dependencyPath(topology, a, s, 1)) {
        return { score: afterFix ? 1 : 2, since: onset, reason: `${s} backs up behind ${a}, which works its queue and began failing first` };
      }
    }
  }
  let up: { hops: number; path: string[]; via: string } | undefined;
  // An incident a recent change explains waits for no other cause: a dependency failing with its
  // symptoms joins it only if the change could have disturbed it (the changed service or what it
  // calls); payments failing under checkout is not explained by cart's rollout.
  const change = changeBehind(inc, changes, o);
  const disturbed = !change || change.service === s || dependencyPath(topology, change.service, s, o.maxHops) !== undefined;
  // A rule alert's condition began its `for` before it fired: only the late side moves (an alert
  // firing before the onset is compared as it was).
  const conditionMs = startsMs - ruleFor(alert, o);
  for (const a of named.warns || !disturbed ? [] : inc.services) {
    const onset = inc.serviceOnsetMs?.[a];
    if (onset !== undefined && (conditionMs - onset > o.causalWindowMs || onset - startsMs > o.causalWindowMs)) continue;
    const p = dependencyPath(topology, a, s, o.maxHops);
    if (p && (!up || p.hops < up.hops)) up = { ...p, via: a };
  }
  // A detector's slowdown on a service that shares a dependency with one of the incident's (both
  // call orders-db): load the incident put on that dependency, or its recovery burst, slows its other
  // callers. Only a weak signal (an anomaly, latency) joins that way: errors there would be the
  // dependency failing, which alerts on its own. When a change explains the incident, only through a
  // dependency that change could disturb: order-processor slowed through orders-db under inventory's
  // rollout (inventory calls orders-db) joins; payments slowing 2 min after cart's rollout 1.8.0 (cart
  // calls only the cache) is the start of a fault of its own (flapping:…#3's cascading failure).
  // Only while that load can be the incident's: within the window of when that service began failing
  // in it, or of the incident's recovery. Hours on, the shared dependency slowing its callers is a
  // fault of its own (a report query on orders-db 2.5 h into catalog's full disk slowed inventory).
  if (!up && alert.source === "anomaly" && /latency|duration|slow/i.test(alert.name)) {
    const mine = new Set(topology.edges.filter((e) => e.from === s).map((e) => e.to));
    const reachable = (d: string) => !change || change.service === d || dependencyPath(topology, change.service, d, o.maxHops) !== undefined;
    const recovering = inc.recoveredAtMs !== undefined && startsMs >= inc.recoveredAtMs && startsMs - inc.recoveredAtMs <= o.windowMs;
    for (const x of inc.services) {
      if (!recovering && longBefore(inc.serviceOnsetMs?.[x] ?? inc.openedAtMs, startsMs, o)) continue;
      const shared = topology.edges.find((e) => e.from === x && mine.has(e.to) && reachable(e.to));
      if (shared) return { score: 1, reason: `${s} and ${x} both call ${shared.to} (a slowdown spread through it)` };
    }
  }
  if (up) {
    return { score: afterFix ? 1 : 2, reason: `${up.via} depends on ${s} (${up.path.join(", ")}) and they started failing together` };
  }
  return undefined;
}

/** Whether `since` (when a service began failing in an incident) is beyond the window before `startsMs`. */
const longBefore = (since: number | undefined, startsMs: number, o: GroupingOptions) => since !== undefined && startsMs - since > o.windowMs;

/** How long a rule alert's condition held before it fired (its rule's `for`), when known; 0 otherwise. */
const ruleFor = (alert: Alert, o: GroupingOptions) => (alert.source === "alertmanager" ? Math.max(0, o.ruleForMs?.[alert.name] ?? 0) : 0);

const alertStartMs = (alert: Alert, nowMs: number) => {
  const started = Date.parse(alert.startsAt);
  return Number.isFinite(started) ? Math.min(started, nowMs) : nowMs;
};

/** When an alert comes, in words, after the incident's last activity. */
function sinceLastAlert(nowMs: number, inc: OpenIncidentView): string {
  const minutes = Math.max(0, Math.round((nowMs - inc.lastActivityMs) / 60_000));
  return minutes === 0 ? "within the last minute" : `${minutes} min after the incident's last alert`;
}

/** Every open incident active within the window that explains an alert, with how strongly and why. */
function claims(alert: Alert, nowMs: number, open: readonly OpenIncidentView[], topology: Topology, options: GroupingOptions, changes: readonly RecentChange[]): Array<Claim & { inc: OpenIncidentView; why: string }> {
  const startsMs = alertStartMs(alert, nowMs);
  const out: Array<Claim & { inc: OpenIncidentView; why: string }> = [];
  // A suspected cause that is another open incident's own service is that incident's: its diagnosis
  // saw the other fault from the outside (a cart deploy seen from the cache incident), not its cause.
  const openServices = new Set(open.flatMap((o) => o.services));
  const ownedElsewhere = (inc: OpenIncidentView) => !!inc.suspectedCause && !inc.services.includes(inc.suspectedCause) && openServices.has(inc.suspectedCause);
  const named: AlertKind | undefined = alert.service ? { service: alert.service, warns: warnsOnly(alert.name), backlog: backlogOnly(alert.name), dependsOn: reachedFrom(topology, alert.service, options.maxHops) } : undefined;
  for (const raw of open) {
    if (nowMs - raw.lastActivityMs > options.windowMs) continue;
    const inc = ownedElsewhere(raw) ? { ...raw, suspectedCause: undefined } : raw;
    if (named) {
      const c = claim(alert, named, inc, startsMs, topology, options, changes);
      if (c) out.push({ ...c, reason: `${c.reason}, ${sinceLastAlert(nowMs, inc)}`, why: c.reason, inc });
      continue;
    }
    const sim = Math.max(0, ...inc.labelSets.map((l) => labelSimilarity(alert.labels, l)));
    const why = `labels ${Math.round(sim * 100)}% alike (${LOCATION_LABELS.filter((k) => alert.labels[k]).join(", ")})`;
    if (sim >= options.minLabelSimilarity) out.push({ score: 1 + sim, reason: `${why}, ${sinceLastAlert(nowMs, inc)}`, why, inc });
  }
  return out;
}

/**
 * Decides which open incident an alert belongs to, and says why in words a responder can check.
 * (An alert already in an incident stays there, unless it fires again; that is decided before grouping.)
 * Preference: the suspected cause or the same service, then a symptom downstream of the suspected
 * cause or of its services, then a dependency failing at the same time. Ties go to the incident whose
 * failing service began most recently before the alert (a symptom follows its cause closely), then
 * to the one under way the longest. Alerts without a service group by label similarity.
 */
export function groupAlert(alert: Alert, nowMs: number, open: OpenIncidentView[], topology: Topology, options: GroupingOptions = DEFAULT_GROUPING, changes: readonly RecentChange[] = []): GroupingDecision {
  const startsMs = alertStartMs(alert, nowMs);
  let best: { incidentId: string; reason: string; score: number; inc: OpenIncidentView; since?: number } | undefined;
  // Ties: the incident whose failing service began most recently before this alert began (a symptom
  // follows its cause closely; a cause failing for long without it is less likely), then the one
  // under way the longest; without such times, the most recently active.
  const preceding = (since: number | undefined) => (since !== undefined && since <= startsMs + 60_000 ? since : Number.NEGATIVE_INFINITY);
  const better = (a: { inc: OpenIncidentView; since?: number }, b: { inc: OpenIncidentView; since?: number }) => {
    if (preceding(a.since) !== preceding(b.since)) return preceding(a.since) > preceding(b.since);
    return a.inc.openedAtMs !== undefined && b.inc.openedAtMs !== undefined ? a.inc.openedAtMs < b.inc.openedAtMs : a.inc.lastActivityMs > b.inc.lastActivityMs;
  };
  for (const c of claims(alert, nowMs, open, topology, options, changes)) {
    if (!best || c.score > best.score || (c.score === best.score && better(c, best))) best = { incidentId: c.inc.id, reason: c.reason, score: c.score, inc: c.inc, ...(c.since !== undefined ? { since: c.since } : {}) };
  }
  if (best) return { kind: "join", incidentId: best.incidentId, reason: best.reason, score: best.score };
  if (!alert.service) return { kind: "new", reason: "no open incident with similar labels" };
  const fresh = changes.find((c) => c.service === alert.service && startsMs - c.atMs <= options.freshChangeMs && c.atMs <= startsMs + 60_000);
  if (fresh && open.some((i) => nowMs - i.lastActivityMs <= options.windowMs && i.openedAtMs !== undefined && fresh.atMs > i.openedAtMs)) return { kind: "new", reason: `${alert.service} changed (${fresh.what}) after the open incidents began: a fault of its own` };
  return { kind: "new", reason: `no open incident on ${alert.service}, its dependencies or what depends on it` };
}

/**
 * The change an incident is the fault of, if any: one of its services deployed or reconfigured
 * shortly before it began failing there. A bad rollout has its own remedy (roll it back) and its
 * own thread: it neither absorbs another incident nor is absorbed by one.
 */
export function changeBehind(inc: OpenIncidentView, changes: readonly RecentChange[], o: GroupingOptions = DEFAULT_GROUPING): RecentChange | undefined {
  for (const s of inc.services) {
    const onset = inc.serviceOnsetMs?.[s];
    if (onset === undefined) continue;
    const c = changes.find((x) => x.service === s && x.atMs <= onset + 60_000 && onset - x.atMs <= o.freshChangeMs);
    if (c) return c;
  }
  return undefined;
}

export interface MergePlan {
  /** The incident that stays: the one opened first. */
  into: string;
  /** The incidents to fold into it, each with the why. */
  merge: Array<{ id: string; reason: string }>;
}

/**
 * Incidents that are one failure seen from two sides: open incidents that each explain the same
 * alert as their own or as a symptom downstream of them (checkout failing is downstream of the
 * payments incident and of the cache incident alike). The customer sees one failure, the on-call
 * engineer works it in one thread, and the diagnosis ranks the causes there. The later ones fold
 * into the one opened first; an incident a recent change explains keeps its own thread.
 */
export function mergeFor(alert: Alert, nowMs: number, open: OpenIncidentView[], topology: Topology, options: GroupingOptions = DEFAULT_GROUPING, changes: readonly RecentChange[] = []): MergePlan | undefined {
  if (!alert.service || alert.status !== "firing") return undefined;
  // A claim read against a service that began failing in it long before (beyond the window) merges
  // nothing: search slowing under a report query on orders-db is no sign that the query's incident is
  // catalog's full disk of three hours before, though search calls catalog.
  const startsMs = alertStartMs(alert, nowMs);
  const strong = claims(alert, nowMs, open, topology, options, changes).filter((c) => c.score >= STRONG_CLAIM && !longBefore(c.since, startsMs, options) && !changeBehind(c.inc, changes, options));
  if (strong.length < 2) return undefined;
  const first = (c: (typeof strong)[number]) => c.inc.openedAtMs ?? c.inc.lastActivityMs;
  const [survivor, ...rest] = [...strong].sort((a, b) => first(a) - first(b));
  if (!survivor) return undefined;
  return {
    into: survivor.inc.id,
    merge: rest.map((c) => ({ id: c.inc.id, reason: `both explain ${alert.name} on ${alert.service}: ${c.why} (${c.inc.id}); ${survivor.why} (${survivor.inc.id})` })),
  };
}

/**
 * A late deploy: a change that reaches the correlator after the alerts it explains were grouped (the
 * deploy webhook lags the first symptoms). The services of an open incident that were changed after
 * the incident began and started failing right after that change are a fault of their own, as they
 * would have been had the change been known in time (the same rule as for a new alert). Returns
 * those services with the why; never the incident's first service (its own fault to begin with).
 */
export function splitByChange(inc: OpenIncidentView, change: RecentChange, o: GroupingOptions = DEFAULT_GROUPING): { services: string[]; reason: string } | undefined {
  if (inc.openedAtMs === undefined || change.atMs <= inc.openedAtMs) return undefined;
  const [founding] = inc.services;
  if (change.service === founding || !inc.services.includes(change.service)) return undefined;
  const onset = inc.serviceOnsetMs?.[change.service];
  if (onset === undefined || onset - change.atMs > o.freshChangeMs || change.atMs > onset + 60_000) return undefined;
  const minutes = Math.round((change.atMs - inc.openedAtMs) / 60_000);
  return { services: [change.service], reason: `${change.service} changed (${change.what}) ${minutes} min after this incident began and started failing right after: a fault of its own` };
}
