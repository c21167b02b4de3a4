import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import { pagerDutyAdapterOptions, pagerDutyWebhookSecrets } from "../../../src/integrations/pagerduty/config.ts";
import { PagerDutyApiError } from "../../../src/integrations/pagerduty/errors.ts";
import { createPdjsAdapter, pdjsTarget } from "../../../src/integrations/pagerduty/pdjs-adapter.ts";
import { dedupKeyFor } from "../../../src/integrations/pagerduty/port.ts";
import type { PagerDutyPort } from "../../../src/integrations/pagerduty/port.ts";
import { createPagerDutySandbox } from "../../../src/sandbox/pagerduty/pagerduty-sandbox.ts";
import type { PagerDutySandbox } from "../../../src/sandbox/pagerduty/pagerduty-sandbox.ts";
import { serveRouter } from "../../sandbox/jira/serve.ts";
import type { Served } from "../../sandbox/jira/serve.ts";

// The real adapter (@pagerduty/pdjs) against the PagerDuty sandbox over HTTP, configured as `npm start` does.

let sandbox: PagerDutySandbox;
let server: Served;
let pd: PagerDutyPort;

beforeAll(async () => {
  sandbox = createPagerDutySandbox();
  server = await serveRouter(sandbox.router);
  pd = createPdjsAdapter({ ...pagerDutyAdapterOptions(loadConfig({}).pagerduty, server.url), retryTimeoutMs: 50 });
});

afterAll(async () => {
  await server.close();
});

const page = (incidentId: string, service = "checkout") => ({ dedupKey: dedupKeyFor(incidentId), summary: `[sev1] ${service} error rate 12%`, source: service, component: service, severity: "critical" as const, customDetails: { incident: incidentId } });

describe("PagerDuty adapter over pdjs", () => {
  it("targets https hosts through pdjs's server option and anything else by URL", () => {
    expect(pdjsTarget("https://api.pagerduty.com", "/incidents")).toEqual({ server: "api.pagerduty.com", endpoint: "/incidents" });
    expect(pdjsTarget("https://api.eu.pagerduty.com/", "/incidents")).toEqual({ server: "api.eu.pagerduty.com", endpoint: "/incidents" });
    expect(pdjsTarget("http://localhost:3001/pagerduty", "/v2/enqueue")).toEqual({ url: "http://localhost:3001/pagerduty/v2/enqueue" });
    const real = pagerDutyAdapterOptions(loadConfig({ PAGERDUTY_API_TOKEN: "t", PAGERDUTY_FROM_EMAIL: "bot@acme.com", PAGERDUTY_API_URL: "https://api.eu.pagerduty.com" }).pagerduty, "http://x");
    expect(real).toMatchObject({ apiUrl: "https://api.eu.pagerduty.com", eventsUrl: "https://events.eu.pagerduty.com", fromEmail: "bot@acme.com" });
    expect(pagerDutyWebhookSecrets(loadConfig({ PAGERDUTY_WEBHOOK_SECRET: "a, b" }).pagerduty)).toEqual(["a", "b"]);
  });

  it("triggers with a stable dedup key: twice is one incident", async () => {
    expect(await pd.trigger(page("INC-A"))).toEqual({ dedupKey: "aisre:INC-A" });
    await pd.trigger(page("INC-A"));
    const incident = await pd.findByDedupKey("aisre:INC-A");
    expect(incident).toMatchObject({ status: "triggered", urgency: "high", dedupKey: "aisre:INC-A", service: { name: "checkout" }, assignees: [{ name: "Alice Chen" }] });
    expect(sandbox.store.all().filter((i) => i.incidentKey === "aisre:INC-A")).toHaveLength(1);
    expect(await pd.findByDedupKey("aisre:none")).toBeUndefined();
  });

  it("acknowledges and resolves through the Events API", async () => {
    await pd.trigger(page("INC-B"));
    await pd.acknowledge("aisre:INC-B");
    expect((await pd.findByDedupKey("aisre:INC-B"))!.status).toBe("acknowledged");
    await pd.resolve("aisre:INC-B");
    const resolved = await pd.findByDedupKey("aisre:INC-B");
    expect(resolved).toMatchObject({ status: "resolved", assignees: [] });
    expect(await pd.getIncident(resolved!.id)).toMatchObject({ id: resolved!.id, status: "resolved" });
  });

  it("looks up who is on call for a service", async () => {
    const oncalls = await pd.listOncalls("payments");
    expect(oncalls.map((o) => [o.level, o.user.name, o.user.email, o.schedule?.name])).toEqual([
      [1, "Alice Chen", "alice@example.com", "Shop primary on-call"],
      [2, "Carol Diaz", "carol@example.com", undefined],
    ]);
    expect(await pd.listOncalls(sandbox.store.service("payments")!.id)).toHaveLength(2);
  });

  it("adds notes, escalates to the next level and reassigns by email", async () => {
    await pd.trigger(page("INC-C", "inventory"));
    const { id } = (await pd.findByDedupKey("aisre:INC-C"))!;
    expect(await pd.addNote(id, "Hypothesis: inventory v2.3 deploy (0.8)")).toEqual({ id: expect.any(String) });
    expect(sandbox.store.incident(id).notes[0]).toMatchObject({ content: "Hypothesis: inventory v2.3 deploy (0.8)", userId: "PAISRE1" });
    expect(await pd.listNotes(id)).toEqual([{ id: expect.any(String), content: "Hypothesis: inventory v2.3 deploy (0.8)" }]);
    const escalated = await pd.escalate(id);
    expect(escalated.assignees.map((a) => a.name)).toEqual(["Carol Diaz"]);
    const reassigned = await pd.reassign(id, ["bob@example.com"]);
    expect(reassigned.assignees.map((a) => a.name)).toEqual(["Bob Martin"]);
    const err = await pd.reassign(id, ["nobody@example.com"]).catch((e) => e);
    expect(err).toBeInstanceOf(PagerDutyApiError);
  });

  it("surfaces PagerDuty errors, and pdjs retries a 429 by itself", async () => {
    const missing = await pd.getIncident("PNOPE00").catch((e) => e);
    expect(missing).toMatchObject({ status: 404, retryable: false });
    sandbox.failNext(1, 429, 0);
    await expect(pd.trigger(page("INC-D"))).resolves.toEqual({ dedupKey: "aisre:INC-D" });
    sandbox.failNext(1, 503, 0);
    const unavailable = await pd.trigger(page("INC-E")).catch((e) => e);
    expect(unavailable).toMatchObject({ status: 503, retryable: true });
    const badKey = await createPdjsAdapter({ ...pagerDutyAdapterOptions(loadConfig({}).pagerduty, server.url), routingKey: "x".repeat(32) })
      .trigger(page("INC-F"))
      .catch((e) => e);
    expect(badKey.message).toContain("Invalid routing key");
    const badToken = await createPdjsAdapter({ ...pagerDutyAdapterOptions(loadConfig({}).pagerduty, server.url), apiToken: "wrong" })
      .getIncident("x")
      .catch((e) => e);
    expect(badToken.status).toBe(401);
  });
});
