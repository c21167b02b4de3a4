import { schedule, type ScheduledTask } from "node-cron";
import type { CloudWatchPort } from "../../integrations/cloudwatch/port.ts";
import type { MetricsPort } from "../../integrations/prometheus/port.ts";
import { silentLogger, type Logger } from "../../log.ts";
import { DetectionService, type AnomalyFinding, type DetectionServiceOptions, type SeriesPoint } from "../detection-service.ts";
import { inQuietHours, type CloudWatchSli, type ResolvedSli } from "../sli-config.ts";
import { fetchCloudWatch, fetchPrometheus, labelSignature, type FetchedSeries } from "./fetch.ts";
import type { AdvisoryLockLeader } from "./leader.ts";
import type { AnomalyReporter } from "./reporter.ts";
import { type Clock } from "../../domain/clock.ts";

/**
 * The SLI poller: node-cron jobs that, on the replica holding the poll lock, fetch every SLI's new
 * points (Prometheus query_range, CloudWatch GetMetricData in batches), feed them to one online
 * detector per series, and hand the findings to the reporter (incident, thread message, chart).
 *
 * Windows follow the system clock (the simulation's in the sandbox, which runs ahead of the wall
 * clock): each series is fetched from its last point to now, on its step grid. The first poll on a
 * replica (or after a long gap) fetches `backfillMs` of history to warm the detectors; findings in
 * that history are not reported, except an anomaly still going on at the end of it.
 *
 * Quiet hours: a finding in its SLI's quiet hours opens nothing; it enriches an incident already
 * open on the service, or waits until the quiet hours end and is reported then if still going on.
 */
export interface PollerOptions {
  slis: readonly ResolvedSli[];
  metrics?: MetricsPort;
  cloudwatch?: CloudWatchPort;
  /** The CloudWatch port's region: SLIs naming another region are skipped. */
  cloudwatchRegion?: string;
  reporter?: Pick<AnomalyReporter, "report" | "resolve" | "recover" | "flush" | "touch" | "activeKeys" | "isActive" | "openIncidentFor">;
  /** Leader election; without one this poller always runs (single replica, tests, bench). */
  leader?: AdvisoryLockLeader;
  /** The system clock (ms). */
  /** The system's time (the simulation's in the sandbox). */
  clock: Clock;
  logger?: Logger;
  /** History fetched on a first poll (default 24 h). */
  backfillMs?: number;
  /** Newest data not trusted yet: Prometheus ingestion delay (default 0); CloudWatch always skips the open period. */
  lagMs?: number;
  /** At the first poll after taking the lead, findings older than this are history, not news (default 10 min). */
  staleMs?: number;
  /** Poll schedule (node-cron; default every minute). */
  cron?: string;
  /** Leader election schedule (default every 15 s). */
  electionCron?: string;
  /** Prometheus queries in flight at once (default 8). */
  concurrency?: number;
  /** Series one SLI query may return (default 20; more are ignored). */
  maxSeriesPerSli?: number;
  detection?: DetectionServiceOptions;
}

export interface PollReport {
  at: number;
  /** Series that got new points. */
  series: number;
  points: number;
  findings: number;
  /** Findings handed to the reporter (new, worsened, ongoing or released after quiet hours). */
  reported: number;
  /** Findings held back by quiet hours. */
  held: number;
  resolved: number;
  errors: Array<{ key: string; error: string }>;
  /** GetMetricData batches (≤ 500 queries each). */
  cloudwatchBatches: number;
  ms: number;
}

interface SliState {
  /** Last point fetched (epoch ms). */
  last?: number;
  /** The query returned several series: keys carry their labels. */
  multi: boolean;
  lastError?: string;
}

export class SliPoller {
  readonly detection: DetectionService;
  private readonly o: PollerOptions;
  private readonly logger: Logger;
  private readonly slis: ResolvedSli[];
  private readonly byKey = new Map<string, ResolvedSli>();
  private readonly state = new Map<string, SliState>();
  private readonly lastPoint = new Map<string, number>();
  private readonly held = new Map<string, { finding: AnomalyFinding; sli: ResolvedSli }>();
  private tasks: ScheduledTask[] = [];
  private running?: Promise<PollReport>;
  private needsRecovery = true;
  /** Findings before this time are warm-up history (set at the first poll after taking the lead). */
  private historyBefore = -Infinity;
  /** The last poll's report. */
  last?: PollReport;
  polls = 0;

  constructor(options: PollerOptions) {
    this.o = options;
    this.logger = (options.logger ?? silentLogger).child({ component: "sli-poller" });
    this.slis = [...options.slis];
    for (const s of this.slis) this.byKey.set(s.key, s);
    this.detection = new DetectionService(this.slis, options.detection);
  }

  private now(): number {
    return this.o.clock.now();
  }

  /** Settings of a series key (derived keys of multi-series queries included). */
  sliOf(key: string): ResolvedSli | undefined {
    return this.byKey.get(key);
  }

  get isLeader(): boolean {
    return this.o.leader ? this.o.leader.isLeader : true;
  }

  /** Schedules the election and poll jobs (node-cron). */
  start(): void {
    if (this.tasks.length) return;
    const cronLogger = {
      info: (m: string) => this.logger.debug(m),
      warn: (m: string) => this.logger.debug(m),
      error: (m: string | Error, err?: Error) => this.logger.warn({ err: err ?? m }, "cron job error"),
      debug: () => undefined,
    };
    const leader = this.o.leader;
    if (leader) {
      this.tasks.push(schedule(this.o.electionCron ?? "*/15 * * * * *", () => leader.ensure().catch((e: unknown) => this.logger.warn({ err: e }, "poll leader election failed")), { name: "aisre-poll-election", noOverlap: true, logger: cronLogger }));
      void leader.ensure().catch((e: unknown) => this.logger.warn({ err: e }, "poll leader election failed"));
    }
    this.tasks.push(
      schedule(
        this.o.cron ?? "* * * * *",
        async () => {
          try {
            await this.pollOnce();
          } catch (e) {
            this.logger.error({ err: e }, "SLI poll failed");
          }
        },
        { name: "aisre-sli-poll", noOverlap: true, logger: cronLogger, ...(leader ? { distributed: true, runCoordinator: leader } : {}) },
      ),
    );
    this.logger.info({ slis: this.slis.length, cron: this.o.cron ?? "* * * * *" }, "SLI polling scheduled");
  }

  /** Stops the jobs and gives the lead up (another replica takes it at its next election). */
  async stop(): Promise<void> {
    for (const t of this.tasks.splice(0)) await t.destroy();
    await this.running?.catch(() => undefined);
    await this.o.leader?.resign();
  }

  /** Tells the poller it just became leader: it recovers the open anomalies before its next poll. */
  leadershipChanged(leader: boolean): void {
    if (leader) this.needsRecovery = true;
  }

  /** One poll (runs after the current one when called during it). */
  pollOnce(): Promise<PollReport> {
    const run = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.poll());
    this.running = run;
    void run
      .finally(() => {
        if (this.running === run) this.running = undefined;
      })
      .catch(() => undefined);
    return run;
  }

  private async poll(): Promise<PollReport> {
    const started = performance.now();
    const now = this.now();
    const report: PollReport = { at: now, series: 0, points: 0, findings: 0, reported: 0, held: 0, resolved: 0, errors: [], cloudwatchBatches: 0, ms: 0 };
    const reporter = this.o.reporter;
    const staleMs = this.o.staleMs ?? 10 * 60_000;
    if (this.needsRecovery) {
      // First poll here (or since this replica took the lead): what came before is history.
      this.needsRecovery = false;
      this.historyBefore = now - staleMs;
      const n = reporter ? await reporter.recover((k) => this.sliOf(k)) : 0;
      if (n) this.logger.info({ anomalies: n }, "following anomalies reported before this replica took over");
    }
    const historyBefore = this.historyBefore;
    const polled = new Set<string>();
    const actions: Array<{ finding: AnomalyFinding; sli: ResolvedSli; ongoing: boolean }> = [];
    const feed = (sli: ResolvedSli, key: string, points: SeriesPoint[]) => {
      if (!points.length) return;
      polled.add(key);
      report.series++;
      report.points += points.length;
      let newest = this.lastPoint.get(key) ?? -Infinity;
      for (const p of points) if (p.t > newest) newest = p.t;
      this.lastPoint.set(key, newest);
      let fresh = false;
      let lastStale: AnomalyFinding | undefined;
      for (const f of this.detection.observe(key, points)) {
        report.findings++;
        if (f.at < historyBefore) {
          lastStale = f;
          continue;
        }
        fresh = true;
        actions.push({ finding: f, sli: this.byKey.get(key) ?? sli, ongoing: false });
      }
      // An anomaly found in the warm-up history that is still going on is news too (once).
      if (!fresh && lastStale && !reporter?.isActive(key)) {
        const ep = this.detection.episode(key);
        if (ep && ep.lastUnusualAt >= historyBefore) actions.push({ finding: lastStale, sli: this.byKey.get(key) ?? sli, ongoing: true });
      }
    };

    await Promise.all([this.pollPrometheus(now, feed, report), this.pollCloudWatch(now, feed, report)]);

    if (reporter) {
      for (const a of actions) {
        try {
          if (await this.act(a.finding, a.sli, a.ongoing)) report.reported++;
          else report.held++;
        } catch (e) {
          report.errors.push({ key: a.finding.key, error: (e as Error).message });
          this.logger.error({ err: e, key: a.finding.key }, "reporting an anomaly failed");
        }
      }
      // Quiet hours over: report what was held if it is still going on.
      for (const [key, h] of [...this.held]) {
        if (!this.detection.episode(key)) {
          this.held.delete(key);
          continue;
        }
        if (inQuietHours(h.sli.quietHours, now)) continue;
        this.held.delete(key);
        await reporter.report({ ...h.finding, quiet: false, page: h.sli.page }, h.sli, { heldUntil: now });
        report.reported++;
      }
      // Over: the series was polled and its episode has closed.
      for (const key of reporter.activeKeys()) {
        if (!polled.has(key) || this.detection.episode(key)) continue;
        await reporter.resolve(key, this.lastPoint.get(key) ?? now);
        report.resolved++;
      }
      await reporter.touch(reporter.activeKeys().filter((k) => this.detection.episode(k)));
      await reporter.flush();
    }
    report.ms = performance.now() - started;
    this.last = report;
    this.polls++;
    if (report.findings || report.errors.length) this.logger.debug({ ...report, errors: report.errors.length }, "SLI poll");
    return report;
  }

  /** Reports a finding, or holds it during quiet hours; false when held. */
  private async act(f: AnomalyFinding, sli: ResolvedSli, ongoing: boolean): Promise<boolean> {
    const reporter = this.o.reporter!;
    if (f.quiet && !reporter.isActive(f.key) && !(await reporter.openIncidentFor(sli.service))) {
      if (!this.held.has(f.key)) this.held.set(f.key, { finding: f, sli });
      return false;
    }
    await reporter.report(f, sli, { ongoing });
    return true;
  }

  private async pollPrometheus(now: number, feed: (sli: ResolvedSli, key: string, points: SeriesPoint[]) => void, report: PollReport): Promise<void> {
    const metrics = this.o.metrics;
    const slis = this.slis.filter((s) => s.source.kind === "prometheus");
    if (!slis.length) return;
    if (!metrics) {
      for (const s of slis) this.noteError(s.key, "Prometheus is not configured", report);
      return;
    }
    let next = 0;
    const worker = async () => {
      for (let sli = slis[next++]; sli !== undefined; sli = slis[next++]) {
        const src = sli.source as { kind: "prometheus"; query: string; stepSeconds: number };
        const st = this.stateOf(sli.key);
        const stepMs = src.stepSeconds * 1000;
        const end = Math.floor((now - (this.o.lagMs ?? 0)) / stepMs) * stepMs;
        const start = this.windowStart(st.last, end, stepMs);
        if (start > end) continue;
        let series: FetchedSeries[];
        try {
          series = await fetchPrometheus(metrics, src.query, start, end, src.stepSeconds);
        } catch (e) {
          this.noteError(sli.key, (e as Error).message, report);
          continue;
        }
        st.lastError = undefined;
        st.last = end;
        this.feedSeries(sli, st, series, feed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 8, slis.length) }, worker));
  }

  private feedSeries(sli: ResolvedSli, st: SliState, series: FetchedSeries[], feed: (sli: ResolvedSli, key: string, points: SeriesPoint[]) => void): void {
    if (series.length > 1 && !st.multi) st.multi = true;
    if (!st.multi) {
      if (series[0]) feed(sli, sli.key, series[0].points);
      return;
    }
    const max = this.o.maxSeriesPerSli ?? 20;
    for (const s of series.slice(0, max)) {
      const sig = labelSignature(s.labels);
      const key = sig ? `${sli.key}{${sig}}` : sli.key;
      if (!this.byKey.has(key)) {
        const derived: ResolvedSli = { ...sli, key, name: sig ? `${sli.name}{${sig}}` : sli.name };
        this.byKey.set(key, derived);
        this.detection.define(derived);
      }
      feed(this.byKey.get(key)!, key, s.points);
    }
    if (series.length > max && st.lastError !== "too many series") {
      st.lastError = "too many series";
      this.logger.warn({ sli: sli.key, series: series.length, max }, "SLI query returns too many series; polling the first ones");
    }
  }

  /** First point to fetch: after the last one, or `backfillMs` of history (also after a long gap). */
  private windowStart(last: number | undefined, end: number, stepMs: number): number {
    const oldest = Math.ceil((end - (this.o.backfillMs ?? 24 * 3_600_000)) / stepMs) * stepMs;
    return last === undefined ? oldest : Math.max(last + stepMs, oldest);
  }

  private async pollCloudWatch(now: number, feed: (sli: ResolvedSli, key: string, points: SeriesPoint[]) => void, report: PollReport): Promise<void> {
    const slis = this.slis.filter((s) => s.source.kind === "cloudwatch");
    if (!slis.length) return;
    const cw = this.o.cloudwatch;
    if (!cw) {
      for (const s of slis) this.noteError(s.key, "CloudWatch is not configured", report);
      return;
    }
    // One window per period: from the oldest point any of them needs to the last closed period.
    const byPeriod = new Map<number, ResolvedSli[]>();
    const region = this.o.cloudwatchRegion;
    for (const s of slis) {
      const src = s.source as CloudWatchSli;
      if (src.region && region && src.region !== region) {
        this.noteError(s.key, `region not served by the CloudWatch port (${region})`, report);
        continue;
      }
      const p = src.period;
      byPeriod.set(p, [...(byPeriod.get(p) ?? []), s]);
    }
    for (const [period, group] of byPeriod) {
      const stepMs = period * 1000;
      const end = Math.floor(now / stepMs) * stepMs - stepMs; // the open period is incomplete
      const starts = new Map(group.map((s) => [s.key, this.windowStart(this.stateOf(s.key).last, end, stepMs)]));
      const due = group.filter((s) => starts.get(s.key)! <= end);
      if (!due.length) continue;
      const start = Math.min(...due.map((s) => starts.get(s.key)!));
      try {
        // GetMetricData's EndTime is exclusive: + one period includes the last closed one.
        const r = await fetchCloudWatch(
          cw,
          due.map((s) => ({ key: s.key, metric: s.source as CloudWatchSli })),
          start,
          end + stepMs,
          { region },
        );
        report.cloudwatchBatches += r.batches;
        for (const s of due) {
          const st = this.stateOf(s.key);
          st.lastError = undefined;
          st.last = end;
          const from = starts.get(s.key)!;
          feed(
            s,
            s.key,
            (r.points.get(s.key) ?? []).filter((p) => p.t >= from && p.t <= end),
          );
        }
      } catch (e) {
        for (const s of due) this.noteError(s.key, (e as Error).message, report);
      }
    }
  }

  private stateOf(key: string): SliState {
    let st = this.state.get(key);
    if (!st) {
      st = { multi: false };
      this.state.set(key, st);
    }
    return st;
  }

  /** Records a fetch error; logs it when it changes (not on every poll). */
  private noteError(key: string, error: string, report: PollReport): void {
    report.errors.push({ key, error });
    const st = this.stateOf(key);
    if (st.lastError !== error) this.logger.warn({ sli: key, error }, "SLI fetch failed");
    st.lastError = error;
  }
}
