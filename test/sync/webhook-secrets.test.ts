import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { pagerduty } from "../../src/ingest/sources/pagerduty.ts";
import { hmacSha256Hex } from "../../src/ingest/util.ts";
import { PAGERDUTY_SANDBOX } from "../../src/integrations/pagerduty/sandbox-account.ts";
import { signPagerDutyBody } from "../../src/integrations/pagerduty/webhook-signature.ts";
import { sourceSecrets } from "../../src/webhooks/secrets.ts";

// PAGERDUTY_WEBHOOK_SECRET may hold two comma-separated secrets while a subscription's secret is
// rotated: the bot's verify path (config → SourceSecrets → the pagerduty source) accepts either.

const body = JSON.stringify({ event: { id: "E1", event_type: "incident.acknowledged", resource_type: "incident", occurred_at: "2026-01-01T00:00:00Z", data: { type: "incident", id: "P1" } } });
const req = (signature?: string) => ({ headers: signature ? { "X-PagerDuty-Signature": signature } : {}, body: Buffer.from(body) });
const sig = (secret: string) => `v1=${hmacSha256Hex(secret, body)}`;

describe("PAGERDUTY_WEBHOOK_SECRET with several secrets", () => {
  it("verifies a webhook signed with either secret of a rotation, and refuses others", () => {
    const config = loadConfig({ PAGERDUTY_WEBHOOK_SECRET: "old-secret, new-secret", AISRE_DATA_DIR: "/tmp/unused" });
    const secrets = sourceSecrets(config);
    expect(secrets.pagerdutySecret).toEqual(["old-secret", "new-secret"]);
    expect(pagerduty.verify(req(sig("old-secret")), secrets)).toEqual({ ok: true });
    expect(pagerduty.verify(req(sig("new-secret")), secrets)).toEqual({ ok: true });
    // PagerDuty's own rotation: several v1= values in one header.
    expect(pagerduty.verify(req(`${sig("elsewhere")},${sig("new-secret")}`), secrets)).toEqual({ ok: true });
    expect(pagerduty.verify(req(signPagerDutyBody(body, ["old-secret", "new-secret"])), secrets)).toEqual({ ok: true });
    expect(pagerduty.verify(req(sig("old-secret, new-secret")), secrets)).toMatchObject({ ok: false });
    expect(pagerduty.verify(req(sig("other")), secrets)).toMatchObject({ ok: false });
    expect(pagerduty.verify(req(), secrets)).toMatchObject({ ok: false, reason: "missing x-pagerduty-signature header" });
  });

  it("keeps a single secret working; with none set, deliveries are accepted unsigned (docs/webhooks.md)", () => {
    expect(pagerduty.verify(req(sig("only")), sourceSecrets(loadConfig({ PAGERDUTY_WEBHOOK_SECRET: "only", AISRE_DATA_DIR: "/tmp/unused" })))).toEqual({ ok: true });
    const unset = sourceSecrets(loadConfig({ AISRE_DATA_DIR: "/tmp/unused" }));
    expect(unset.pagerdutySecret).toBeUndefined();
    expect(pagerduty.verify(req(sig(PAGERDUTY_SANDBOX.webhookSecret)), unset)).toEqual({ ok: true });
    expect(pagerduty.verify(req(), unset)).toEqual({ ok: true });
    expect(pagerduty.verify(req(sig("other")), unset)).toEqual({ ok: true });
  });

  it("splits the variable the same way wherever secrets are read (sourceSecrets(config) is the one reader)", () => {
    const secretsOf = (env: Record<string, string>) => sourceSecrets(loadConfig({ ...env, AISRE_DATA_DIR: "/tmp/unused" }));
    const secrets = secretsOf({ PAGERDUTY_WEBHOOK_SECRET: "a,b" });
    expect(secrets.pagerdutySecret).toEqual(["a", "b"]);
    expect(pagerduty.verify(req(sig("b")), secrets)).toEqual({ ok: true });
    expect(secretsOf({ PAGERDUTY_WEBHOOK_SECRET: "a" }).pagerdutySecret).toEqual(["a"]);
    expect(secretsOf({ PAGERDUTY_WEBHOOK_SECRET: " , " }).pagerdutySecret).toBeUndefined();
    expect(secretsOf({}).pagerdutySecret).toBeUndefined();
  });
});
