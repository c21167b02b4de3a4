import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { datadog, datadogTags } from "../../src/ingest/sources/datadog.ts";
import { req } from "./helpers.ts";

const template = readFileSync(fileURLToPath(new URL("../../docs/templates/datadog-webhook.json", import.meta.url)), "utf8");
const headersTemplate = JSON.parse(readFileSync(fileURLToPath(new URL("../../docs/templates/datadog-webhook-headers.json", import.meta.url)), "utf8")) as Record<string, string>;

/** What Datadog would send for a multi-alert monitor on checkout (values JSON-escaped into the template). */
const TRIGGERED: Record<string, string> = {
  ID: "7561353212446373634",
  ALERT_ID: "123456",
  ALERT_CYCLE_KEY: "7561353212446373634",
  AGGREG_KEY: "9bd4ac313a4d1e8fae2482df7b77628",
  ALERT_TRANSITION: "Triggered",
  ALERT_TYPE: "error",
  ALERT_PRIORITY: "P2",
  ALERT_TITLE: "[Triggered on {service:checkout,env:prod}] checkout error rate high",
  EVENT_TITLE: "[P2] [Triggered on {service:checkout,env:prod}] checkout error rate high",
  TEXT_ONLY_MSG: 'Error rate is 7% (threshold 5%).\nSee the "checkout" dashboard.',
  ALERT_STATUS: "sum(last_5m):sum:trace.http.request.errors{service:checkout,env:prod} > 50",
  ALERT_SCOPE: "env:prod,service:checkout",
  ALERT_METRIC: "trace.http.request.errors",
  ALERT_QUERY: "sum(last_5m):sum:trace.http.request.errors{*} by {service,env} > 50",
  HOSTNAME: "",
  TAGS: "env:prod,service:checkout,team:payments,monitor",
  LINK: "https://app.datadoghq.com/event/event?id=7561353212446373634",
  DATE: "1767322800000",
  LAST_UPDATED: "1767322800000",
  ORG_ID: "11287",
  ORG_NAME: "Acme",
};

/** Datadog's substitution: each $VARIABLE replaced by its value (escaped for the JSON string it sits in); unknown ones stay literal. */
function render(vars: Record<string, string>, tpl = template): string {
  return tpl.replace(/\$([A-Z_]+)/g, (whole, name: string) => (name in vars ? JSON.stringify(vars[name]).slice(1, -1) : whole));
}

describe("datadog webhook (our published template)", () => {
  it("parses exactly the template's output", () => {
    const out = datadog.parse(req(render(TRIGGERED)));
    expect(out.deliveryId).toBe("datadog:7561353212446373634");
    expect(out.alerts).toEqual([
      {
        fingerprint: "datadog:123456:env:prod,service:checkout",
        source: "datadog",
        name: "checkout error rate high",
        status: "firing",
        severity: "sev2",
        service: "checkout",
        summary: "checkout error rate high: sum(last_5m):sum:trace.http.request.errors{service:checkout,env:prod} > 50",
        description: 'Error rate is 7% (threshold 5%).\nSee the "checkout" dashboard.',
        labels: { env: "prod", service: "checkout", team: "payments", monitor: "true", datadog_monitor_id: "123456", datadog_transition: "Triggered", metric: "trace.http.request.errors" },
        startsAt: "2026-01-02T03:00:00.000Z",
        generatorUrl: "https://app.datadoghq.com/event/event?id=7561353212446373634",
      },
    ]);
  });

  it("Recovered → resolved with the same fingerprint", () => {
    const out = datadog.parse(req(render({ ...TRIGGERED, ID: "7561353212446373999", ALERT_TRANSITION: "Recovered", ALERT_TYPE: "success", DATE: "1767323400000" })));
    expect(out.alerts[0]).toMatchObject({ fingerprint: "datadog:123456:env:prod,service:checkout", status: "resolved", endsAt: "2026-01-02T03:10:00.000Z" });
  });

  it("maps priority, Warn and No Data, and alert type to severities", () => {
    const sev = (vars: Record<string, string>) => datadog.parse(req(render({ ...TRIGGERED, ...vars }))).alerts[0]!.severity;
    expect(sev({ ALERT_PRIORITY: "P1" })).toBe("sev1");
    expect(sev({ ALERT_PRIORITY: "P4" })).toBe("sev4");
    expect(sev({ ALERT_PRIORITY: "", ALERT_TRANSITION: "Warn", ALERT_TYPE: "warning" })).toBe("sev3");
    expect(sev({ ALERT_PRIORITY: "", ALERT_TRANSITION: "Re-Triggered" })).toBe("sev2");
    expect(sev({ ALERT_PRIORITY: "", TAGS: "service:checkout,severity:critical" })).toBe("sev2");
    expect(sev({ ALERT_PRIORITY: "", ALERT_TYPE: "info" })).toBe("sev4");
    const nodata = datadog.parse(req(render({ ...TRIGGERED, ALERT_PRIORITY: "", ALERT_TRANSITION: "No Data" }))).alerts[0]!;
    expect(nodata).toMatchObject({ status: "firing", severity: "sev3", labels: expect.objectContaining({ no_data: "true" }) });
  });

  it("treats variables Datadog left unexpanded or empty as unset", () => {
    const out = datadog.parse(req(render({ ALERT_ID: "77", ALERT_TRANSITION: "Triggered", ALERT_TITLE: "disk full", ALERT_SCOPE: "host:db-1" })));
    expect(out.alerts[0]).toMatchObject({ fingerprint: "datadog:77:host:db-1", name: "disk full", startsAt: "2026-01-02T03:04:05.000Z", labels: { host: "db-1", datadog_monitor_id: "77", datadog_transition: "Triggered" } });
    expect(out.alerts[0]!.service).toBeUndefined();
    expect(out.deliveryId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("ignores transitions that are not state changes", () => {
    const out = datadog.parse(req(render({ ...TRIGGERED, ALERT_TRANSITION: "Muted" })));
    expect(out.alerts).toEqual([]);
    expect(out.ignored).toHaveLength(1);
  });

  it("checks the X-Aisre-Token custom header from the published headers template", () => {
    const headers = JSON.parse(render({ AISRE_WEBHOOK_SECRET: "dd-secret" }, JSON.stringify(headersTemplate))) as Record<string, string>;
    const body = render(TRIGGERED);
    expect(datadog.verify(req(body, headers), { datadogSecret: "dd-secret" })).toEqual({ ok: true });
    expect(datadog.verify(req(body, { "X-Aisre-Token": "nope" }), { datadogSecret: "dd-secret" })).toMatchObject({ ok: false });
    expect(datadog.verify(req(body, { authorization: "Bearer dd-secret" }), { datadogSecret: "dd-secret" })).toEqual({ ok: true });
    expect(datadog.verify(req(body), { datadogSecret: "dd-secret" })).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
    expect(datadog.verify(req(body), {})).toEqual({ ok: true });
  });

  it("names the malformed field", () => {
    const field = (body: unknown) => {
      try {
        datadog.parse(req(body));
      } catch (e) {
        if (e instanceof WebhookParseError) return e.field;
      }
      return "no error";
    };
    expect(field(render({ ...TRIGGERED, ALERT_ID: "" }))).toBe("alert_id");
    expect(field({ ...JSON.parse(render(TRIGGERED)), transition: 3 })).toBe("transition");
    expect(field(render({ ...TRIGGERED, DATE: "whenever" }))).toBe("date");
    expect(field("nope")).toBe("body");
  });

  it("splits tags", () => {
    expect(datadogTags("env:prod, service:a ,bare,url:http://x:1")).toEqual({ env: "prod", service: "a", bare: "true", url: "http://x:1" });
    expect(datadogTags("*")).toEqual({});
  });
});
