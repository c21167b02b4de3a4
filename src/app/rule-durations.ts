import type { Clock } from "../domain/clock.ts";
import type { MetricsPort } from "../integrations/prometheus/port.ts";
import type { Logger } from "../log.ts";

/**
 * The alerting rules' `for`s by alert name, as last learnt from Prometheus (a rule alert's startsAt
 * is its fire time, its condition began that long before): read at once and again in the background
 * once older than refreshMs (system time). Empty until read, or without a rules API.
 */
export function ruleDurations(o: { metrics?: MetricsPort; clock: Clock; logger: Logger; refreshMs?: number }): () => Readonly<Record<string, number>> {
  let known: Readonly<Record<string, number>> = {};
  let readAt = Number.NEGATIVE_INFINITY;
  let reading = false;
  const get = () => {
    const read = o.metrics?.alertRuleDurations?.bind(o.metrics);
    if (read && !reading && o.clock.now() - readAt >= (o.refreshMs ?? 10 * 60_000)) {
      reading = true;
      readAt = o.clock.now();
      read()
        .then(
          (d) => {
            known = d;
          },
          (e: unknown) => o.logger.warn({ err: e }, "alerting rules not read; rule alerts are compared by their fire time"),
        )
        .finally(() => {
          reading = false;
        });
    }
    return known;
  };
  get();
  return get;
}
