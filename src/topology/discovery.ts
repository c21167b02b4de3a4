import { schedule, type ScheduledTask } from "node-cron";
import type { Clock } from "../domain/clock.ts";
import { silentLogger, type Logger } from "../log.ts";
import type { SourceObservation, TopologyRepo } from "../store/repos/topology.ts";
import { mergeTopology } from "./merge.ts";
import { EMPTY_DISCOVERED, type DiscoveredTopology } from "./model.ts";
import type { ServiceOverrides } from "./overrides.ts";

/** A place the graph can be learnt from (Kubernetes, a service-graph metric family). */
export interface DiscoverySource {
  name: string;
  /** What it shows at `at`; undefined when it has nothing to say (its metrics do not exist). */
  observe(at: Date): Promise<SourceObservation | undefined>;
}

/** Who runs discovery: the replica holding the lock (src/detect/polling/leader.ts). */
export interface DiscoveryLeader {
  ensure(): Promise<boolean>;
  resign(): Promise<void>;
}

export interface DiscoveryRun {
  at: string;
  sources: Array<{ name: string; status: "ok" | "absent" | "error"; services: number; edges: number; error?: string }>;
  agedOut: { edges: number; services: number };
}

export interface TopologyDiscoveryOptions {
  repo: TopologyRepo;
  sources: DiscoverySource[];
  overrides: ServiceOverrides;
  /** The system's clock (the simulation's in the sandbox). */
  clock: Clock;
  /** What no source has seen for this long ages out (ms). */
  maxAgeMs: number;
  leader?: DiscoveryLeader;
  /** node-cron schedule of refreshes (discovery on the leader, a re-read of the store elsewhere). */
  cron?: string;
  logger?: Logger;
}

/**
 * The service graph, learnt from the running system. The replica holding the lock asks every
 * source on a schedule and records what each saw in the store; every replica reads the merged
 * graph back from the store, so all replicas and restarts see the same graph. `topology()` is the
 * last graph read (synchronous, for the correlator and the diagnosis).
 */
export class TopologyDiscovery {
  private readonly o: TopologyDiscoveryOptions;
  private readonly logger: Logger;
  private current: DiscoveredTopology = EMPTY_DISCOVERED;
  private last?: DiscoveryRun;
  private task?: ScheduledTask;
  private running?: Promise<unknown>;

  constructor(options: TopologyDiscoveryOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
  }

  topology(): DiscoveredTopology {
    return this.current;
  }

  lastRun(): DiscoveryRun | undefined {
    return this.last;
  }

  /** Asks every source, records what each saw, ages out what is stale, and re-reads the graph. */
  async refresh(): Promise<DiscoveryRun> {
    const now = this.o.clock.now();
    const at = new Date(now);
    const run: DiscoveryRun = { at: at.toISOString(), sources: [], agedOut: { edges: 0, services: 0 } };
    for (const source of this.o.sources) {
      try {
        const seen = await source.observe(at);
        if (!seen) {
          run.sources.push({ name: source.name, status: "absent", services: 0, edges: 0 });
          continue;
        }
        await this.o.repo.record(seen, at);
        run.sources.push({ name: source.name, status: "ok", services: seen.services.length, edges: seen.edges.length });
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        run.sources.push({ name: source.name, status: "error", services: 0, edges: 0, error });
        this.logger.warn({ err: e, source: source.name }, "topology source failed");
      }
    }
    run.agedOut = await this.o.repo.ageOut(new Date(now - this.o.maxAgeMs));
    await this.reload();
    this.last = run;
    this.logger.debug({ run, services: this.current.services.length, edges: this.current.edges.length }, "topology discovered");
    return run;
  }

  /** Re-reads the graph from the store (what the leader recorded). */
  async reload(): Promise<DiscoveredTopology> {
    const [services, edges] = await Promise.all([this.o.repo.services(), this.o.repo.edges()]);
    this.current = mergeTopology(services, edges, this.o.overrides, { now: this.o.clock.now(), maxAgeMs: this.o.maxAgeMs });
    return this.current;
  }

  /** One scheduled step: discovery on the leader, a re-read elsewhere (one at a time). */
  tick(): Promise<unknown> {
    const step = async (): Promise<unknown> => ((this.o.leader ? await this.o.leader.ensure() : true) ? this.refresh() : this.reload());
    const run = (this.running ?? Promise.resolve()).catch(() => undefined).then(step);
    this.running = run;
    return run;
  }

  /**
   * Has a graph before returning (the product must not group alerts on an empty graph): the
   * leader discovers; another replica reads the store, and discovers itself when the store is
   * still empty.
   */
  async prime(): Promise<void> {
    try {
      // A restart finds the graph the store holds: in place at once, and this replica's first
      // discovery (or re-read) refreshes it in the background instead of holding up the start.
      if ((await this.o.repo.services()).length > 0) {
        await this.reload();
        void this.tick().catch((e: unknown) => this.logger.warn({ err: e }, "topology refresh failed"));
      } else {
        await this.tick();
        if (this.current.services.length === 0 && this.o.sources.length) await this.refresh();
      }
    } catch (e) {
      this.logger.error({ err: e }, "initial topology discovery failed");
    }
    this.logger.info({ services: this.current.services.length, edges: this.current.edges.length, sources: this.o.sources.map((s) => s.name), cron: this.o.cron }, "topology ready");
  }

  /** Schedules the refreshes (node-cron). */
  start(): void {
    if (this.o.cron && !this.task) {
      this.task = schedule(
        this.o.cron,
        async () => {
          try {
            await this.tick();
          } catch (e) {
            this.logger.warn({ err: e }, "topology refresh failed");
          }
        },
        { name: "aisre-topology", noOverlap: true },
      );
    }
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.running?.catch(() => undefined);
    await this.o.leader?.resign();
  }
}
