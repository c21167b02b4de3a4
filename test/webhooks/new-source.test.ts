import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, ENV_VARIABLES, envVariables, loadConfig } from "../../src/config.ts";
import { checkAlert } from "../../src/ingest/normalize.ts";
import { webhookSources } from "../../src/ingest/registry.ts";
import { defineSource } from "../../src/ingest/types.ts";
import { parseJsonBody, verifySharedToken } from "../../src/ingest/util.ts";
import { sourceSecrets } from "../../src/webhooks/secrets.ts";
import { webhookDoor, type WebhookDoor } from "../support/webhook-door.ts";

/**
 * The extension cost of an alert source: one module (here, this file) declaring its name, body
 * limit, secret with its environment variable, verify and parse; and one line in the list of
 * sources. Nothing else is touched, yet the config validates its secret, sourceSecrets(config)
 * reads it, and the door (HTTP routes, intake, delivery processor, store) enforces its limit and
 * signature and ingests its alerts.
 */
const statuspage = defineSource({
  name: "statuspage",
  maxBytes: 4 * 1024,
  secrets: { statuspageToken: { env: "STATUSPAGE_WEBHOOK_TOKEN", description: "sent by the status page in X-Aisre-Token", pattern: { regex: /^sp-/, expected: 'a token starting with "sp-"' } } },
  verify: (req, secrets) => verifySharedToken(req, secrets.statuspageToken),
  parse(req) {
    const body = parseJsonBody("statuspage", req) as { id: string; component: string; status: "firing" | "resolved"; at: string };
    const alert = checkAlert("statuspage", { fingerprint: `statuspage:${body.component}`, source: "statuspage", name: "ComponentDegraded", status: body.status, severity: "sev3", service: body.component, summary: `${body.component} is degraded`, labels: { component: body.component }, startsAt: body.at }, "body");
    return { deliveryId: `statuspage:${body.id}`, alerts: [alert], changes: [] };
  },
});

/** The one registry line, as src/ingest/registry.ts would have it. */
const sources = [...webhookSources, statuspage];

describe("a new alert source is one module plus one registry line", () => {
  let door: WebhookDoor;
  beforeAll(async () => {
    const config = loadConfig({ AISRE_DATA_DIR: "/tmp/unused", STATUSPAGE_WEBHOOK_TOKEN: "sp-secret" }, sources);
    door = await webhookDoor(sourceSecrets(config, sources), sources);
  });
  afterAll(() => door.close());

  const post = (body: string, headers: Record<string, string> = {}) => fetch(`${door.served.url}/webhooks/statuspage`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const delivery = (id: string) => JSON.stringify({ id, component: "checkout", status: "firing", at: "2026-01-02T03:00:00Z" });

  it("its secret is an environment variable of the product, validated when the config loads", () => {
    expect(envVariables(sources)).toContain("STATUSPAGE_WEBHOOK_TOKEN");
    expect(ENV_VARIABLES).not.toContain("STATUSPAGE_WEBHOOK_TOKEN");
    expect(() => loadConfig({ STATUSPAGE_WEBHOOK_TOKEN: "wrong-form" }, sources)).toThrow(ConfigError);
    expect(() => loadConfig({ STATUSPAGE_WEBHOOK_TOKEN: "wrong-form" }, sources)).toThrow(/STATUSPAGE_WEBHOOK_TOKEN: expected a token starting with "sp-"/);
    expect(sourceSecrets(loadConfig({ STATUSPAGE_WEBHOOK_TOKEN: "sp-1" }, sources), sources)).toEqual({ statuspageToken: "sp-1" });
  });

  it("a delivery with its token is accepted, stored and ingested end to end", async () => {
    const res = await post(delivery("d1"), { "x-aisre-token": "sp-secret" });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ ok: true, status: "accepted", deliveryId: "statuspage:d1", alerts: 1 });
    await door.intake.drain();
    expect(await door.store.deliveries.counts()).toMatchObject({ pending: 0, failed: 0, parked: 0 });
    expect(await door.store.alerts.get("statuspage:checkout")).toMatchObject({ source: "statuspage", service: "checkout", status: "firing" });
    // The same delivery again is a redelivery.
    const again = await post(delivery("d1"), { "x-aisre-token": "sp-secret" });
    expect(await again.json()).toMatchObject({ status: "duplicate" });
  });

  it("its secret and its body limit are enforced at the door", async () => {
    expect((await post(delivery("d2"))).status).toBe(401);
    expect((await post(delivery("d3"), { "x-aisre-token": "sp-other" })).status).toBe(401);
    const big = JSON.stringify({ id: "d4", component: "checkout", status: "firing", at: "2026-01-02T03:00:00Z", pad: "x".repeat(5 * 1024) });
    const tooLarge = await post(big, { "x-aisre-token": "sp-secret" });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: "webhook_too_large", detail: expect.stringContaining("4096 bytes") });
    // The registry's sources are served beside it, unchanged.
    expect((await fetch(`${door.served.url}/webhooks/nope`, { method: "POST", body: "{}" })).status).toBe(404);
    expect(door.intake.sourceNames()).toContain("alertmanager");
  });
});
