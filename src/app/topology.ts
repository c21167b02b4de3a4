import type { Config } from "../config.ts";
import type { Clock } from "../domain/clock.ts";
import { AdvisoryLockLeader } from "../detect/polling/leader.ts";
import type { KubernetesPort } from "../integrations/kubernetes/port.ts";
import type { MetricsPort } from "../integrations/prometheus/port.ts";
import type { Logger } from "../log.ts";
import { LOCKS } from "../store/locks.ts";
import type { Store } from "../store/store.ts";
import { type DiscoverySource, TopologyDiscovery } from "../topology/discovery.ts";
import { kubernetesObservation } from "../topology/kubernetes.ts";
import type { DiscoverySourceName } from "../topology/model.ts";
import { loadServiceOverrides } from "../topology/overrides.ts";
import { observeServiceGraph } from "../topology/service-graph.ts";

/** Advisory lock key of topology discovery (every key: src/store/locks.ts). */
export const TOPOLOGY_LEADER_LOCK = LOCKS.topologyLeader;

/** The discovery sources that can run with the ports at hand, in the configured subset. */
export function discoverySources(o: { kubernetes?: KubernetesPort; metrics?: MetricsPort; names: readonly string[]; namespaces?: string[]; window: string }): DiscoverySource[] {
  const out: DiscoverySource[] = [];
  const k8s = o.kubernetes;
  if (k8s && o.names.includes("kubernetes")) {
    out.push({
      name: "kubernetes",
      async observe() {
        const shapes = o.namespaces?.length ? await Promise.all(o.namespaces.map((ns) => k8s.clusterShape(ns))) : [await k8s.clusterShape()];
        const shape = { services: shapes.flatMap((s) => s.services), workloads: shapes.flatMap((s) => s.workloads), pods: shapes.flatMap((s) => s.pods), configMaps: shapes.flatMap((s) => s.configMaps) };
        return kubernetesObservation(shape, { namespaces: o.namespaces });
      },
    });
  }
  const metrics = o.metrics;
  if (metrics) {
    for (const name of ["service-graph", "istio", "linkerd"] as const satisfies readonly Exclude<DiscoverySourceName, "kubernetes">[]) {
      if (o.names.includes(name)) out.push({ name, observe: (at) => observeServiceGraph(metrics, name, { window: o.window, at }) });
    }
  }
  return out;
}

/** Discovery schedule: AISRE_TOPOLOGY_CRON, else every 5 minutes; in a sped-up sandbox every 15 minutes of simulated time, at most every 15 s. */
export function topologyCron(config: Config, speed: number | undefined): string {
  if (config.env.AISRE_TOPOLOGY_CRON) return config.env.AISRE_TOPOLOGY_CRON;
  if (!speed || speed <= 1) return "*/5 * * * *";
  const seconds = Math.max(15, Math.round(900 / speed));
  return seconds < 60 ? `*/${seconds} * * * * *` : `*/${Math.min(30, Math.round(seconds / 60))} * * * *`;
}

export function buildTopology(o: { config: Config; store: Store; kubernetes?: KubernetesPort; metrics?: MetricsPort; clock: Clock; logger: Logger; simSpeed?: number }): TopologyDiscovery {
  const { config } = o;
  const sources = discoverySources({ kubernetes: o.kubernetes, metrics: o.metrics, names: config.env.AISRE_TOPOLOGY_SOURCES, namespaces: config.kubernetes.namespaces, window: config.env.AISRE_TOPOLOGY_WINDOW });
  const logger = o.logger.child({ component: "topology" });
  return new TopologyDiscovery({
    repo: o.store.topology,
    sources,
    overrides: loadServiceOverrides(config.env.AISRE_SERVICES_FILE),
    clock: o.clock,
    maxAgeMs: config.env.AISRE_TOPOLOGY_MAX_AGE,
    leader: new AdvisoryLockLeader({ db: o.store.db, key: TOPOLOGY_LEADER_LOCK, logger, role: "topology discoverer" }),
    cron: topologyCron(config, o.simSpeed),
    logger,
  });
}
