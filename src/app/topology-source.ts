import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { EMPTY_TOPOLOGY, type Topology } from "../domain/topology.ts";

/**
 * `services.yaml`: each service and what it calls.
 * ```yaml
 * services:
 *   checkout: { calls: [payments, inventory], team: shop }
 *   payments: { calls: [orders-db] }
 * ```
 */
const servicesFileSchema = z.object({
  services: z.record(z.string(), z.object({ calls: z.array(z.string()).default([]), team: z.string().optional() }).nullable().transform((v) => v ?? { calls: [] as string[] })),
});

export function topologyFromServicesFile(file: string): Topology {
  const parsed = servicesFileSchema.safeParse(parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const names = new Set<string>();
  const edges: Topology["edges"] = [];
  for (const [name, s] of Object.entries(parsed.data.services)) {
    names.add(name);
    for (const callee of s.calls) {
      names.add(callee);
      edges.push({ from: name, to: callee });
    }
  }
  return { services: [...names].sort(), edges };
}

export { EMPTY_TOPOLOGY };
