import type { Severity } from "../domain/alert.ts";
import type { PagerDutySeverity } from "../integrations/pagerduty/port.ts";
import type { PagerDutySyncSettings } from "./sync-config.ts";

/** Whether an incident pages when it opens, where to, and why (pure). */
export interface PagingDecision {
  page: boolean;
  /** The service the page is about (the first with its own route, else the first). */
  service?: string;
  /** The PagerDuty service to look on-call up for. */
  pdService?: string;
  /** Events API routing key; undefined → the configured default. */
  routingKey?: string;
  severity: PagerDutySeverity;
  reason: string;
}

const list = (s: Severity[]) => s.map((x) => x.toUpperCase()).join(", ") || "none";

export function pagingDecision(incident: { severity: Severity; services: string[] }, settings: PagerDutySyncSettings): PagingDecision {
  const routed = incident.services.find((s) => settings.services[s]);
  const service = routed ?? incident.services[0];
  const route = service ? settings.services[service] : undefined;
  const pageFor = route?.pageFor ?? settings.pageFor;
  const base = { service, pdService: route?.pdService ?? service, routingKey: route?.routingKey ?? settings.routingKey, severity: settings.severity[incident.severity] };
  if (!settings.enabled) return { ...base, page: false, reason: "PagerDuty sync is off" };
  if (!pageFor.includes(incident.severity)) {
    return { ...base, page: false, reason: `${incident.severity.toUpperCase()} does not page${route?.pageFor ? ` for ${service}` : ""} (pages: ${list(pageFor)})` };
  }
  return { ...base, page: true, reason: `${incident.severity.toUpperCase()} pages${route?.pageFor ? ` for ${service}` : ""}` };
}
