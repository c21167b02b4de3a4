import { api } from "@pagerduty/pdjs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PAGERDUTY_SANDBOX } from "../../../src/integrations/pagerduty/sandbox-account.ts";
import { verifyPagerDutySignature } from "../../../src/integrations/pagerduty/webhook-signature.ts";
import { parsePagerDutyWebhook } from "../../../src/integrations/pagerduty/webhook-schema.ts";
import { createPagerDutySandbox } from "../../../src/sandbox/pagerduty/pagerduty-sandbox.ts";
import type { PagerDutySandbox } from "../../../src/sandbox/pagerduty/pagerduty-sandbox.ts";
import { serveRouter, webhookReceiver } from "../jira/serve.ts";
import type { HookReceiver, Served } from "../jira/serve.ts";
import { itemAt } from "../../../src/domain/indexed.ts";
import { defined } from "../../support/defined.ts";

// The real @pagerduty/pdjs client against the PagerDuty sandbox over HTTP. pdjs only builds
// https:// URLs from `server`, so against http it is given each call's full `url`.

const SECRETS = ["old-secret", "new-secret"];
let sandbox: PagerDutySandbox;
let server: Served;
let hooks: HookReceiver;

type Res = { status: number; ok: boolean; data: any };
const rest = (method: string, path: string, extra: Record<string, unknown> = {}): Promise<Res> => api({ url: `${server.url}/pagerduty${path}`, method, token: PAGERDUTY_SANDBOX.apiToken, requestTimeout: 0, retryTimeout: 10, ...extra } as never) as unknown as Promise<Res>;
const from = { headers: { From: "alice@example.com" } };
const enqueue = (data: Record<string, unknown>): Promise<Res> => rest("post", "/v2/enqueue", { data, token: undefined });
const trigger = (dedup: string, extra: Record<string, unknown> = {}) => enqueue({ routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "trigger", dedup_key: dedup, payload: { summary: `High error rate (${dedup})`, source: "prometheus", severity: "critical", component: "checkout" }, ...extra });

beforeAll(async () => {
  hooks = await webhookReceiver();
  sandbox = createPagerDutySandbox({ webhookUrl: `${hooks.url}/webhooks/pagerduty`, webhookSecret: SECRETS, webhookRetryDelaysMs: [20, 20], eventsPerMinute: 1000 });
  server = await serveRouter(sandbox.router);
});

afterAll(async () => {
  await sandbox.stop?.();
  await server.close();
  await hooks.close();
});

beforeEach(async () => {
  await sandbox.idle();
  hooks.received.length = 0;
});

describe("Events API v2", () => {
  it("opens one incident per dedup_key: triggering twice adds an alert, not an incident", async () => {
    const first = await trigger("aisre:INC-dedup");
    expect(first.status).toBe(202);
    expect(first.data).toEqual({ status: "success", message: "Event processed", dedup_key: "aisre:INC-dedup" });
    expect((await trigger("aisre:INC-dedup")).status).toBe(202);
    const found = await rest("get", "/incidents", { queryParameters: { incident_key: "aisre:INC-dedup" } });
    expect(found.data.incidents).toHaveLength(1);
    expect(found.data.incidents[0]).toMatchObject({ status: "triggered", urgency: "high", service: { summary: "checkout" }, alert_counts: { all: 2, triggered: 2 }, incident_key: "aisre:INC-dedup" });
    expect(found.data.incidents[0].assignments.map((a: any) => a.assignee.summary)).toEqual(["Alice Chen"]);
  });

  it("acknowledges and resolves by dedup_key; a later trigger opens a new incident", async () => {
    await trigger("aisre:INC-life");
    const ack = await enqueue({ routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "acknowledge", dedup_key: "aisre:INC-life" });
    expect(ack.status).toBe(202);
    expect(sandbox.store.find("aisre:INC-life")!.status).toBe("acknowledged");
    await enqueue({ routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "resolve", dedup_key: "aisre:INC-life" });
    expect(sandbox.store.find("aisre:INC-life")!.status).toBe("resolved");
    expect((await enqueue({ routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "acknowledge", dedup_key: "aisre:INC-life" })).status).toBe(202);
    await trigger("aisre:INC-life");
    const all = sandbox.store.all().filter((i) => i.incidentKey === "aisre:INC-life");
    expect(all.map((i) => i.status)).toEqual(["resolved", "triggered"]);
  });

  it("routes a service's own integration key to that service", async () => {
    const svc = sandbox.store.service("inventory")!;
    const r = await enqueue({ routing_key: svc.integrationKey, event_action: "trigger", payload: { summary: "5xx on inventory", source: "inventory-7d9f", severity: "warning" } });
    expect(r.status).toBe(202);
    expect(r.data.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(sandbox.store.find(r.data.dedup_key)).toMatchObject({ serviceId: svc.id, urgency: "low" });
  });

  it("rejects invalid events with PagerDuty's error shape", async () => {
    const noPayload = await enqueue({ routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "trigger" });
    expect(noPayload.status).toBe(400);
    expect(noPayload.data).toEqual({ status: "invalid event", message: "Event object is invalid", errors: ["'payload' is missing or not an object"] });
    const bad = await enqueue({ routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "trigger", payload: { summary: "", source: "x", severity: "fatal" } });
    expect(bad.data.errors).toEqual(["'payload.summary' is missing or blank", "'payload.severity' is invalid (must be one of critical, error, warning or info)"]);
    expect((await enqueue({ routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "resolve" })).data.errors).toEqual(["'dedup_key' is missing or blank"]);
    expect((await enqueue({ routing_key: "nope", event_action: "resolve", dedup_key: "x" })).data.errors).toEqual(["Invalid routing key"]);
  });

  it("throttles a routing key above its rate with 429", async () => {
    const limited = createPagerDutySandbox({ eventsPerMinute: 2 });
    const s = await serveRouter(limited.router);
    try {
      const send = () => api({ url: `${s.url}/pagerduty/v2/enqueue`, method: "post", data: { routing_key: PAGERDUTY_SANDBOX.routingKey, event_action: "trigger", payload: { summary: "s", source: "x", severity: "info" } }, retryTimeout: 1, requestTimeout: 0 } as never) as unknown as Promise<Res>;
      expect((await send()).status).toBe(202);
      expect((await send()).status).toBe(202);
      const third = await send();
      expect(third.status).toBe(429);
      expect(third.data.status).toBe("throttle event");
    } finally {
      await s.close();
    }
  });
});

describe("REST API", () => {
  it("needs a token, and a From user for writes", async () => {
    expect((await rest("get", "/incidents", { token: "wrong" })).status).toBe(401);
    await trigger("aisre:INC-from");
    const id = sandbox.store.find("aisre:INC-from")!.id;
    const noFrom = await rest("put", `/incidents/${id}`, { data: { incident: { type: "incident_reference", status: "acknowledged" } } });
    expect(noFrom.status).toBe(400);
    expect(noFrom.data.error.message).toBe(`You must specify a user's email address in the "From" header to perform this action`);
    const stranger = await rest("put", `/incidents/${id}`, { data: { incident: { type: "incident_reference", status: "acknowledged" } }, headers: { From: "mallory@example.com" } });
    expect(stranger.data.error.message).toBe("Requester User Not Found");
    const ok = await rest("put", `/incidents/${id}`, { data: { incident: { type: "incident_reference", status: "acknowledged" } }, ...from });
    expect(ok.status).toBe(200);
    expect(ok.data.incident).toMatchObject({ status: "acknowledged", acknowledgements: [{ acknowledger: { summary: "Alice Chen" } }] });
  });

  it("reassigns, escalates, annotates and resolves an incident", async () => {
    await trigger("aisre:INC-rest");
    const id = sandbox.store.find("aisre:INC-rest")!.id;
    const reassigned = await rest("put", `/incidents/${id}`, { data: { incident: { type: "incident_reference", assignments: [{ assignee: { id: "PBOB001", type: "user_reference" } }] } }, ...from });
    expect(reassigned.data.incident.assignments.map((a: any) => a.assignee.id)).toEqual(["PBOB001"]);
    const escalated = await rest("put", `/incidents/${id}`, { data: { incident: { type: "incident_reference", escalation_level: 2 } }, ...from });
    expect(escalated.data.incident.assignments.map((a: any) => a.assignee.summary)).toEqual(["Carol Diaz"]);
    const tooFar = await rest("put", `/incidents/${id}`, { data: { incident: { type: "incident_reference", escalation_level: 5 } }, ...from });
    expect(tooFar.status).toBe(400);
    expect(tooFar.data.error).toMatchObject({ message: "Cannot Escalate", code: 1006 });
    const note = await rest("post", `/incidents/${id}/notes`, { data: { note: { content: "Rolling back inventory" } }, ...from });
    expect(note.status).toBe(201);
    expect(note.data.note).toMatchObject({ content: "Rolling back inventory", user: { summary: "Alice Chen" } });
    expect((await rest("get", `/incidents/${id}/notes`)).data.notes).toHaveLength(1);
    const bulk = await rest("put", "/incidents", { data: { incidents: [{ id, type: "incident_reference", status: "resolved" }] }, ...from });
    expect(bulk.data.incidents[0]).toMatchObject({ status: "resolved", assignments: [] });
    expect((await rest("get", `/incidents/${id}/alerts`)).data.alerts[0]).toMatchObject({ status: "resolved", alert_key: "aisre:INC-rest" });
    const notFound = await rest("get", "/incidents/PNOPE00");
    expect(notFound.status).toBe(404);
  });

  it("lists services, users, escalation policies, schedules and who is on call", async () => {
    const services = await rest("get", "/services", { queryParameters: { limit: "100" } });
    expect(services.data.services.map((s: any) => s.name)).toEqual(expect.arrayContaining(["frontend", "checkout", "payments", "inventory", "cart", "orders-db", "order-processor", "cache", "queue", "reporting"]));
    const checkout = (await rest("get", "/services", { queryParameters: { query: "checkout" } })).data.services[0];
    const users = await rest("get", "/users");
    expect(users.data.users.map((u: any) => u.email)).toEqual(["alice@example.com", "bob@example.com", "carol@example.com", "aisre@example.com"]);
    const policy = await rest("get", `/escalation_policies/${checkout.escalation_policy.id}`);
    expect(policy.data.escalation_policy.escalation_rules.map((r: any) => r.targets[0].type)).toEqual(["schedule_reference", "user_reference"]);
    const oncalls = await rest("get", "/oncalls", { queryParameters: { "escalation_policy_ids[]": [checkout.escalation_policy.id], "include[]": ["users"] } });
    expect(oncalls.data.oncalls.map((o: any) => [o.escalation_level, o.user.email, o.schedule?.summary ?? null])).toEqual([
      [1, "alice@example.com", "Shop primary on-call"],
      [2, "carol@example.com", null],
    ]);
    const schedule = await rest("get", "/schedules");
    expect(schedule.data.schedules[0].final_schedule.rendered_schedule_entries[0].user.summary).toBe("Alice Chen");
  });
});

describe("v3 webhooks", () => {
  it("sends signed webhooks for every change; any of the rotation's signatures verifies", async () => {
    await trigger("aisre:INC-hooks");
    const id = sandbox.store.find("aisre:INC-hooks")!.id;
    await rest("post", `/incidents/${id}/notes`, { data: { note: { content: "Investigating" } }, ...from });
    const got = await hooks.waitFor((h) => h.length >= 2);
    const [triggered, annotated] = got;
    defined(annotated, "annotated");
    defined(triggered, "triggered");
    for (const h of got) {
      expect(verifyPagerDutySignature(h.raw, h.headers["x-pagerduty-signature"], ["new-secret"])).toBe(true);
      expect(verifyPagerDutySignature(h.raw, h.headers["x-pagerduty-signature"], ["old-secret"])).toBe(true);
      expect(verifyPagerDutySignature(`${h.raw} `, h.headers["x-pagerduty-signature"], SECRETS)).toBe(false);
      expect(h.headers["x-webhook-subscription"]).toBe(PAGERDUTY_SANDBOX.webhookSubscriptionId);
    }
    expect(String(triggered.headers["x-pagerduty-signature"]).split(",")).toHaveLength(2);
    const t = parsePagerDutyWebhook(triggered.raw);
    expect(t).toMatchObject({ ok: true, kind: "incident", event: { event_type: "incident.triggered", resource_type: "incident", agent: { type: "events_api_v2_inbound_integration_reference" } }, incident: { id, incident_key: "aisre:INC-hooks", status: "triggered" } });
    const n = parsePagerDutyWebhook(annotated.raw);
    expect(n).toMatchObject({ ok: true, kind: "note", event: { event_type: "incident.annotated", agent: { summary: "Alice Chen" } }, note: { content: "Investigating", incident: { id } } });
  });

  it("fires webhooks when a person acts in PagerDuty", async () => {
    await trigger("aisre:INC-human");
    await sandbox.idle();
    hooks.received.length = 0;
    const act = (body: Record<string, unknown>) => fetch(`${server.url}/pagerduty/sandbox/act`, { method: "POST", body: JSON.stringify({ incident: "aisre:INC-human", ...body }) });
    expect((await act({ as: "U_ALICE", action: "acknowledge" })).status).toBe(200);
    expect((await act({ as: "alice", action: "reassign", to: "bob" })).status).toBe(200);
    expect((await act({ as: "carol", action: "note", content: "IC here" })).status).toBe(200);
    expect((await act({ as: "carol", action: "escalate" })).status).toBe(200);
    expect((await act({ as: "bob", action: "resolve" })).status).toBe(200);
    const got = await hooks.waitFor((h) => h.length >= 5);
    expect(got.map((h) => [h.body.event.event_type, h.body.event.agent.summary, h.body.event.client.name])).toEqual([
      ["incident.acknowledged", "Alice Chen", "PagerDuty"],
      ["incident.reassigned", "Alice Chen", "PagerDuty"],
      ["incident.annotated", "Carol Diaz", "PagerDuty"],
      ["incident.escalated", "Carol Diaz", "PagerDuty"],
      ["incident.resolved", "Bob Martin", "PagerDuty"],
    ]);
    expect(itemAt(got, 1).body.event.data.assignees.map((a: any) => a.summary)).toEqual(["Bob Martin"]);
    const state = sandbox.state().pagerdutyIncidents as Array<Record<string, any>>;
    expect(state.find((i) => i.dedupKey === "aisre:INC-human")).toMatchObject({ status: "resolved", service: "checkout", notes: [{ by: "Carol Diaz", content: "IC here" }] });
  });

  it("retries failed deliveries with the same X-Webhook-Id (at least once)", async () => {
    hooks.respondWith.push(500, 429);
    await trigger("aisre:INC-retry");
    const [hook] = await hooks.waitFor((h) => h.length >= 1, 15_000);
    defined(hook, "hook");
    // The receiver records the hook before its 200 reaches the sender, which marks the delivery
    // afterwards: wait until the sender has settled instead of assuming it already has.
    await sandbox.idle();
    const delivery = sandbox.deliveries().find((d) => d.id === hook.headers["x-webhook-id"]);
    expect(delivery).toMatchObject({ status: "delivered", attempts: 3, event: "incident.triggered" });
    expect(hooks.received).toHaveLength(1);
  });
});
