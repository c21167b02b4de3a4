import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

/**
 * `services.yaml`: what discovery cannot see, and corrections to what it sees.
 * ```yaml
 * services:
 *   checkout: { calls: [payments, inventory], team: shop }   # edges added (source "services.yaml")
 *   payments: { not_calls: [legacy-billing] }                # discovered edges removed
 *   otel-collector: { ignore: true }                         # a node (and its edges) left out
 * ```
 */
const entrySchema = z
  .object({
    calls: z.array(z.string()).default([]),
    not_calls: z.array(z.string()).default([]),
    ignore: z.boolean().default(false),
    team: z.string().optional(),
  })
  .nullable()
  .transform((v) => v ?? { calls: [] as string[], not_calls: [] as string[], ignore: false, team: undefined });

const servicesFileSchema = z.object({ services: z.record(z.string(), entrySchema) });

export interface ServiceOverrides {
  /** Services named in the file (kept even when no source sees them). */
  services: string[];
  calls: Array<{ from: string; to: string }>;
  notCalls: Array<{ from: string; to: string }>;
  ignored: string[];
  teams: Record<string, string>;
}

export const NO_OVERRIDES: ServiceOverrides = { services: [], calls: [], notCalls: [], ignored: [], teams: {} };

export function parseServiceOverrides(text: string, file = "services.yaml"): ServiceOverrides {
  const parsed = servicesFileSchema.safeParse(parse(text));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const out: ServiceOverrides = { services: [], calls: [], notCalls: [], ignored: [], teams: {} };
  for (const [name, s] of Object.entries(parsed.data.services)) {
    if (s.ignore) {
      out.ignored.push(name);
      continue;
    }
    out.services.push(name);
    if (s.team) out.teams[name] = s.team;
    for (const to of s.calls) out.calls.push({ from: name, to });
    for (const to of s.not_calls) out.notCalls.push({ from: name, to });
  }
  return out;
}

export function loadServiceOverrides(file: string | undefined): ServiceOverrides {
  return file ? parseServiceOverrides(readFileSync(file, "utf8"), file) : NO_OVERRIDES;
}
