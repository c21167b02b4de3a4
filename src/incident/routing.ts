import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

/** Which channel an incident goes to: by service, then by the service's team, then the default. */
export const routingSchema = z.object({
  default: z.string().optional(),
  services: z.record(z.string(), z.string()).default({}),
  teams: z.record(z.string(), z.object({ channel: z.string(), services: z.array(z.string()).default([]) })).default({}),
});

export type Routing = z.infer<typeof routingSchema>;

export function loadRouting(file: string | undefined): Routing {
  if (!file) return routingSchema.parse({});
  const parsed = routingSchema.safeParse(parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

export function channelFor(routing: Routing, services: string[], fallback: string): string {
  for (const s of services) {
    if (routing.services[s]) return routing.services[s];
    for (const team of Object.values(routing.teams)) if (team.services.includes(s)) return team.channel;
  }
  return routing.default ?? fallback;
}
