import type { AppMetrics } from "../../observability/metrics.ts";
import type { Config } from "../../config.ts";
import type { CloudWatchPort } from "../../integrations/cloudwatch/port.ts";
import type { MetricsPort } from "../../integrations/prometheus/port.ts";
import type { IncidentService } from "../../incident/incident-service.ts";
import type { SlackPort } from "../../integrations/slack/slack-port.ts";
import type { Logger } from "../../log.ts";
import type { Store } from "../../store/store.ts";
import { loadSliConfig, type ResolvedSli } from "../sli-config.ts";
import { sandboxSlis } from "./default-slis.ts";
import { AdvisoryLockLeader } from "./leader.ts";
import { SliPoller } from "./poller.ts";
import type { AnomalyPresenter } from "./presenter.ts";
import { AnomalyReporter } from "./reporter.ts";
import type { Clock } from "../../domain/clock.ts";

/** SLI polling as the composition root sees it. */
export interface SliPolling {
  /** Absent when polling is off; `disabled` says why. */
  poller?: SliPoller;
  reporter?: AnomalyReporter;
  leader?: AdvisoryLockLeader;
  disabled?: string;
  start(): void;
  stop(): Promise<void>;
}

export interface PollingDeps {
  config: Config;
  store: Store;
  incidents: IncidentService;
  slack: SlackPort;
  /** Prometheus (the metrics port) and CloudWatch, the SLIs' sources. */
  prometheus?: MetricsPort;
  cloudwatch?: CloudWatchPort;
  logger: Logger;
  /** The system clock (the simulation's in the sandbox). */
  clock: Clock;
  /** Wakes the outbox sender. */
  poke?: () => void;
  /** The metrics come from the local simulation (its default SLIs apply when no file is set). */
  simulated?: boolean;
  presenter?: AnomalyPresenter;
  /** Leadership gauges and losses (`aisre_sli_poll_*`, `aisre_leadership_lost_total`). */
  metrics?: Pick<AppMetrics, "sliPollEnabled" | "sliPollLeader" | "leadershipLost">;
}

/** Poll schedule: AISRE_POLL_CRON, else every minute; in a sped-up sandbox as often as a step of simulated time passes (≥ 1 s). */
export function pollCron(config: Config, slis: readonly ResolvedSli[], simulated: boolean): string {
  if (config.env.AISRE_POLL_CRON) return config.env.AISRE_POLL_CRON;
  if (!simulated) return "* * * * *";
  const steps = slis.map((s) => (s.source.kind === "prometheus" ? s.source.stepSeconds : s.source.period));
  const step = Math.min(60, ...steps);
  const every = Math.max(1, Math.min(59, Math.floor(step / config.env.SIM_SPEED)));
  return `*/${every} * * * * *`;
}

export function buildPolling(deps: PollingDeps): SliPolling {
  const { config, logger } = deps;
  const off = (why: string): SliPolling => {
    logger.info({ reason: why }, "SLI polling off");
    return { disabled: why, start() {}, async stop() {} };
  };
  if (config.env.AISRE_POLL === false) return off("AISRE_POLL=false");
  const file = config.env.AISRE_SLIS_FILE;
  const slis = file ? loadSliConfig(file) : deps.simulated ? sandboxSlis() : [];
  if (!slis.length) return off(file ? `no SLI in ${file}` : "no SLIs configured (set AISRE_SLIS_FILE)");

  const reporter = new AnomalyReporter({
    store: deps.store,
    incidents: deps.incidents,
    slack: deps.slack,
    presenter: deps.presenter,
    logger,
    severity: config.env.AISRE_ANOMALY_SEVERITY,
    defaultChannel: config.incidentChannel,
    poke: deps.poke,
    clock: deps.clock,
    // The chart is drawn a few minutes into the anomaly, from the detector's latest points.
    recentPoints: (key) => poller?.detection.recent(key),
  });
  let poller: SliPoller | undefined;
  const m = deps.metrics;
  m?.sliPollEnabled.set(1);
  const leader = new AdvisoryLockLeader({
    db: deps.store.db,
    logger,
    onChange: (lead) => {
      m?.sliPollLeader.set(lead ? 1 : 0);
      poller?.leadershipChanged(lead);
    },
    onLost: () => m?.leadershipLost.inc({ role: "sli-poller" }),
  });
  const cron = pollCron(config, slis, deps.simulated ?? false);
  poller = new SliPoller({
    slis,
    metrics: deps.prometheus,
    cloudwatch: deps.cloudwatch,
    // The sandbox CloudWatch answers as us-east-1 (src/app/ports.ts).
    cloudwatchRegion: config.cloudwatch.mode === "real" ? config.cloudwatch.region : "us-east-1",
    reporter,
    leader,
    clock: deps.clock,
    logger,
    backfillMs: config.env.AISRE_POLL_BACKFILL,
    cron,
  });
  const p = poller;
  return {
    poller: p,
    reporter,
    leader,
    start: () => p.start(),
    async stop() {
      await p.stop();
      await Promise.race([reporter.idle(), new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}
