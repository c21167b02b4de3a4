import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { signPagerDutyBody, verifyPagerDutySignature } from "../../../src/integrations/pagerduty/webhook-signature.ts";
import { parsePagerDutyWebhook } from "../../../src/integrations/pagerduty/webhook-schema.ts";

const raw = readFileSync(new URL("./fixtures/webhook-v3-incident.priority_updated.json", import.meta.url), "utf8");

describe("PagerDuty v3 webhooks", () => {
  it("parses the real v3 body from PagerDuty's docs", () => {
    const parsed = parsePagerDutyWebhook(raw);
    expect(parsed).toMatchObject({
      ok: true,
      kind: "incident",
      event: { id: "5ac64822-4adc-4fda-ade0-410becf0de4f", event_type: "incident.priority_updated", resource_type: "incident", agent: { id: "PLH1HKV", type: "user_reference" }, client: { name: "PagerDuty" } },
      incident: { id: "PGR0VU2", number: 2, status: "triggered", incident_key: "d3640fbd41094207a1c11e58e46b1662", service: { summary: "API Service" }, assignees: [{ id: "PTUXL6G" }], priority: { summary: "P1" }, urgency: "high" },
    });
  });

  it("types notes, keeps other incident resources, and rejects broken bodies", () => {
    const event = JSON.parse(raw).event;
    const note = parsePagerDutyWebhook({ event: { ...event, event_type: "incident.annotated", data: { incident: { id: "PGR0VU2", type: "incident_reference" }, id: "P2LA89X", content: "glad we use PagerDuty", trimmed: false, type: "incident_note" } } });
    expect(note).toMatchObject({ ok: true, kind: "note", note: { content: "glad we use PagerDuty", incident: { id: "PGR0VU2" } } });
    const responder = parsePagerDutyWebhook({ event: { ...event, event_type: "incident.responder.added", data: { type: "incident_responder", incident: { id: "PGR0VU2", type: "incident_reference" }, state: "pending" } } });
    expect(responder).toMatchObject({ ok: true, kind: "other" });
    expect(parsePagerDutyWebhook("{")).toEqual({ ok: false, error: "body is not JSON" });
    const noStatus = parsePagerDutyWebhook({ event: { ...event, data: { ...event.data, status: undefined } } });
    expect(noStatus).toMatchObject({ ok: false, error: expect.stringContaining("status") });
    expect(parsePagerDutyWebhook({ event: { ...event, event_type: "" } }).ok).toBe(false);
  });

  it("verifies v1 signatures: any of several, against any of our secrets, over the raw bytes", () => {
    const body = Buffer.from(raw);
    const header = signPagerDutyBody(body, ["rotating-out", "current"]);
    expect(header.split(",")).toHaveLength(2);
    expect(verifyPagerDutySignature(body, header, ["current"])).toBe(true);
    expect(verifyPagerDutySignature(body, header, ["other", "rotating-out"])).toBe(true);
    expect(verifyPagerDutySignature(body, header.toUpperCase().replaceAll("V1=", "v1="), ["current"])).toBe(true);
    expect(verifyPagerDutySignature(body, header, ["wrong"])).toBe(false);
    expect(verifyPagerDutySignature(Buffer.from(raw.replace("P1", "P2")), header, ["current"])).toBe(false);
    expect(verifyPagerDutySignature(body, header.replaceAll("v1=", "v0="), ["current"])).toBe(false);
    expect(verifyPagerDutySignature(body, undefined, ["current"])).toBe(false);
    expect(verifyPagerDutySignature(body, header, [])).toBe(false);
  });
});
