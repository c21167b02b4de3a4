import { describe, expect, it } from "vitest";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { fingerprintFromLabels, redeliveryKey, serviceFromLabels, severityFromLabels } from "../../src/ingest/normalize.ts";
import { alertmanager } from "../../src/ingest/sources/alertmanager.ts";
import { req } from "./helpers.ts";

/** What prometheus-alertmanager (v0.2x, Debian) posts: Go times with nanoseconds, zero endsAt while firing. */
function payload(overrides: Record<string, unknown> = {}, alertOverrides: Array<Record<string, unknown>> = [{}]) {
  return {
    receiver: "aisre",
    status: "firing",
    alerts: alertOverrides.map((o, i) => ({
      status: "firing",
      labels: { alertname: "HighErrorRate", service: "checkout", namespace: "shop", severity: "critical", instance: `10.0.0.${i}:8080`, job: "kubernetes-pods" },
      annotations: { summary: "checkout 5xx above 5%", description: "5xx ratio is 12% for 5m", runbook_url: "https://runbooks.example.com/high-error-rate" },
      startsAt: "2026-01-02T03:00:00.123456789Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus:9090/graph?g0.expr=rate%28http_requests_total%5B5m%5D%29",
      fingerprint: `c6eadffa33fcdf3${i}`,
      ...o,
    })),
    groupLabels: { alertname: "HighErrorRate" },
    commonLabels: { alertname: "HighErrorRate", service: "checkout" },
    commonAnnotations: { summary: "checkout 5xx above 5%" },
    externalURL: "http://alertmanager:9093",
    version: "4",
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    ...overrides,
  };
}

function parseError(body: unknown): WebhookParseError {
  try {
    alertmanager.parse(req(body));
  } catch (e) {
    if (e instanceof WebhookParseError) return e;
    throw e;
  }
  throw new Error("expected a WebhookParseError");
}

describe("alertmanager webhook v4", () => {
  it("normalises each alert of the group", () => {
    const out = alertmanager.parse(req(payload()));
    expect(out.alerts).toEqual([
      {
        fingerprint: "c6eadffa33fcdf30",
        source: "alertmanager",
        name: "HighErrorRate",
        status: "firing",
        severity: "sev2",
        service: "checkout",
        summary: "checkout 5xx above 5%",
        description: "5xx ratio is 12% for 5m",
        labels: { alertname: "HighErrorRate", service: "checkout", namespace: "shop", severity: "critical", instance: "10.0.0.0:8080", job: "kubernetes-pods" },
        startsAt: "2026-01-02T03:00:00.123Z",
        generatorUrl: "http://prometheus:9090/graph?g0.expr=rate%28http_requests_total%5B5m%5D%29",
        runbookUrl: "https://runbooks.example.com/high-error-rate",
      },
    ]);
    expect(out.changes).toEqual([]);
  });

  it("keeps endsAt of resolved alerts and falls back to commonAnnotations and alertname", () => {
    const out = alertmanager.parse(
      req(
        payload({ status: "resolved", commonAnnotations: { summary: "group summary" } }, [
          { status: "resolved", endsAt: "2026-01-02T03:10:00+02:00", annotations: {} },
          { status: "resolved", endsAt: "2026-01-02T03:10:00Z", annotations: {}, labels: { alertname: "Bare" } },
        ]),
      ),
    );
    expect(out.alerts[0]).toMatchObject({ status: "resolved", endsAt: "2026-01-02T01:10:00.000Z", summary: "group summary" });
    expect(out.alerts[1]).toMatchObject({ name: "Bare", summary: "group summary", severity: "sev3" });
    expect(out.alerts[1]!.service).toBeUndefined();
  });

  it("falls back to a hash of the sorted labels when there is no fingerprint", () => {
    const a = alertmanager.parse(req(payload({}, [{ fingerprint: undefined, labels: { alertname: "X", b: "2", a: "1" } }]))).alerts[0]!;
    const b = alertmanager.parse(req(payload({}, [{ fingerprint: undefined, labels: { a: "1", alertname: "X", b: "2" } }]))).alerts[0]!;
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).toBe(fingerprintFromLabels({ a: "1", b: "2", alertname: "X" }));
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("derives a stable delivery id from group, state and alert identities", () => {
    const id = (p: unknown) => alertmanager.parse(req(p)).deliveryId;
    expect(id(payload())).toBe(id(payload()));
    // Prometheus moves a firing alert's endsAt forward: the same news, the same id.
    expect(id(payload({}, [{ endsAt: "2026-01-02T03:04:00Z" }]))).toBe(id(payload()));
    expect(id(payload({ status: "resolved" }, [{ status: "resolved", endsAt: "2026-01-02T03:10:00Z" }]))).not.toBe(id(payload()));
    expect(id(payload({}, [{}, {}]))).not.toBe(id(payload()));
    const alert = alertmanager.parse(req(payload())).alerts[0]!;
    expect(redeliveryKey(alert)).toBe("c6eadffa33fcdf30|firing|2026-01-02T03:00:00.123Z|");
  });

  it("reports truncated alerts", () => {
    expect(alertmanager.parse(req(payload({ truncatedAlerts: 3 }))).ignored).toEqual(["3 alerts truncated by Alertmanager (max_alerts)"]);
  });

  it("names the malformed field", () => {
    expect(parseError(payload({}, [{ labels: { service: "x" } }])).field).toBe("alerts[0].labels.alertname");
    expect(parseError(payload({ version: "3" })).field).toBe("version");
    expect(parseError(payload({}, [{}, { status: "pending" }])).field).toBe("alerts[1].status");
    expect(parseError(payload({}, [{ startsAt: "yesterday" }])).field).toBe("alerts[0].startsAt");
    expect(parseError(payload({}, [{ labels: { alertname: "A", n: 1 } }])).field).toBe("alerts[0].labels.n");
    expect(parseError({ ...payload(), alerts: undefined }).field).toBe("alerts");
    const bad = parseError("{not json");
    expect(bad.field).toBe("body");
    expect(bad.status).toBe(400);
    expect(parseError(payload({}, [{ labels: { service: "x" } }])).userMessage).toBe("Malformed alertmanager webhook: alerts[0].labels.alertname: alertname label is required");
  });

  it("checks the http_config credentials only when configured", () => {
    const r = req(payload());
    expect(alertmanager.verify(r, {})).toEqual({ ok: true });
    expect(alertmanager.verify({ ...r, headers: { Authorization: "Bearer s3cret" } }, { alertmanagerToken: "s3cret" })).toEqual({ ok: true });
    expect(alertmanager.verify({ ...r, headers: { authorization: "Bearer nope" } }, { alertmanagerToken: "s3cret" })).toMatchObject({ ok: false });
    expect(alertmanager.verify(r, { alertmanagerToken: "s3cret" })).toEqual({ ok: false, reason: "missing Authorization header" });
    const basic = `Basic ${Buffer.from("am:pw").toString("base64")}`;
    expect(alertmanager.verify({ ...r, headers: { authorization: basic } }, { alertmanagerBasicAuth: "am:pw" })).toEqual({ ok: true });
    expect(alertmanager.verify({ ...r, headers: { authorization: basic } }, { alertmanagerBasicAuth: "am:other" })).toMatchObject({ ok: false });
  });
});

describe("severity and service from labels", () => {
  it.each([
    [{ severity: "critical" }, "sev2"],
    [{ severity: "critical", page: "true" }, "sev1"],
    [{ severity: "critical", tier: "1" }, "sev1"],
    [{ severity: "critical", impact: "customer" }, "sev1"],
    [{ severity: "Critical" }, "sev2"],
    [{ severity: "warning" }, "sev3"],
    [{ severity: "info" }, "sev4"],
    [{ severity: "error" }, "sev2"],
    [{ severity: "sev1" }, "sev1"],
    [{ severity: "warning", priority: "P1" }, "sev1"],
    [{ severity: "weird" }, "sev3"],
    [{}, "sev3"],
  ])("%j → %s", (labels, sev) => {
    expect(severityFromLabels(labels as Record<string, string>)).toBe(sev);
  });

  it.each([
    [{ service: "checkout", app: "x" }, "checkout"],
    [{ app_kubernetes_io_name: "cart", job: "kubernetes-pods" }, "cart"],
    [{ app: "payments" }, "payments"],
    [{ deployment: "api", container: "api-sidecar" }, "api"],
    [{ container: "POD", job: "kube-state-metrics", pod: "checkout-7d9f8b6c5-x2x4z" }, "checkout"],
    [{ job: "orders" }, "orders"],
    [{ job: "node-exporter", instance: "n1" }, undefined],
    [{ pod: "redis-0" }, "redis"],
  ])("%j → %s", (labels, service) => {
    expect(serviceFromLabels(labels as Record<string, string>)).toBe(service);
  });
});
