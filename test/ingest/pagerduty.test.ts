import { describe, expect, it } from "vitest";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { pagerduty, pagerdutySeverity } from "../../src/ingest/sources/pagerduty.ts";
import { fixture, hmacHex, req } from "./helpers.ts";

const raw = fixture("webhook-v3-incident.priority_updated.json");
const SECRET = "pd-secret-1";

/** The fixture with another event type and incident fields. */
function variant(eventType: string, data: Record<string, unknown> = {}, event: Record<string, unknown> = {}): string {
  const body = JSON.parse(raw) as { event: Record<string, unknown> & { data: Record<string, unknown> } };
  body.event = { ...body.event, event_type: eventType, ...event, data: { ...body.event.data, ...data } };
  return JSON.stringify(body);
}

describe("pagerduty v3 webhook", () => {
  it("turns the real priority_updated payload into an external event", () => {
    const out = pagerduty.parse(req(raw));
    expect(out.deliveryId).toBe("5ac64822-4adc-4fda-ade0-410becf0de4f");
    expect(out.alerts).toEqual([]);
    expect(out.externalEvents).toEqual([
      {
        system: "pagerduty",
        type: "incident.priority_updated",
        externalId: "PGR0VU2",
        actor: "Tenex Engineer",
        actorId: "PLH1HKV",
        at: "2020-10-02T18:45:22.169Z",
        data: {
          status: "triggered",
          title: "A little bump in the road",
          number: 2,
          urgency: "high",
          priority: "P1",
          service: "API Service",
          serviceId: "PF9KMXH",
          assignees: ["User 123"],
          escalationPolicy: "Default",
          incidentKey: "d3640fbd41094207a1c11e58e46b1662",
          htmlUrl: "https://acme.pagerduty.com/incidents/PGR0VU2",
          eventId: "5ac64822-4adc-4fda-ade0-410becf0de4f",
        },
      },
    ]);
  });

  it("verifies X-PagerDuty-Signature over the raw body, any of several values (rotation)", () => {
    const good = `v1=${hmacHex(SECRET, raw)}`;
    const old = `v1=${hmacHex("pd-secret-0", raw)}`;
    expect(pagerduty.verify(req(raw, { "X-PagerDuty-Signature": good }), { pagerdutySecret: [SECRET] })).toEqual({ ok: true });
    // During rotation PagerDuty sends one signature per active secret, comma-separated.
    expect(pagerduty.verify(req(raw, { "x-pagerduty-signature": `${old},${good}` }), { pagerdutySecret: [SECRET] })).toEqual({ ok: true });
    expect(pagerduty.verify(req(raw, { "x-pagerduty-signature": `${good}, ${old}` }), { pagerdutySecret: [SECRET] })).toEqual({ ok: true });
    expect(pagerduty.verify(req(raw, { "x-pagerduty-signature": `${good}` }), { pagerdutySecret: ["pd-secret-0"] })).toMatchObject({ ok: false });
    expect(pagerduty.verify(req(raw, { "x-pagerduty-signature": old }), { pagerdutySecret: [SECRET] })).toMatchObject({ ok: false });
    // The signature is over the bytes: re-serialised JSON does not verify.
    expect(pagerduty.verify(req(JSON.stringify(JSON.parse(raw)), { "x-pagerduty-signature": good }), { pagerdutySecret: [SECRET] })).toMatchObject({ ok: false });
    expect(pagerduty.verify(req(raw), { pagerdutySecret: [SECRET] })).toEqual({ ok: false, reason: "missing x-pagerduty-signature header" });
    expect(pagerduty.verify(req(raw, { "x-pagerduty-signature": "v0=abc" }), { pagerdutySecret: [SECRET] })).toMatchObject({ ok: false });
    expect(pagerduty.verify(req(raw), {})).toEqual({ ok: true });
  });

  it("turns incident.triggered into a firing alert and incident.resolved into its resolution", () => {
    const triggered = pagerduty.parse(req(variant("incident.triggered", { reopened_at: null })));
    expect(triggered.alerts).toEqual([
      {
        fingerprint: "pagerduty:PGR0VU2",
        source: "pagerduty",
        name: "A little bump in the road",
        status: "firing",
        severity: "sev1",
        service: "API Service",
        summary: "A little bump in the road",
        labels: {
          pagerduty_incident: "PGR0VU2",
          pagerduty_incident_number: "2",
          pagerduty_service: "API Service",
          pagerduty_service_id: "PF9KMXH",
          urgency: "high",
          priority: "P1",
          incident_key: "d3640fbd41094207a1c11e58e46b1662",
        },
        startsAt: "2020-04-09T15:16:27.000Z",
        generatorUrl: "https://acme.pagerduty.com/incidents/PGR0VU2",
      },
    ]);
    expect(triggered.externalEvents?.[0]?.type).toBe("incident.triggered");
    const resolved = pagerduty.parse(req(variant("incident.resolved", { status: "resolved" })));
    expect(resolved.alerts[0]).toMatchObject({ fingerprint: "pagerduty:PGR0VU2", status: "resolved", startsAt: "2020-04-09T15:16:27.000Z", endsAt: "2020-10-02T18:45:22.169Z" });
    expect(resolved.externalEvents?.[0]).toMatchObject({ type: "incident.resolved", externalId: "PGR0VU2" });
  });

  it("turns acknowledged / reassigned / escalated into external events only", () => {
    for (const t of ["incident.acknowledged", "incident.reassigned", "incident.escalated", "incident.unacknowledged"]) {
      const out = pagerduty.parse(req(variant(t)));
      expect(out.alerts).toEqual([]);
      expect(out.externalEvents?.[0]).toMatchObject({ system: "pagerduty", type: t, externalId: "PGR0VU2", actor: "Tenex Engineer" });
    }
  });

  it("reads incident.annotated notes (data is an incident_note about the incident)", () => {
    const body = JSON.stringify({
      event: {
        id: "01BUG2B9O0PQ2A2ZN5H5PZJ4W1",
        event_type: "incident.annotated",
        resource_type: "incident",
        occurred_at: "2020-10-02T18:45:22.169Z",
        agent: { html_url: "https://acme.pagerduty.com/users/PLH1HKV", id: "PLH1HKV", self: "https://api.pagerduty.com/users/PLH1HKV", summary: "Tenex Engineer", type: "user_reference" },
        client: null,
        data: {
          incident: { html_url: "https://acme.pagerduty.com/incidents/PGR0VU2", id: "PGR0VU2", self: "https://api.pagerduty.com/incidents/PGR0VU2", summary: "A little bump in the road", type: "incident_reference" },
          id: "PWL7QXS",
          content: "Rolled back checkout to v41",
          trigger_log_entry: null,
          type: "incident_note",
        },
      },
    });
    const out = pagerduty.parse(req(body));
    expect(out.externalEvents).toEqual([
      {
        system: "pagerduty",
        type: "incident.annotated",
        externalId: "PGR0VU2",
        actor: "Tenex Engineer",
        actorId: "PLH1HKV",
        at: "2020-10-02T18:45:22.169Z",
        data: { resourceType: "incident_note", resourceId: "PWL7QXS", content: "Rolled back checkout to v41", incidentTitle: "A little bump in the road", htmlUrl: "https://acme.pagerduty.com/incidents/PGR0VU2", eventId: "01BUG2B9O0PQ2A2ZN5H5PZJ4W1" },
      },
    ]);
  });

  it("does not turn incidents aisre raised itself back into alerts", () => {
    const out = pagerduty.parse(req(variant("incident.triggered", { incident_key: "aisre:INC-20260102-abc123" })));
    expect(out.alerts).toEqual([]);
    expect(out.externalEvents).toHaveLength(1);
    expect(out.ignored?.[0]).toMatch(/raised by aisre/);
  });

  it("accepts pings and other resources with no effect", () => {
    const ping = JSON.stringify({ event: { id: "01BUG", event_type: "pagey.ping", resource_type: "pagey", occurred_at: "2021-12-08T22:59:20.716Z", agent: null, client: null, data: { message: "Hello from your friend Pagey!", type: "ping" } } });
    const out = pagerduty.parse(req(ping));
    expect(out).toMatchObject({ deliveryId: "01BUG", alerts: [], changes: [], externalEvents: [] });
    expect(out.ignored).toHaveLength(1);
  });

  it("takes the delivery id from X-Webhook-Id when the body has no event.id", () => {
    const body = JSON.parse(raw) as { event: Record<string, unknown> };
    delete body.event.id;
    expect(pagerduty.parse(req(JSON.stringify(body), { "X-Webhook-Id": "hdr-1" })).deliveryId).toBe("hdr-1");
    expect(pagerduty.parse(req(JSON.stringify(body))).deliveryId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("names the malformed field", () => {
    const err = (body: string) => {
      try {
        pagerduty.parse(req(body));
      } catch (e) {
        if (e instanceof WebhookParseError) return e.field;
      }
      return "no error";
    };
    const body = JSON.parse(raw) as { event: Record<string, unknown> & { data: Record<string, unknown> } };
    expect(err(JSON.stringify({ event: { ...body.event, event_type: undefined } }))).toBe("event.event_type");
    expect(err(JSON.stringify({ event: { ...body.event, data: { ...body.event.data, id: 42 } } }))).toBe("event.data.id");
    expect(err(variant("incident.triggered", { service: { summary: "no id" } }))).toBe("event.data.service.id");
    expect(err(JSON.stringify({ event: { ...body.event, occurred_at: "soon" } }))).toBe("event.occurred_at");
    expect(err("[]")).toBe("body");
    expect(err("{}")).toBe("event");
  });

  it("maps priority, else urgency, to a severity", () => {
    expect(pagerdutySeverity("P1", "low")).toBe("sev1");
    expect(pagerdutySeverity("P2", "high")).toBe("sev2");
    expect(pagerdutySeverity("P3", "high")).toBe("sev3");
    expect(pagerdutySeverity("P5", "high")).toBe("sev4");
    expect(pagerdutySeverity(undefined, "high")).toBe("sev2");
    expect(pagerdutySeverity(null, "low")).toBe("sev3");
  });
});
