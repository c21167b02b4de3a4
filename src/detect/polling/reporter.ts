import type { Alert, Severity } from "../../domain/alert.ts";
import type { Incident } from "../../domain/incident.ts";
import type { IngestResult } from "../../incident/incident-service.ts";
import type { SlackPort } from "../../integrations/slack/slack-port.ts";
import { silentLogger, type Logger } from "../../log.ts";
import { inDigestTransaction, type Store } from "../../store/store.ts";
import type { AnomalyFinding, ChartPoint } from "../detection-service.ts";
import type { ResolvedSli } from "../sli-config.ts";
import { chartWindow, findingChartSpec } from "./chart.ts";
import { renderChartPng } from "../../charts/render.ts";
import { formatSliDelta, formatSliValue, describeKind, plainAnomalyPresenter, type AnomalyMessageView, type AnomalyPresenter } from "./presenter.ts";
import { readableUtc } from "../../text/slack-markup.ts";
import { comparedWithUsual } from "../../text/words.ts";
import { UploadError, uploadToThread } from "./upload.ts";
import { type Clock } from "../../domain/clock.ts";
import { backoffMs } from "../../domain/backoff.ts";

/**
 * Turns findings into incident work. An anomaly on a service with an open incident enriches it
 * (a timeline entry, folded into the thread's digest); otherwise it goes through the same path
 * as any alert: IncidentService.ingest with an Alert whose source is "anomaly", which opens a
 * "detected" incident (or joins one nearby in the topology). The alert carries `page: "true"|"false"`
 * in its labels (anomalies page only when their SLI says so) and the configured severity.
 *
 * No message per anomaly: the incident's digest (one thread message edited in place, rendered from
 * the timeline) shows each anomaly, its worsening and its end. One chart per incident, of its first
 * anomaly, is uploaded as a file reply after the digest; the others are a question to @aisre away.
 * When the episode ends the anomaly alert resolves, so a detected incident resolves itself like any
 * other once it is quiet.
 *
 * What was reported lives in the incident's timeline (kind "anomaly"), so a replica that takes the
 * poll over resumes the open anomalies instead of reporting them again.
 */
export interface AnomalyReporterOptions {
  store: Store;
  incidents: {
    ingest(d: { alerts: Alert[]; changes: [] }): Promise<IngestResult>;
    /** The digest shows the incident's anomalies: its re-render is wanted in `tx`, with the anomaly's timeline entry. */
    markDigestDirty(tx: Store, id: string): Promise<void>;
    /** Where the digest was posted (the chart follows it). */
    digestMessage(id: string): Promise<{ channel: string; ts: string; threadTs?: string } | undefined>;
  };
  /** For the chart upload; no Slack port, no charts. */
  slack?: SlackPort;
  presenter?: AnomalyPresenter;
  logger?: Logger;
  /** Severity of anomaly alerts (default sev3). */
  severity?: Severity;
  defaultChannel?: string;
  /** Wakes the outbox sender after an enqueue. */
  poke?: () => void;
  /** The system's time (the simulation's in the sandbox). */
  clock: Clock;
  /** Upload charts (default true). */
  charts?: boolean;
  /** How long (wall ms) an upload waits for the digest to be posted (default 5 min). */
  uploadWaitMs?: number;
  /**
   * The chart is drawn once the anomaly has run this long (system time; default 5 min) or is over,
   * so it shows the anomaly's shape, not its first point at the edge. Waits at most this long in
   * wall time too (a stopped system clock does not hold the chart back for ever).
   */
  chartSettleMs?: number;
  /** The series' latest points (the poller's detector keeps them), for a chart drawn after the finding. */
  recentPoints?: (key: string) => readonly ChartPoint[] | undefined;
  fetchImpl?: typeof fetch;
}

/** An anomaly episode this replica follows: the message's fields (AnomalyMessageView) and its bookkeeping. */
interface Active extends AnomalyMessageView {
  key: string;
  sli: ResolvedSli;
  purpose: string;
  fingerprint?: string;
  dirty: boolean;
}

export type ReportOutcome = "opened" | "joined" | "enriched" | "updated" | "resumed" | "skipped";

/** A finding without its chart points (what the timeline keeps). */
type StoredFinding = Omit<AnomalyFinding, "points">;

/** "3.35 % vs 0.58 % usual (5.8× the usual)". */
function usualWords(f: AnomalyFinding, unit: string | undefined): string {
  const e = f.explanation;
  const ratio = comparedWithUsual(e.baseline + e.deviation, e.baseline);
  return `${formatSliValue(e.baseline + e.deviation, unit)} vs ${formatSliValue(e.baseline, unit)} usual${ratio ? ` (${ratio})` : ` (${formatSliDelta(e.deviation, unit)})`}`;
}

const strip = (f: AnomalyFinding): StoredFinding => {
  const { points: _points, ...rest } = f;
  return rest;
};

export class AnomalyReporter {
  private readonly o: AnomalyReporterOptions;
  private readonly logger: Logger;
  private readonly presenter: AnomalyPresenter;
  private readonly active = new Map<string, Active>();
  private readonly touched = new Map<string, number>();
  private uploads: Promise<void> = Promise.resolve();
  private pendingUploads = 0;
  /** Charts uploaded (for tests and metrics). */
  uploaded = 0;

  constructor(options: AnomalyReporterOptions) {
    this.o = options;
    this.logger = (options.logger ?? silentLogger).child({ component: "anomaly-reporter" });
    this.presenter = options.presenter ?? plainAnomalyPresenter;
  }

  private now(): number {
    return this.o.clock.now();
  }

  /** Keys of the anomalies being followed (reported and not over). */
  activeKeys(): string[] {
    return [...this.active.keys()];
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }

  /** The open incident on this service most recently active, if any. */
  async openIncidentFor(service: string): Promise<Incident | undefined> {
    const open = (await this.o.store.incidents.listOpen()).filter((i) => i.services.includes(service));
    open.sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
    return open[0];
  }

  /**
   * Reports a finding: a new anomaly opens or enriches an incident; a finding of one already
   * reported (an escalation, or after a takeover) updates its message.
   */
  async report(finding: AnomalyFinding, sli: ResolvedSli, ctx: { ongoing?: boolean; heldUntil?: number } = {}): Promise<ReportOutcome> {
    const key = finding.key;
    const current = this.active.get(key);
    if (current) {
      const incident = await this.o.store.incidents.get(current.incidentId);
      // Still its incident's: not resolved, and the service not moved to an incident of its own (a late deploy split it off).
      if (incident && incident.status !== "resolved" && incident.services.includes(sli.service)) {
        current.latest = finding;
        if (finding.escalation) current.worsened++;
        current.dirty = true;
        await this.timeline(current, "worsened", `${sli.service} ${sli.name} anomaly worsened: ${usualWords(finding, sli.unit)}`);
        return "updated";
      }
      this.active.delete(key);
    }

    const fingerprint = `anomaly:${key}`;
    const existing = await this.o.store.incidents.listOpen();
    const target = existing.filter((i) => i.services.includes(sli.service)).sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))[0];

    // Reported before (by this or another replica) and not over: follow it again, no new post.
    const resumed = target ? await this.resume(target.id, key, sli, finding) : await this.resumeFromAlert(fingerprint, key, sli, finding);
    if (resumed) return "resumed";

    let incidentId: string;
    let opened = false;
    let outcome: ReportOutcome;
    if (target) {
      incidentId = target.id;
      outcome = "enriched";
    } else {
      const alert = this.alertOf(finding, sli, fingerprint);
      const result = await this.o.incidents.ingest({ alerts: [alert], changes: [] });
      const stored = await this.o.store.alerts.get(fingerprint);
      if (!stored?.incidentId) {
        this.logger.warn({ key }, "anomaly alert was not attached to an incident");
        return "skipped";
      }
      incidentId = stored.incidentId;
      opened = result.opened.includes(incidentId);
      outcome = opened ? "opened" : "joined";
    }
    const since = finding.explanation.since ?? finding.at;
    const a: Active = {
      key,
      sli,
      incidentId,
      purpose: `anomaly:${key}:${since}`,
      fingerprint: target ? undefined : fingerprint,
      first: finding,
      latest: finding,
      worsened: 0,
      opened,
      ongoing: ctx.ongoing ?? false,
      heldUntil: ctx.heldUntil,
      dirty: false,
    };
    this.active.set(key, a);
    const e = finding.explanation;
    const firstOfIncident = (await this.o.store.timeline.list(incidentId, ["anomaly"])).length === 0;
    await this.timeline(a, "detected", `Anomaly on ${sli.service} ${sli.name}: ${usualWords(finding, sli.unit)}, ${describeKind(finding)} since ${readableUtc(since)}`);
    await this.post(a, firstOfIncident);
    this.logger.info({ key, incident: incidentId, outcome, score: finding.score, since: new Date(since).toISOString() }, "anomaly reported");
    return outcome;
  }

  /** The anomaly of `key` is over: its message says so and its alert resolves. */
  async resolve(key: string, at: number): Promise<void> {
    const a = this.active.get(key);
    if (!a) return;
    a.resolvedAt = at;
    a.dirty = true;
    await this.timeline(a, "resolved", `${a.sli.service} ${a.sli.name} back to normal`);
    if (a.fingerprint) {
      const alert = this.alertOf(a.latest, a.sli, a.fingerprint);
      await this.o.incidents.ingest({ alerts: [{ ...alert, status: "resolved", startsAt: new Date(a.first.explanation.since ?? a.first.at).toISOString(), endsAt: new Date(at).toISOString() }], changes: [] });
    }
    await this.flush();
  }

  /**
   * Loads the anomalies reported in open incidents and not over (after this replica became the
   * poller): they are updated and resolved from here on, not reported again.
   */
  async recover(sliOf: (key: string) => ResolvedSli | undefined): Promise<number> {
    const rows = await this.o.store.timeline.latestPerKeyInOpenIncidents("anomaly");
    let n = 0;
    for (const r of rows) {
      const d = r.data;
      const key = String(d.key);
      const sli = sliOf(key);
      if (d.state === "resolved" || !sli || this.active.has(key)) continue;
      this.active.set(key, this.fromStored(r.incidentId, key, sli, d));
      n++;
    }
    return n;
  }

  /**
   * Forgets the anomalies that are over once their changes were reported (the digest's re-render
   * was wanted with each timeline entry, in its transaction).
   */
  async flush(): Promise<void> {
    for (const a of [...this.active.values()]) {
      if (!a.dirty) continue;
      a.dirty = false;
      if (a.resolvedAt !== undefined) this.active.delete(a.key);
    }
  }

  /**
   * An anomaly still going on is activity on its incident: the correlator joins alerts to incidents
   * active in the last half hour, and the memory alert of a leak detected 30 minutes earlier
   * belongs to the incident the leak opened. Refreshes the incident's activity (at most every 5 min).
   */
  async touch(keys: readonly string[]): Promise<void> {
    const now = this.now();
    const ids = new Set(
      keys
        .map((k) => this.active.get(k))
        .filter((a): a is Active => !!a && a.resolvedAt === undefined)
        .map((a) => a.incidentId),
    );
    for (const id of ids) {
      if (now - (this.touched.get(id) ?? -Infinity) < 5 * 60_000) continue;
      this.touched.set(id, now);
      const incident = await this.o.store.incidents.get(id);
      if (incident && incident.status !== "resolved" && now - Date.parse(incident.updatedAt) >= 5 * 60_000) await this.o.store.incidents.update(id, {});
    }
  }

  /** Resolves when every queued chart upload is done (or given up). */
  async idle(): Promise<void> {
    while (this.pendingUploads > 0) await this.uploads;
  }

  // ---- internals -------------------------------------------------------------------------------

  private alertOf(f: AnomalyFinding, sli: ResolvedSli, fingerprint: string): Alert {
    const e = f.explanation;
    const since = e.since ?? f.at;
    return {
      fingerprint,
      source: "anomaly",
      name: `${sli.name} anomaly`,
      status: "firing",
      severity: this.o.severity ?? "sev3",
      service: sli.service,
      summary: `Anomaly: ${sli.service} ${sli.name} ${describeKind(f)} (${formatSliValue(e.baseline + e.deviation, sli.unit)} vs ${formatSliValue(e.baseline, sli.unit)} expected)`,
      description: `Detected by aisre's online detector on ${sli.key}: ${usualWords(f, sli.unit)} since ${readableUtc(since, true)}.`,
      labels: { alertname: "AnomalyDetected", service: sli.service, sli: sli.name, kind: e.kind, sensitivity: String(sli.sensitivity), page: sli.page && !f.quiet ? "true" : "false" },
      startsAt: new Date(since).toISOString(),
    };
  }

  private view(a: Active): AnomalyMessageView {
    const { key: _key, purpose: _purpose, fingerprint: _fingerprint, dirty: _dirty, ...view } = a;
    return view;
  }

  private async timeline(a: Active, state: "detected" | "worsened" | "resolved", text: string): Promise<void> {
    // The digest renders from the timeline: its re-render is wanted in the transaction that appends
    // the entry (a replica that dies after the commit leaves the render to another), under the
    // correlate lock like every entry the digest folds (they commit in id order).
    await inDigestTransaction(this.o.store, async (tx) => {
      await tx.timeline.append({
        incidentId: a.incidentId,
        kind: "anomaly",
        actor: "aisre",
        text,
        data: {
          key: a.key,
          service: a.sli.service,
          sli: a.sli.name,
          ...(a.sli.unit ? { unit: a.sli.unit } : {}),
          shape: describeKind(a.latest),
          state,
          purpose: a.purpose,
          fingerprint: a.fingerprint,
          opened: a.opened,
          ongoing: a.ongoing,
          worsened: a.worsened,
          first: strip(a.first),
          latest: strip(a.latest),
          ...(a.resolvedAt !== undefined ? { resolvedAt: a.resolvedAt } : {}),
        },
      });
      await this.o.incidents.markDigestDirty(tx, a.incidentId);
    });
  }

  private fromStored(incidentId: string, key: string, sli: ResolvedSli, d: Record<string, unknown>): Active {
    const first = { ...(d.first as StoredFinding), points: [] };
    const latest = { ...(d.latest as StoredFinding), points: [] };
    return {
      key,
      sli,
      incidentId,
      purpose: String(d.purpose),
      fingerprint: typeof d.fingerprint === "string" ? d.fingerprint : undefined,
      first,
      latest,
      worsened: Number(d.worsened ?? 0),
      opened: Boolean(d.opened),
      ongoing: Boolean(d.ongoing),
      dirty: false,
    };
  }

  /** The incident's timeline says this anomaly was reported and is not over: follow it again. */
  private async resume(incidentId: string, key: string, sli: ResolvedSli, finding: AnomalyFinding): Promise<boolean> {
    const row = await this.o.store.timeline.latestWithKey(incidentId, "anomaly", key);
    if (!row || row.data.state === "resolved") return false;
    const a = this.fromStored(incidentId, key, sli, row.data);
    a.latest = finding;
    a.dirty = true;
    this.active.set(key, a);
    return true;
  }

  private async resumeFromAlert(fingerprint: string, key: string, sli: ResolvedSli, finding: AnomalyFinding): Promise<boolean> {
    const stored = await this.o.store.alerts.get(fingerprint);
    if (!stored?.incidentId || stored.status !== "firing") return false;
    const incident = await this.o.store.incidents.get(stored.incidentId);
    if (!incident || incident.status === "resolved") return false;
    return this.resume(incident.id, key, sli, finding);
  }

  /** The incident's first anomaly gets its chart (the digest, which shows each anomaly, was wanted with its timeline entry). */
  private async post(a: Active, firstOfIncident: boolean): Promise<void> {
    if (firstOfIncident && this.o.slack && this.o.charts !== false && a.first.points.length >= 2) this.queueChart(a);
  }

  private queueChart(first: Active): void {
    const slack = this.o.slack!;
    this.pendingUploads++;
    // Each incident waits for its digest and for its anomaly to take shape on its own; the
    // uploads themselves go one at a time.
    const ready = (async () => {
      const rec = await this.waitForDigest(first.incidentId);
      if (rec) await this.settle(first);
      return rec;
    })();
    ready.catch(() => undefined); // awaited (and reported) in turn below
    this.uploads = this.uploads
      .then(async () => {
        const rec = await ready;
        if (!rec) {
          this.logger.warn({ key: first.key, incident: first.incidentId }, "digest not posted in time; chart not uploaded");
          return;
        }
        // Merged into another incident while the chart waited: its thread is closed, the work goes on in the other's.
        const { mergedInto } = await this.o.store.incidents.card(first.incidentId);
        if (mergedInto) {
          this.logger.info({ key: first.key, incident: first.incidentId, mergedInto }, "incident merged; chart not uploaded");
          return;
        }
        // Resolved while it waited: a chart posted beside the resolution is one more message about what is over
        // (cascading-failure walk: the payments error-ratio chart came in the minute the incident resolved).
        if ((await this.o.store.incidents.get(first.incidentId))?.status === "resolved") {
          this.logger.info({ key: first.key, incident: first.incidentId }, "incident resolved; chart not uploaded");
          return;
        }
        // The incident's leading signal by now (the diagnosis may have named the cause meanwhile).
        const a = (await this.leadingAnomaly(first.incidentId)) ?? first;
        const finding = this.withRecentPoints(a.first);
        const view = { ...this.view(a), first: { ...a.first, points: finding.points } };
        const png = await this.chartOf(a, finding);
        const threadTs = rec.threadTs ?? rec.ts;
        for (let attempt = 1; ; attempt++) {
          try {
            await uploadToThread(
              slack,
              {
                channel: rec.channel,
                threadTs,
                filename: `${a.key.replace(/[^A-Za-z0-9_.-]+/g, "-")}-${new Date(a.first.at).toISOString().replace(/[:.]/g, "")}.png`,
                bytes: png,
                title: `${a.sli.service} ${a.sli.name}`,
                altText: `Chart of ${a.sli.service} ${a.sli.name}: recent values, the usual range, and the anomaly since ${readableUtc(finding.explanation.since ?? finding.at)}`,
                initialComment: this.presenter.chartComment(view),
              },
              this.o.fetchImpl,
            );
            this.uploaded++;
            return;
          } catch (e) {
            const transient = e instanceof UploadError ? e.transient : true;
            if (!transient || attempt >= 5) {
              this.logger.warn({ err: e, key: a.key, incident: a.incidentId }, "chart upload failed");
              return;
            }
            const wait = e instanceof UploadError && e.retryAfterMs ? e.retryAfterMs : backoffMs(attempt, { baseMs: 500, maxMs: Number.POSITIVE_INFINITY });
            await new Promise((r) => setTimeout(r, wait));
          }
        }
      })
      .catch((e: unknown) => this.logger.warn({ err: e, key: first.key }, "chart upload failed"))
      .finally(() => {
        this.pendingUploads--;
      });
  }

  /** Until the anomaly has run chartSettleMs (system time), is over, or chartSettleMs of wall time went by. */
  private async settle(a: Active): Promise<void> {
    const settleMs = this.o.chartSettleMs ?? 5 * 60_000;
    const since = a.first.explanation.since ?? a.first.at;
    const wallDeadline = Date.now() + settleMs;
    while (settleMs > 0 && this.now() - since < settleMs && Date.now() < wallDeadline) {
      const live = this.active.get(a.key);
      if (!live || live.resolvedAt !== undefined) return;
      // Unref'd: a chart still waiting does not hold a stopping process open.
      await new Promise((r) => setTimeout(r, 250).unref());
    }
  }

  /**
   * The anomaly the incident's one chart shows: one on the service the diagnosis leads with,
   * else the one furthest from its usual (in spreads), else none (the caller keeps the first).
   */
  private async leadingAnomaly(incidentId: string): Promise<Active | undefined> {
    const mine = [...this.active.values()].filter((x) => x.incidentId === incidentId && x.first.points.length >= 2);
    if (mine.length <= 1) return mine[0];
    const lead = await this.leadingCauseService(incidentId);
    const strength = (x: Active) => Math.abs(x.latest.explanation.z);
    const onLead = mine.filter((x) => x.sli.service === lead).sort((p, q) => strength(q) - strength(p));
    return onLead[0] ?? [...mine].sort((p, q) => strength(q) - strength(p))[0];
  }

  private async leadingCauseService(incidentId: string): Promise<string | undefined> {
    try {
      const rows = await this.o.store.timeline.list(incidentId, ["hypothesis"]);
      for (const r of [...rows].reverse()) {
        const snap = r.data.snapshot as { hypotheses?: Array<{ service?: unknown }> } | undefined;
        const s = snap?.hypotheses?.[0]?.service;
        if (typeof s === "string") return s;
      }
    } catch (e) {
      this.logger.warn({ err: e, incident: incidentId }, "diagnosis not read for the chart");
    }
    return undefined;
  }

  /** The finding with the series' points up to now (the detector's), when they reach further. */
  private withRecentPoints(f: AnomalyFinding): AnomalyFinding {
    const recent = this.o.recentPoints?.(f.key);
    const last = recent?.at(-1);
    if (!recent || !last || last.t <= f.at || recent.length < 2) return f;
    return { ...f, points: [...recent], at: last.t };
  }

  /** The PNG of the anomaly's chart, with the deploys and config changes of its window. */
  private async chartOf(a: Active, finding: AnomalyFinding): Promise<Buffer> {
    const since = finding.explanation.since ?? finding.at;
    const w = chartWindow(finding.points, since, finding.at);
    const changes = await this.o.store.changes.between(undefined, new Date(w.from).toISOString(), new Date(w.to).toISOString(), 20).catch((e: unknown) => {
      this.logger.warn({ err: e, key: a.key }, "changes for the chart not read; drawn without deploy markers");
      return [];
    });
    const spec = findingChartSpec(finding, { ...(a.sli.unit ? { unit: a.sli.unit } : {}), sliName: a.sli.name, changes });
    const started = performance.now();
    const { png } = await renderChartPng(spec);
    this.logger.debug({ key: a.key, ms: Math.round(performance.now() - started), bytes: png.length }, "chart rendered");
    return png;
  }

  private async waitForDigest(incidentId: string): Promise<{ channel: string; ts: string; threadTs?: string } | undefined> {
    const deadline = Date.now() + (this.o.uploadWaitMs ?? 5 * 60_000);
    for (;;) {
      const rec = await this.o.incidents.digestMessage(incidentId);
      if (rec) return rec;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
