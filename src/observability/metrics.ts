/**
 * The bot's own counters and histograms, exposed at /metrics in the Prometheus text format.
 * Small on purpose: labels are fixed per series at first use.
 */
type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");

export class Counter {
  readonly name: string;
  readonly help: string;
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ""} ${v}`);
    return lines.join("\n");
  }
}

/** A value that goes up and down, set by its owner (a backlog size). */
export class Gauge {
  readonly name: string;
  readonly help: string;
  private value = 0;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  set(value: number): void {
    this.value = value;
  }
  get(): number {
    return this.value;
  }
  expose(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.value}`].join("\n");
  }
}

export class Histogram {
  readonly name: string;
  readonly help: string;
  private readonly buckets: number[];
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, buckets: number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i] = (s.counts[i] ?? 0) + 1;
    });
    s.sum += value;
    s.count++;
  }
  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : "";
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class MetricsRegistry {
  private readonly metrics: Array<Counter | Gauge | Histogram> = [];
  private readonly collectors: Array<() => Promise<void>> = [];
  /** Gauges read from elsewhere (a table's backlog) are refreshed by a collector before each scrape. */
  onCollect(collector: () => Promise<void>): void {
    this.collectors.push(collector);
  }
  /** Runs every collector; one that fails leaves its gauges at their last value and is returned. */
  async collect(): Promise<unknown[]> {
    const results = await Promise.allSettled(this.collectors.map((c) => c()));
    return results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  }
  /** Names of the series this registry exposes (histograms with their _bucket/_sum/_count). */
  names(): string[] {
    const own = this.metrics.flatMap((m) => (m instanceof Histogram ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
    return [...own, ...PROCESS_METRICS];
  }
  counter(name: string, help: string): Counter {
    const c = new Counter(name, help);
    this.metrics.push(c);
    return c;
  }
  gauge(name: string, help: string): Gauge {
    const g = new Gauge(name, help);
    this.metrics.push(g);
    return g;
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    const h = new Histogram(name, help, buckets);
    this.metrics.push(h);
    return h;
  }
  expose(): string {
    const mem = process.memoryUsage();
    const process_lines = [
      "# HELP aisre_process_resident_memory_bytes Resident memory.",
      "# TYPE aisre_process_resident_memory_bytes gauge",
      `aisre_process_resident_memory_bytes ${mem.rss}`,
      "# HELP aisre_process_uptime_seconds Seconds since the process started.",
      "# TYPE aisre_process_uptime_seconds gauge",
      `aisre_process_uptime_seconds ${process.uptime()}`,
    ];
    return `${[...this.metrics.map((m) => m.expose()), ...process_lines].join("\n")}\n`;
  }
}

const PROCESS_METRICS = ["aisre_process_resident_memory_bytes", "aisre_process_uptime_seconds"];

/** The product's metrics, created once in the composition root and passed where needed. */
export function createAppMetrics(registry = new MetricsRegistry()) {
  return {
    registry,
    httpRequests: registry.counter("aisre_http_requests_total", "HTTP requests by route and status."),
    slackListenerSeconds: registry.histogram("aisre_slack_listener_seconds", "Time from a Slack request to its ack, by kind."),
    webhooksReceived: registry.counter("aisre_webhooks_received_total", "Webhook deliveries by source and outcome."),
    slackCalls: registry.counter("aisre_slack_calls_total", "Slack Web API calls by method and outcome."),
    incidentsOpened: registry.counter("aisre_incidents_opened_total", "Incidents opened, by origin."),
    errors: registry.counter("aisre_errors_total", "Errors by code."),
    webhookBursts: registry.counter("aisre_webhook_bursts_total", "Bursts the webhook door absorbed (deliveries faster than processing follows): processing waited while each lasted, then took what it left."),
    webhookDeliveryOutcomes: registry.counter("aisre_webhook_delivery_outcomes_total", "Stored webhook deliveries by processing outcome (processed, retried, parked)."),
    webhookDeliveriesPending: registry.gauge("aisre_webhook_deliveries_pending", "Stored webhook deliveries not yet processed."),
    webhookDeliveriesParked: registry.gauge("aisre_webhook_deliveries_parked", "Webhook deliveries parked after repeated failures (see `aisre deliveries list`)."),
    outboxPending: registry.gauge("aisre_outbox_pending", "Slack calls queued in the outbox and not sent yet."),
    outboxOldestPendingSeconds: registry.gauge("aisre_outbox_oldest_pending_seconds", "Age of the oldest Slack call still queued in the outbox (0 when none): the outbox lag."),
    remediationPending: registry.gauge("aisre_remediation_pending", "Remediation work under way in this process: withdrawals of a resolved incident's actions, action card edits queued, actions running."),
    diagnosisRuns: registry.counter("aisre_diagnosis_runs_total", "Diagnosis rankings by outcome (ok, failed)."),
    sliPollEnabled: registry.gauge("aisre_sli_poll_enabled", "1 when SLI polling is configured on this replica."),
    sliPollLeader: registry.gauge("aisre_sli_poll_leader", "1 while this replica holds the SLI poll leadership (one replica polls at a time)."),
    leadershipLost: registry.counter("aisre_leadership_lost_total", "Leaderships lost without stepping down (the lock's database session died), by role."),
  };
}

export type AppMetrics = ReturnType<typeof createAppMetrics>;
