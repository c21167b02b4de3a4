import { PAGERDUTY_SANDBOX } from "../../integrations/pagerduty/sandbox-account.ts";
import type { PdAgent, PdService } from "./model.ts";
import type { PdStore } from "./store.ts";

/**
 * Events API v2 (`POST /v2/enqueue`): trigger, acknowledge and resolve alerts by dedup_key, with
 * PagerDuty's responses — 202 `{status: "success", message: "Event processed", dedup_key}`,
 * 400 `{status: "invalid event", message, errors}` and 429 `{status: "throttle event"}`.
 * A service's own integration key routes to it; the sandbox's global routing key routes by the
 * service named in payload.component, payload.source or payload.group (like an event orchestration).
 */

export interface EventsResult {
  status: number;
  body: Record<string, unknown>;
}

const SEVERITIES = ["critical", "error", "warning", "info"];

const invalid = (...errors: string[]): EventsResult => ({ status: 400, body: { status: "invalid event", message: "Event object is invalid", errors } });

const blank = (v: unknown) => typeof v !== "string" || v.trim() === "";

export class EventsApi {
  private readonly store: PdStore;
  private readonly perMinute: number;
  private readonly recent = new Map<string, number[]>();

  constructor(store: PdStore, options: { eventsPerMinute?: number } = {}) {
    this.store = store;
    this.perMinute = options.eventsPerMinute ?? 120;
  }

  private route(routingKey: string, payload: Record<string, unknown> | undefined): PdService | undefined {
    if (routingKey === PAGERDUTY_SANDBOX.routingKey) {
      const details = (payload?.custom_details ?? {}) as Record<string, unknown>;
      return this.store.routeByName(payload?.component as string | undefined, payload?.source as string | undefined, payload?.group as string | undefined, details.service as string | undefined);
    }
    return this.store.services.find((s) => s.integrationKey === routingKey);
  }

  private throttled(routingKey: string, now: number): boolean {
    const times = (this.recent.get(routingKey) ?? []).filter((t) => t > now - 60_000);
    const over = times.length >= this.perMinute;
    if (!over) times.push(now);
    this.recent.set(routingKey, times);
    return over;
  }

  enqueue(raw: unknown, now: number): EventsResult {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return invalid("Event object is invalid");
    const e = raw as Record<string, unknown>;
    if (blank(e.routing_key)) return invalid("'routing_key' is missing or blank");
    const action = e.event_action;
    if (action !== "trigger" && action !== "acknowledge" && action !== "resolve") return invalid(blank(action) ? "'event_action' is missing or blank" : "'event_action' is invalid (must be trigger, acknowledge or resolve)");
    if (e.dedup_key !== undefined && (typeof e.dedup_key !== "string" || e.dedup_key.length > 255)) return invalid("'dedup_key' must be a string of at most 255 characters");
    const payload = e.payload as Record<string, unknown> | undefined;
    if (action === "trigger") {
      const errors: string[] = [];
      if (typeof payload !== "object" || payload === null) errors.push("'payload' is missing or not an object");
      else {
        if (blank(payload.summary)) errors.push("'payload.summary' is missing or blank");
        else if ((payload.summary as string).length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
        if (blank(payload.source)) errors.push("'payload.source' is missing or blank");
        if (!SEVERITIES.includes(payload.severity as string)) errors.push("'payload.severity' is invalid (must be one of critical, error, warning or info)");
      }
      if (errors.length) return invalid(...errors);
    } else if (blank(e.dedup_key)) return invalid("'dedup_key' is missing or blank");

    const routingKey = e.routing_key as string;
    const service = this.route(routingKey, payload);
    if (!service) return invalid("Invalid routing key");
    if (this.throttled(routingKey, now)) return { status: 429, body: { status: "throttle event", message: "Requests for this service are arriving too quickly.  Please retry later." } };

    const agent: PdAgent = { type: "events_api_v2_inbound_integration_reference", id: service.integrationId, serviceId: service.id };
    const dedupKey = (e.dedup_key as string | undefined) ?? crypto.randomUUID().replaceAll("-", "");
    const open = this.store.openByDedupKey(routingKey, dedupKey);
    if (action === "trigger") {
      const p = payload!;
      const alert = {
        summary: p.summary as string,
        severity: p.severity as string,
        source: p.source as string,
        component: p.component as string | undefined,
        group: p.group as string | undefined,
        class: p.class as string | undefined,
        customDetails: p.custom_details,
        links: Array.isArray(e.links) ? (e.links as Array<{ href: string; text?: string }>) : [],
      };
      if (open) this.store.addAlert(open, alert, agent);
      else {
        const urgency = alert.severity === "critical" || alert.severity === "error" ? "high" : "low";
        this.store.open({ serviceId: service.id, title: alert.summary, urgency, incidentKey: dedupKey, routingKey, alert, agent });
      }
    } else if (open) {
      // Acknowledge and resolve for an unknown or resolved dedup_key are accepted and dropped.
      if (action === "acknowledge" && open.status === "triggered") this.store.acknowledge(open, agent);
      if (action === "resolve") this.store.resolve(open, agent);
    }
    return { status: 202, body: { status: "success", message: "Event processed", dedup_key: dedupKey } };
  }
}
