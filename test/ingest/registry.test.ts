import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fieldName, PayloadTooLargeError, SignatureError, WebhookParseError } from "../../src/ingest/errors.ts";
import { loadConfig } from "../../src/config.ts";
import { getSource, receiveDelivery, SOURCE_NAMES, SOURCES, secretSpecs, webhookSources } from "../../src/ingest/registry.ts";
import { sourceSecrets } from "../../src/webhooks/secrets.ts";
import type { ParsedDelivery } from "../../src/ingest/types.ts";
import { checkAlert, cleanDelivery, redeliveryKey, tagsInText, workloadOfPod } from "../../src/ingest/normalize.ts";
import { toIso } from "../../src/ingest/util.ts";
import { fixture, hmacHex, req } from "./helpers.ts";

describe("ingest registry", () => {
  it("lists every source under its URL name with a size limit", () => {
    expect([...SOURCE_NAMES].sort()).toEqual(["alertmanager", "argocd", "cloudwatch", "datadog", "generic", "github", "jira", "pagerduty"]);
    for (const name of SOURCE_NAMES) {
      expect(SOURCES[name]!.name).toBe(name);
      expect(SOURCES[name]!.maxBytes).toBeGreaterThanOrEqual(256 * 1024);
    }
    expect(webhookSources.map((s) => s.name)).toEqual(SOURCE_NAMES);
    expect(getSource("github")).toBe(SOURCES.github);
    expect(getSource("toString")).toBeUndefined();
    expect(getSource("nope")).toBeUndefined();
  });

  it("runs size → signature → parse, with 413 / 401 / 400 errors", async () => {
    const raw = fixture("webhook-v3-incident.priority_updated.json");
    const secrets = { pagerdutySecret: ["s"] };
    const signed = req(raw, { "x-pagerduty-signature": `v1=${hmacHex("s", raw)}` });
    expect((await receiveDelivery(SOURCES.pagerduty!, signed, secrets)).deliveryId).toBe("5ac64822-4adc-4fda-ade0-410becf0de4f");

    const big = req(Buffer.alloc(SOURCES.pagerduty!.maxBytes + 1, 0x20), {});
    await expect(receiveDelivery(SOURCES.pagerduty!, big, secrets)).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(receiveDelivery(SOURCES.pagerduty!, big, secrets)).rejects.toMatchObject({ status: 413 });

    await expect(receiveDelivery(SOURCES.pagerduty!, req(raw), secrets)).rejects.toBeInstanceOf(SignatureError);
    await expect(receiveDelivery(SOURCES.pagerduty!, req(raw), secrets)).rejects.toMatchObject({ status: 401, reason: "missing x-pagerduty-signature header" });

    const bad = '{"event":{}}';
    await expect(receiveDelivery(SOURCES.pagerduty!, req(bad, { "x-pagerduty-signature": `v1=${hmacHex("s", bad)}` }), secrets)).rejects.toMatchObject({
      status: 400,
      field: "event.event_type",
      name: "WebhookParseError",
    });
  });

  it("reads source secrets from the config, in the form each source declares", () => {
    const config = loadConfig({ AISRE_DATA_DIR: "/tmp/unused", PAGERDUTY_WEBHOOK_SECRET: "p", GITHUB_WEBHOOK_SECRET: " g ", SNS_CERT_FILE: "/etc/aisre/sns.pem", SNS_TOPIC_ARNS: "arn:a, arn:b" });
    const secrets = sourceSecrets(config, webhookSources, (path) => `PEM from ${path}`);
    expect(secrets).toEqual({ pagerdutySecret: ["p"], githubSecret: "g", snsCertificatePem: "PEM from /etc/aisre/sns.pem", snsTopicArns: ["arn:a", "arn:b"] });
  });

  it("docs/webhooks.md's table matches what each source declares: URL, secrets and body limit", () => {
    const doc = readFileSync(new URL("../../docs/webhooks.md", import.meta.url), "utf8");
    const size = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`);
    for (const source of webhookSources) {
      const row = doc.split("\n").find((line) => line.startsWith("|") && line.includes(`\`/webhooks/${source.name}\``));
      expect(row, source.name).toBeDefined();
      for (const spec of Object.values(source.secrets)) expect(row, source.name).toContain(`\`${spec.env}\``);
      expect(row?.trim().endsWith(`| ${size(source.maxBytes)} |`), `${source.name}: ${size(source.maxBytes)}`).toBe(true);
    }
  });

  it("each secret is declared once: one environment variable and one key per secret, across all sources", () => {
    const all = secretSpecs();
    expect(new Set(all.map((s) => s.spec.env)).size).toBe(all.length);
    // Keys are unique too, so one flat bag of secrets serves every source.
    expect(new Set(all.map((s) => s.key)).size).toBe(all.length);
    expect(all.map((s) => s.spec.env).sort()).toEqual(["ALERTMANAGER_WEBHOOK_BASIC_AUTH", "ALERTMANAGER_WEBHOOK_TOKEN", "ARGOCD_WEBHOOK_SECRET", "DATADOG_WEBHOOK_SECRET", "GENERIC_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET", "JIRA_WEBHOOK_SECRET", "PAGERDUTY_WEBHOOK_SECRET", "SNS_CERT_FILE", "SNS_TOPIC_ARNS"]);
  });
});

describe("ingest helpers", () => {
  it("turns zod paths into field names", () => {
    expect(fieldName(["alerts", 0, "labels", "alertname"])).toBe("alerts[0].labels.alertname");
    expect(fieldName([])).toBe("body");
    expect(fieldName(["labels", "app.kubernetes.io/name"])).toBe('labels["app.kubernetes.io/name"]');
    expect(fieldName(["NewStateValue"], "Message")).toBe("Message.NewStateValue");
    expect(fieldName([0, "Sns"], "Records")).toBe("Records[0].Sns");
    const e = new WebhookParseError("generic", "alerts[0].status", "expected one of firing|resolved");
    expect(e).toMatchObject({ status: 400, code: "webhook_malformed", field: "alerts[0].status", userMessage: "Malformed generic webhook: alerts[0].status: expected one of firing|resolved" });
  });

  it("cleans a delivery's strings once: what checkAlert cleaned is kept as it is, anything else is cleaned", () => {
    const raw = { fingerprint: "f1", source: "x", name: "Down\u0000", status: "firing" as const, severity: "sev3" as const, summary: "login failed password=hunter2hunter2", labels: { "team\u0000": "db" }, startsAt: "2026-01-02T03:00:00.000Z" };
    const checked = checkAlert("x", { ...raw, labels: { ...raw.labels } }, "body");
    expect(checked).toMatchObject({ name: "Down", summary: "login failed password=[REDACTED:secret]", labels: { team: "db" } });
    const unchecked = { ...raw, labels: { ...raw.labels } };
    const out = cleanDelivery({ deliveryId: "d\u0000", alerts: [checked, unchecked], changes: [] }, Buffer.from("{}"));
    expect(out.alerts[0]).toBe(checked);
    expect(out.alerts[1]).toEqual(checked);
    expect(out.deliveryId).toBe("d");
  });

  it("keeps an alert whose every string is clean as it is (no copy), and cleans one with a single unclean string whole", () => {
    const raw = { fingerprint: "f1", source: "x", name: "Down", status: "firing" as const, severity: "sev3" as const, summary: "p99 over 2 s", labels: { team: "db", instance: "10.0.0.1:9100" }, startsAt: "2026-01-02T03:00:00.000Z" };
    const checked = checkAlert("x", raw, "body");
    expect(checked).toEqual(raw);
    expect(checked.labels).toBe(raw.labels);
    for (const [where, alert] of [
      ["a label value", { ...raw, labels: { ...raw.labels, dsn: "postgres://app:pa55word@db/x" } }],
      ["a label name", { ...raw, labels: { ...raw.labels, "token=abcdefgh12345678": "x" } }],
      ["a NUL", { ...raw, summary: "p99\u0000 over 2 s" }],
      ["a lone surrogate", { ...raw, description: "bad \ud800 text" }],
    ] as const) {
      const out = checkAlert("x", alert, "body");
      expect(out.labels, where).not.toBe(alert.labels);
      expect(JSON.stringify(out), where).not.toMatch(/pa55word|abcdefgh12345678|\\u0000|\\ud800/);
    }
  });

  it('cleans an object\'s keys and values into a plain object of the same keys, a "__proto__" key an own property like any other', () => {
    const extra = JSON.parse('{"b\\u0000":"x\\u0000","__proto__":{"polluted":"y\\u0000"},"a":["z"]}') as unknown;
    const out = cleanDelivery({ deliveryId: "d", alerts: [], changes: [], extra } as unknown as ParsedDelivery, Buffer.from("{}")) as unknown as { extra: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.extra)).toBe(Object.prototype);
    expect(Object.keys(out.extra)).toEqual(["b", "__proto__", "a"]);
    expect(Object.getOwnPropertyDescriptor(out.extra, "__proto__")?.value).toEqual({ polluted: "y" });
    expect(out.extra.b).toBe("x");
    expect((out.extra as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("builds the redelivery key from fingerprint, state and times", () => {
    expect(redeliveryKey({ fingerprint: "f", status: "firing", startsAt: "2026-01-02T03:00:00.000Z" })).toBe("f|firing|2026-01-02T03:00:00.000Z|");
    expect(redeliveryKey({ fingerprint: "f", status: "resolved", startsAt: "a", endsAt: "b" })).toBe("f|resolved|a|b");
  });

  it("reads sender times", () => {
    expect(toIso("x", "t", "2015-06-03T17:43:27.123+0000")).toBe("2015-06-03T17:43:27.123Z");
    expect(toIso("x", "t", "2018-08-03T09:52:26.739266876+02:00")).toBe("2018-08-03T07:52:26.739Z");
    expect(toIso("x", "t", "0001-01-01T00:00:00Z")).toBeUndefined();
    expect(toIso("x", "t", 1767322800)).toBe("2026-01-02T03:00:00.000Z");
    expect(toIso("x", "t", "1767322800000")).toBe("2026-01-02T03:00:00.000Z");
    expect(toIso("x", "t", "")).toBeUndefined();
    expect(() => toIso("x", "when", "tomorrow")).toThrow(WebhookParseError);
  });

  it("reads key=value tags in text and pod workloads", () => {
    expect(tagsInText("p99 high. service=checkout severity:critical [team=payments]")).toEqual({ service: "checkout", severity: "critical", team: "payments" });
    expect(tagsInText(undefined)).toEqual({});
    expect(workloadOfPod("checkout-7d9f8b6c5-x2x4z")).toBe("checkout");
    expect(workloadOfPod("kafka-2")).toBe("kafka");
    expect(workloadOfPod("fluentd-abcde")).toBe("fluentd");
    expect(workloadOfPod("standalone")).toBe("standalone");
  });
});
