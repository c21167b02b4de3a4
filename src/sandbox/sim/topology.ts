import type { Topology } from "../../domain/topology.ts";
import { SERVICES, type ServiceKind } from "./catalog.ts";

export interface TopologyNode {
  id: string;
  kind: ServiceKind;
  team: string;
  description: string;
}

export interface SimTopology extends Topology {
  nodes: TopologyNode[];
  /** `from` calls `to`; `critical` false: the caller degrades gracefully when `to` fails. */
  edges: Array<{ from: string; to: string; critical: boolean }>;
}

/** The shop's call graph, in the product's `Topology` shape plus node details. */
export function simTopology(): SimTopology {
  return {
    services: SERVICES.map((s) => s.name).sort(),
    nodes: SERVICES.map((s) => ({ id: s.name, kind: s.kind, team: s.team, description: s.description })),
    edges: SERVICES.flatMap((s) => s.calls.map((c) => ({ from: s.name, to: c.to, critical: c.critical }))),
  };
}

/** Services ordered so that every caller comes before what it calls. */
export function callersFirst(): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const s of SERVICES) if (s.calls.some((c) => c.to === name)) visit(s.name);
    order.push(name);
  };
  for (const s of SERVICES) visit(s.name);
  return order;
}
