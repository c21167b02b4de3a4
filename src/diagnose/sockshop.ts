import { syntheticCase } from "./synthetic.ts";
import type { FaultKind, SyntheticCase } from "./synthetic.ts";

/**
 * Sock Shop-style cases: the Weaveworks Sock Shop's services and calls (front-end → orders, carts,
 * catalogue, user, payment, shipping; each with its database; shipping → rabbitmq → queue-master)
 * with a CPU hog or a memory leak injected in one application service, as the public RCA
 * benchmarks do on that system. Metrics are CPU, memory, latency and request rate; no dependency
 * graph and no symptom are given (those benchmarks give neither), and the normal period is the
 * samples before the onset. Generated (src/diagnose/synthetic.ts), deterministic per seed.
 */
export const SOCK_SHOP = {
  names: ["front-end", "orders", "carts", "catalogue", "user", "payment", "shipping", "orders-db", "carts-db", "catalogue-db", "user-db", "rabbitmq", "queue-master"],
  calls: [
    ["front-end", "orders"],
    ["front-end", "carts"],
    ["front-end", "catalogue"],
    ["front-end", "user"],
    ["orders", "carts"],
    ["orders", "user"],
    ["orders", "payment"],
    ["orders", "shipping"],
    ["orders", "orders-db"],
    ["carts", "carts-db"],
    ["catalogue", "catalogue-db"],
    ["user", "user-db"],
    ["shipping", "rabbitmq"],
    ["queue-master", "rabbitmq"],
  ],
} as const;

/** Services faults are injected into, and the fault kinds. */
export const SOCK_SHOP_FAULT_SERVICES = ["carts", "catalogue", "orders", "payment", "user", "shipping"] as const;
export const SOCK_SHOP_FAULTS: readonly FaultKind[] = ["cpu", "memory"];

export interface NamedCase extends SyntheticCase {
  id: string;
}

/** `perPair` cases for every (service, fault) pair: 6 × 2 × perPair cases. */
export function sockShopCases(perPair = 4): NamedCase[] {
  const out: NamedCase[] = [];
  SOCK_SHOP_FAULT_SERVICES.forEach((svc, si) => {
    SOCK_SHOP_FAULTS.forEach((fault, fi) => {
      for (let k = 0; k < perPair; k++) {
        const seed = 9000 + si * 100 + fi * 10 + k;
        const c = syntheticCase({
          seed,
          topology: SOCK_SHOP,
          faultService: SOCK_SHOP.names.indexOf(svc),
          faultKind: fault,
          metrics: ["latency", "cpu", "memory", "requests"],
          graph: false,
          symptom: false,
          baseline: false,
          preSamples: 60,
          postSamples: 20,
          magnitude: 0.6 + 0.2 * k,
          distractors: 1 + (k % 2),
        });
        out.push({ ...c, id: `sockshop-style/${svc}-${fault}-${k}` });
      }
    });
  });
  return out;
}
