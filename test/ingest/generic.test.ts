import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { generic, genericJsonSchema } from "../../src/ingest/sources/generic.ts";
import { hmacHex, req } from "./helpers.ts";

const schemaFile = JSON.parse(readFileSync(fileURLToPath(new URL("../../docs/templates/generic-alert.schema.json", import.meta.url)), "utf8")) as Record<string, unknown>;

const example = {
  alerts: [
    {
      id: "orders-queue-depth",
      name: "QueueDepthHigh",
      status: "firing",
      severity: "warning",
      service: "orders",
      summary: "orders queue depth above 10k",
      description: "Consumers are not keeping up since 03:00.",
      labels: { env: "prod", region: "eu-west-1" },
      startsAt: "2026-01-02T03:00:00Z",
      url: "https://monitoring.example.com/alerts/42",
    },
    { name: "DiskFull", status: "resolved", summary: "disk full on db-1", labels: { pod: "db-0", severity: "critical", page: "true" }, startsAt: 1767322800, endsAt: 1767323400000 },
  ],
  changes: [{ id: "flag-1234", kind: "config", service: "checkout", description: "feature flag new-cart on", author: "bob", at: "2026-01-02T02:55:00Z" }],
};

describe("generic webhook", () => {
  it("publishes the JSON schema generated from the parser's own zod schema", () => {
    expect(schemaFile).toEqual(genericJsonSchema());
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(schemaFile);
    expect(validate(example)).toBe(true);
    expect(validate({ alerts: [{ name: "x", status: "pending", summary: "s" }] })).toBe(false);
    expect(validate({})).toBe(false);
    expect(validate({ alerts: [] })).toBe(false);
  });

  it("normalises alerts and changes", () => {
    const out = generic.parse(req(example, { "X-Aisre-Delivery": "batch-7" }));
    expect(out.deliveryId).toBe("batch-7");
    expect(out.alerts).toEqual([
      {
        fingerprint: "generic:orders-queue-depth",
        source: "generic",
        name: "QueueDepthHigh",
        status: "firing",
        severity: "sev3",
        service: "orders",
        summary: "orders queue depth above 10k",
        description: "Consumers are not keeping up since 03:00.",
        labels: { env: "prod", region: "eu-west-1" },
        startsAt: "2026-01-02T03:00:00.000Z",
        generatorUrl: "https://monitoring.example.com/alerts/42",
      },
      {
        fingerprint: expect.stringMatching(/^generic:[0-9a-f]{16}$/),
        source: "generic",
        name: "DiskFull",
        status: "resolved",
        severity: "sev1",
        service: "db",
        summary: "disk full on db-1",
        labels: { pod: "db-0", severity: "critical", page: "true" },
        startsAt: "2026-01-02T03:00:00.000Z",
        endsAt: "2026-01-02T03:10:00.000Z",
      },
    ]);
    expect(out.changes).toEqual([{ id: "generic:flag-1234", source: "generic", kind: "config", service: "checkout", description: "feature flag new-cart on", author: "bob", at: "2026-01-02T02:55:00.000Z" }]);
    // Without an id the fingerprint is stable across deliveries.
    expect(generic.parse(req(example)).alerts[1]!.fingerprint).toBe(out.alerts[1]!.fingerprint);
    expect(generic.parse(req(example)).deliveryId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("uses the receive time when no time is given", () => {
    const out = generic.parse(req({ alerts: [{ name: "A", status: "firing", summary: "a" }] }));
    expect(out.alerts[0]).toMatchObject({ startsAt: "2026-01-02T03:04:05.000Z", severity: "sev3" });
    expect(out.alerts[0]!.service).toBeUndefined();
  });

  it("verifies X-Aisre-Signature when a secret is configured", () => {
    const body = JSON.stringify(example);
    expect(generic.verify(req(body, { "X-Aisre-Signature": `sha256=${hmacHex("g-secret", body)}` }), { genericSecret: "g-secret" })).toEqual({ ok: true });
    expect(generic.verify(req(body, { "X-Aisre-Signature": `sha256=${hmacHex("g-secret", body).toUpperCase()}` }), { genericSecret: "g-secret" })).toEqual({ ok: true });
    expect(generic.verify(req(body, { "X-Aisre-Signature": `sha256=${hmacHex("other", body)}` }), { genericSecret: "g-secret" })).toMatchObject({ ok: false });
    expect(generic.verify(req(body, { "X-Aisre-Signature": hmacHex("g-secret", body) }), { genericSecret: "g-secret" })).toMatchObject({ ok: false });
    expect(generic.verify(req(body), { genericSecret: "g-secret" })).toMatchObject({ ok: false });
    expect(generic.verify(req(body), {})).toEqual({ ok: true });
  });

  it("names the malformed field", () => {
    const field = (body: unknown) => {
      try {
        generic.parse(req(body));
      } catch (e) {
        if (e instanceof WebhookParseError) return e.field;
      }
      return "no error";
    };
    expect(field({ alerts: [{ name: "A", status: "firing" }] })).toBe("alerts[0].summary");
    expect(field({ alerts: [{ name: "A", status: "open", summary: "s" }] })).toBe("alerts[0].status");
    expect(field({ alerts: [{ name: "A", status: "firing", summary: "s", severity: "catastrophic" }] })).toBe("alerts[0].severity");
    expect(field({ alerts: [{ name: "A", status: "firing", summary: "s", labels: { a: 1 } }] })).toBe("alerts[0].labels.a");
    expect(field({ alerts: [{ name: "A", status: "firing", summary: "s", startsAt: "someday" }] })).toBe("alerts[0].startsAt");
    expect(field({ changes: [{ kind: "deploy" }] })).toBe("changes[0].service");
    expect(field({ alerts: [] })).toBe("alerts");
    expect(field("")).toBe("body");
  });
});
