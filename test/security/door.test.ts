import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOURCES } from "../../src/ingest/registry.ts";
import { alertmanager } from "../../src/ingest/sources/alertmanager.ts";
import { argocd } from "../../src/ingest/sources/argocd.ts";
import { datadog } from "../../src/ingest/sources/datadog.ts";
import { hmacSha256Hex } from "../../src/ingest/util.ts";
import { slackTimestampProblem } from "../../src/integrations/slack/request-window.ts";
import { rng } from "../../src/domain/random.ts";
import { req } from "../ingest/helpers.ts";
import { startTestAisre, type TestAisre } from "../support/harness.ts";
import { webhookDoor } from "../support/webhook-door.ts";

/** The real intake and routes over HTTP, on PGlite. */
const door = webhookDoor;

const amBody = (labels: Record<string, string>, annotations: Record<string, string>, fingerprint: string) =>
  JSON.stringify({ receiver: "aisre", status: "firing", alerts: [{ status: "firing", labels: { alertname: "Poison", service: "checkout", ...labels }, annotations, startsAt: "2026-01-02T03:00:00Z", endsAt: "0001-01-01T00:00:00Z", fingerprint }], version: "4", groupKey: `k-${fingerprint}` });

describe("hygiene at the door", () => {
  let d: Awaited<ReturnType<typeof door>>;
  beforeAll(async () => {
    d = await door();
  });
  afterAll(async () => d.close());
  const post = (source: string, body: string | Buffer, headers: Record<string, string> = {}) => fetch(`${d.served.url}/webhooks/${source}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : new Uint8Array(body) });

  it("NUL bytes and lone surrogates in a label, an annotation or the fingerprint: accepted, stored and processed (no 202-then-lost)", async () => {
    const cases = [amBody({ team: "a\u0000b" }, { summary: "s\u0000" }, "fp-nul\u0000"), amBody({ team: "x\ud800y" }, { description: "\udfff tail" }, "fp-sur\ud800")];
    for (const body of cases) {
      const res = await post("alertmanager", body);
      expect(res.status).toBe(202);
    }
    await d.intake.drain();
    const counts = await d.store.deliveries.counts();
    expect(counts).toMatchObject({ pending: 0, failed: 0, parked: 0 });
    const nul = await d.store.alerts.get("fp-nul");
    expect(nul?.labels.team).toBe("ab");
    const sur = await d.store.alerts.get("fp-sur\ufffd");
    expect(sur?.labels.team).toBe("x\ufffdy");
  });

  it("a Datadog id with \\u0000 is not a 5xx: stored under a clean id and processed", async () => {
    const body = JSON.stringify({ id: "\u0000", alert_id: "42", transition: "Triggered", title: "checkout errors", tags: "service:checkout", date: "1767322800000" });
    const res = await post("datadog", body);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { deliveryId: string }).deliveryId).toMatch(/^datadog:|^body:/);
    await d.intake.drain();
    expect(await d.store.deliveries.counts()).toMatchObject({ failed: 0, parked: 0, pending: 0 });
    expect(datadog.parse(req(body)).deliveryId).toBe("datadog:\u0000");
  });

  it("a parser meeting something it did not expect answers 400 naming the body, not 500", async () => {
    for (const body of ["[]", "null", "1e999999", '{"alerts":{}}', "\u0000", Buffer.from([0xff, 0xfe, 0x00])]) {
      for (const source of Object.keys(SOURCES)) {
        const res = await post(source, body);
        expect(res.status, `${source} ${String(body)}`).toBeLessThan(500);
      }
    }
  });

  it("limits as documented: Alertmanager takes 4 MiB; over a limit is a clean 413 webhook_too_large, never a reset", async () => {
    const pad = (n: number) => amBody({}, { summary: "x".repeat(n) }, `fp-size-${n}`);
    const three = await post("alertmanager", pad(3 * 1024 * 1024));
    expect(three.status).toBe(202);
    const five = await post("alertmanager", pad(5 * 1024 * 1024));
    expect(five.status).toBe(413);
    expect(await five.json()).toMatchObject({ error: "webhook_too_large" });
    const dd = await post("datadog", "x".repeat(300 * 1024));
    expect(dd.status).toBe(413);
    // A sender streaming without Content-Length still gets the answer, not ECONNRESET.
    const streamed = await new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
      const url = new URL(`${d.served.url}/webhooks/datadog`);
      const r = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      });
      r.on("error", (e) => resolve({ body: "", error: e.message }));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const write = () => {
        while (sent < 2 * 1024 * 1024) {
          sent += chunk.length;
          if (!r.write(chunk)) return void r.once("drain", write);
        }
        r.end();
      };
      write();
    });
    expect(streamed.error).toBeUndefined();
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toMatchObject({ error: "webhook_too_large" });
  });
});

describe("what each source verifies", () => {
  it("PagerDuty without PAGERDUTY_WEBHOOK_SECRET accepts deliveries unsigned, as docs/webhooks.md says", async () => {
    const d = await door({});
    const body = JSON.stringify({ event: { id: "01EVT", event_type: "incident.acknowledged", resource_type: "incident", occurred_at: "2026-01-02T03:00:00Z", agent: null, data: { id: "PINC1", type: "incident", title: "t", status: "acknowledged" } } });
    const res = await fetch(`${d.served.url}/webhooks/pagerduty`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(202);
    await d.close();
  });

  it("token-only sources also take an HMAC of the body (X-Aisre-Signature), which binds the body", () => {
    const body = amBody({}, { summary: "s" }, "fp-hmac");
    const secrets = { alertmanagerToken: "tok", datadogSecret: "dd", argocdSecret: "argo" };
    const sig = (secret: string, b = body) => `sha256=${hmacSha256Hex(secret, b)}`;
    expect(alertmanager.verify(req(body, { "x-aisre-signature": sig("tok") }), secrets)).toEqual({ ok: true });
    expect(alertmanager.verify(req(body, { authorization: "Bearer tok", "x-aisre-signature": sig("tok", "other body") }), secrets)).toMatchObject({ ok: false });
    expect(alertmanager.verify(req(body, { authorization: "Bearer tok" }), secrets)).toEqual({ ok: true });
    expect(datadog.verify(req(body, { "x-aisre-signature": sig("dd") }), secrets)).toEqual({ ok: true });
    expect(datadog.verify(req(body, { "x-aisre-token": "dd", "x-aisre-signature": sig("wrong") }), secrets)).toMatchObject({ ok: false });
    expect(argocd.verify(req(body, { "x-aisre-signature": sig("argo") }), secrets)).toEqual({ ok: true });
  });
});

describe("Slack signature window, both ways", () => {
  it("refuses timestamps more than 5 minutes in the past or the future", () => {
    const now = 1_800_000_000;
    expect(slackTimestampProblem(String(now), now)).toBeUndefined();
    expect(slackTimestampProblem(String(now - 299), now)).toBeUndefined();
    expect(slackTimestampProblem(String(now + 299), now)).toBeUndefined();
    expect(slackTimestampProblem(String(now + 600), now)).toMatch(/future/);
    expect(slackTimestampProblem(String(now - 600), now)).toMatch(/too old/);
    expect(slackTimestampProblem(undefined, now)).toMatch(/missing/);
    expect(slackTimestampProblem("12abc", now)).toMatch(/malformed/);
  });

  describe("on the running bot", () => {
    let t: TestAisre;
    beforeAll(async () => {
      t = await startTestAisre();
    }, 60_000);
    afterAll(async () => t?.close());

    it("a request stamped 10 minutes in the future is refused before Bolt; the sandbox's signed events still work", async () => {
      const future = Math.floor(Date.now() / 1000) + 600;
      const res = await fetch(`${t.botUrl}/slack/events`, { method: "POST", headers: { "content-type": "application/json", "x-slack-request-timestamp": String(future), "x-slack-signature": "v0=00" }, body: JSON.stringify({ type: "url_verification", challenge: "c" }) });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "stale_request" });
      const seen = await t.command("U_ALICE", "#incidents", "help");
      expect(seen.length).toBeGreaterThan(0);
    });

    it("fuzz at the Slack door: seeded stale, future, missing and forged signatures over mutated bodies are refused, never a 5xx", async () => {
      const random = rng(Number(process.env.FUZZ_SEED ?? 21));
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
      const now = () => Math.floor(Date.now() / 1000);
      const bodies = [
        () => JSON.stringify({ type: "event_callback", event_id: `Ev${Math.floor(random() * 1e9)}`, event: { type: "app_mention", text: "<@U0AISREBOT> <!channel> status", user: "U_ALICE", channel: "C1" } }),
        () => JSON.stringify({ type: "url_verification", challenge: "x".repeat(1 + Math.floor(random() * 64)) }),
        () => `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions", actions: [{ action_id: "incident_resolve" }] }))}`,
        () => "command=%2Faisre&text=status%20checkout&user_id=U_ALICE",
        () => JSON.stringify({ type: "event_callback", event: { text: "\u0000\ud800".repeat(50) } }).slice(0, Math.floor(random() * 120)),
        () => "{".repeat(1 + Math.floor(random() * 5000)),
        () => "\u0000\ufffd<!everyone>",
        () => "",
      ];
      const timestamps: Array<[string, () => string | undefined]> = [
        ["stale", () => String(now() - 301 - Math.floor(random() * 86_400))],
        ["future", () => String(now() + 301 + Math.floor(random() * 86_400))],
        ["missing", () => undefined],
        ["malformed", () => pick(["abc", "-5", "1e9", " ", "17000000000000"])],
        ["in window, forged", () => String(now() - Math.floor(random() * 200))],
      ];
      const counts: Record<string, number> = {};
      for (let i = 0; i < 300; i++) {
        const [kind, ts] = pick(timestamps);
        const stamp = ts();
        const headers: Record<string, string> = { "content-type": pick(["application/json", "application/x-www-form-urlencoded", "text/plain"]) };
        if (stamp !== undefined) headers["x-slack-request-timestamp"] = stamp;
        const sig = pick([undefined, "v0=00", `v0=${"a".repeat(64)}`, "v1=deadbeef", ""]);
        if (sig !== undefined) headers["x-slack-signature"] = sig;
        const res = await fetch(`${t.botUrl}/slack/events`, { method: "POST", headers, body: pick(bodies)() });
        const text = await res.text();
        // Outside the window either way, refused as stale before the signature is even looked at.
        if (kind === "stale" || kind === "future") expect(text, `${kind} timestamp ${stamp}`).toContain("stale_request");
        counts[`${kind} ${res.status}`] = (counts[`${kind} ${res.status}`] ?? 0) + 1;
        expect(res.status, `${kind} timestamp ${stamp} answered ${res.status}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${kind} timestamp ${stamp} answered ${res.status}`).toBeLessThan(500);
      }
      // Every kind was tried, and the bot still answers signed traffic afterwards.
      for (const [kind] of timestamps)
        expect(
          Object.keys(counts).some((k) => k.startsWith(`${kind} `)),
          kind,
        ).toBe(true);
      const seen = await t.command("U_ALICE", "#incidents", "help");
      expect(seen.length).toBeGreaterThan(0);
    }, 120_000);
  });
});
