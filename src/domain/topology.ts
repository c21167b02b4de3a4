/**
 * Service dependencies: an edge `{ from: "checkout", to: "payments" }` means checkout calls (depends
 * on) payments, so a fault in payments can surface in checkout.
 */
export interface Topology {
  services: string[];
  edges: Array<{ from: string; to: string }>;
}

export const EMPTY_TOPOLOGY: Topology = { services: [], edges: [] };

/** Services that call `service` (directly): where its faults show up next. */
export function callersOf(t: Topology, service: string): string[] {
  return t.edges.filter((e) => e.to === service).map((e) => e.from);
}

/** Services that `service` calls (directly). */
export function dependenciesOf(t: Topology, service: string): string[] {
  return t.edges.filter((e) => e.from === service).map((e) => e.to);
}

/**
 * Shortest path between two services ignoring direction, with each hop described
 * ("checkout calls payments"). Undefined when they are not connected within maxHops.
 */
export function relation(t: Topology, a: string, b: string, maxHops: number): { hops: number; path: string[] } | undefined {
  if (a === b) return { hops: 0, path: [] };
  const seen = new Map<string, { prev: string; how: string } | null>([[a, null]]);
  let frontier = [a];
  for (let hop = 1; hop <= maxHops && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const s of frontier) {
      for (const e of t.edges) {
        const other = e.from === s ? e.to : e.to === s ? e.from : undefined;
        if (!other || seen.has(other)) continue;
        seen.set(other, { prev: s, how: `${e.from} calls ${e.to}` });
        if (other === b) {
          const path: string[] = [];
          let cur: string = b;
          for (let step = seen.get(cur); step; step = seen.get(cur)) {
            path.unshift(step.how);
            cur = step.prev;
          }
          return { hops: hop, path };
        }
        next.push(other);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Everything that (transitively) depends on `service`: who is affected when it breaks. */
export function dependentsOf(t: Topology, service: string): string[] {
  const out = new Set<string>();
  const stack = [service];
  while (stack.length > 0) {
    const s = stack.pop()!;
    for (const c of callersOf(t, s)) {
      if (!out.has(c) && c !== service) {
        out.add(c);
        stack.push(c);
      }
    }
  }
  return [...out];
}
