import type { Topology } from "../domain/topology.ts";

/** Where an edge or a service was learnt. */
export type DiscoverySourceName = "kubernetes" | "service-graph" | "istio" | "linkerd";
export const DISCOVERY_SOURCES: readonly DiscoverySourceName[] = ["kubernetes", "service-graph", "istio", "linkerd"];
/** Edges written by hand in services.yaml. */
export const OVERRIDE_SOURCE = "services.yaml";

export interface DiscoveredEdge {
  from: string;
  to: string;
  /** Every source that saw it (services.yaml included), sorted. */
  sources: string[];
  firstSeen?: string;
  lastSeen?: string;
}

export interface DiscoveredService {
  name: string;
  sources: string[];
  /** namespace, kind, workload, part-of, component, team… as the sources reported them. */
  attributes: Record<string, string>;
  firstSeen?: string;
  lastSeen?: string;
}

/** The product's service graph, with provenance: the `Topology` every consumer reads, plus details. */
export interface DiscoveredTopology extends Topology {
  services: string[];
  edges: DiscoveredEdge[];
  details: DiscoveredService[];
}

export const EMPTY_DISCOVERED: DiscoveredTopology = { services: [], edges: [], details: [] };

/** The JSON of `GET /api/topology` and `aisre topology --json`. */
export function topologyJson(t: DiscoveredTopology): { services: string[]; edges: DiscoveredEdge[]; details: DiscoveredService[] } {
  return { services: t.services, edges: t.edges, details: t.details };
}
