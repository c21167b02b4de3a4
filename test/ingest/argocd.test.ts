import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { argocd, argocdVersionOf } from "../../src/ingest/sources/argocd.ts";
import { req } from "./helpers.ts";

const configMap = parseYaml(readFileSync(fileURLToPath(new URL("../../docs/templates/argocd-notifications.yaml", import.meta.url)), "utf8")) as { data: Record<string, string> };

/** An Argo CD Application as the notifications controller sees it (unstructured). */
function application(status: Record<string, unknown>, labels: Record<string, string> | null = { "aisre.io/service": "checkout" }) {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "checkout-prod", namespace: "argocd", ...(labels ? { labels } : {}) },
    spec: {
      project: "shop",
      destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
      source: { repoURL: "https://github.com/acme/deploy.git", path: "checkout", targetRevision: "HEAD" },
    },
    status,
  };
}

const REV = "8f2b6c1d9e0a4b7c3d2e1f0a9b8c7d6e5f4a3b2c";
const deployedApp = application({
  sync: { status: "Synced", revision: REV },
  health: { status: "Healthy" },
  reconciledAt: "2026-01-02T03:05:00Z",
  operationState: {
    phase: "Succeeded",
    message: "successfully synced (all tasks run)",
    startedAt: "2026-01-02T03:03:00Z",
    finishedAt: "2026-01-02T03:04:00Z",
    operation: { initiatedBy: { automated: true }, sync: { revision: REV } },
    syncResult: { revision: REV },
  },
  summary: { images: ["ghcr.io/acme/checkout:1.4.2", "redis:7.2"] },
});

/**
 * Renders one of our webhook bodies the way Argo CD would: the templates use only `toJson X`,
 * `dig "k"… DEFAULT .app | toJson` and `printf "%s/applications/%s" .context.argocdUrl .app.metadata.name | toJson`.
 */
function renderTemplate(name: string, app: Record<string, unknown>, context = { argocdUrl: "https://argocd.example.com" }): string {
  const tpl = parseYaml(configMap.data[`template.${name}`]!) as { webhook: { aisre: { method: string; body: string } } };
  expect(tpl.webhook.aisre.method).toBe("POST");
  const vars = { app, context };
  const path = (expr: string): unknown =>
    expr
      .slice(1)
      .split(".")
      .reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), vars);
  return tpl.webhook.aisre.body.replace(/\{\{(.*?)\}\}/g, (_m, inner: string) => {
    const expr = inner.trim();
    let m = /^toJson (\.[\w.]+)$/.exec(expr);
    if (m) return JSON.stringify(path(m[1]!));
    m = /^dig ((?:"[^"]*" )+)(""|false|\(list\)|\.[\w.]+) \.app \| toJson$/.exec(expr);
    if (m) {
      const keys = [...m[1]!.matchAll(/"([^"]*)"/g)].map((k) => k[1]!);
      const fallback = m[2] === '""' ? "" : m[2] === "false" ? false : m[2] === "(list)" ? [] : path(m[2]!);
      let cur: unknown = app;
      for (const k of keys) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined;
      return JSON.stringify(cur ?? fallback);
    }
    m = /^printf "%s\/applications\/%s" \.context\.argocdUrl \.app\.metadata\.name \| toJson$/.exec(expr);
    if (m) return JSON.stringify(`${context.argocdUrl}/applications/${(app.metadata as { name: string }).name}`);
    throw new Error(`template expression the test renderer does not know: ${expr}`);
  });
}

describe("argocd notifications webhook (our published template)", () => {
  it("publishes a webhook service, four templates and their triggers", () => {
    expect(configMap.data["service.webhook.aisre"]).toMatch(/url: https:\/\/.*\/webhooks\/argocd/);
    expect(configMap.data["service.webhook.aisre"]).toMatch(/X-Aisre-Token/);
    for (const [trigger, template] of [
      ["on-deployed", "app-deployed"],
      ["on-sync-failed", "app-sync-failed"],
      ["on-health-degraded", "app-health-degraded"],
      ["on-health-recovered", "app-health-recovered"],
    ]) {
      const t = parseYaml(configMap.data[`trigger.${trigger}`]!) as Array<{ send: string[]; when: string }>;
      expect(t[0]!.send).toEqual([template]);
      expect(configMap.data[`template.${template}`]).toBeDefined();
    }
  });

  it("app-deployed → a deploy change (version from the service's image) and the failed-sync alert cleared", () => {
    const body = renderTemplate("app-deployed", deployedApp);
    const out = argocd.parse(req(body));
    expect(out.changes).toEqual([
      {
        id: `argocd:checkout-prod:${REV}`,
        source: "argocd",
        kind: "deploy",
        service: "checkout",
        version: "1.4.2",
        environment: "shop",
        status: "succeeded",
        author: "argocd (automated sync)",
        description: "successfully synced (all tasks run); images: ghcr.io/acme/checkout:1.4.2, redis:7.2",
        url: "https://argocd.example.com/applications/checkout-prod",
        at: "2026-01-02T03:04:00.000Z",
      },
    ]);
    expect(out.alerts).toEqual([expect.objectContaining({ fingerprint: "argocd:checkout-prod:sync-failed", status: "resolved" })]);
    expect(out.deliveryId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("app-sync-failed → a sev3 alert and a failed change for the revision", () => {
    const failedApp = application(
      {
        sync: { status: "OutOfSync", revision: REV },
        health: { status: "Healthy" },
        operationState: {
          phase: "Failed",
          message: 'one or more objects failed to apply, reason: Deployment.apps "checkout" is invalid',
          startedAt: "2026-01-02T03:03:00Z",
          finishedAt: "2026-01-02T03:03:30Z",
          operation: { initiatedBy: { username: "alice" } },
          syncResult: { revision: REV },
        },
      },
      null,
    );
    const out = argocd.parse(req(renderTemplate("app-sync-failed", failedApp)));
    expect(out.alerts).toEqual([
      {
        fingerprint: "argocd:checkout-prod:sync-failed",
        source: "argocd",
        name: "ArgoCDSyncFailed",
        status: "firing",
        severity: "sev3",
        service: "checkout-prod",
        summary: 'Argo CD sync of checkout-prod failed: one or more objects failed to apply, reason: Deployment.apps "checkout" is invalid',
        description: 'one or more objects failed to apply, reason: Deployment.apps "checkout" is invalid',
        labels: { argocd_app: "checkout-prod", namespace: "shop", project: "shop", cluster: "https://kubernetes.default.svc", revision: REV, health_status: "Healthy", sync_status: "OutOfSync" },
        startsAt: "2026-01-02T03:03:30.000Z",
        generatorUrl: "https://argocd.example.com/applications/checkout-prod",
      },
    ]);
    expect(out.changes[0]).toMatchObject({ id: `argocd:checkout-prod:${REV}`, status: "failed", author: "alice", version: REV.slice(0, 12) });
  });

  it("app-health-degraded → a sev2 alert; app-health-recovered resolves it", () => {
    const degraded = application({ sync: { status: "Synced", revision: REV }, health: { status: "Degraded", message: "Deployment checkout exceeded its progress deadline", lastTransitionTime: "2026-01-02T03:07:00Z" } });
    const out = argocd.parse(req(renderTemplate("app-health-degraded", degraded)));
    expect(out.alerts[0]).toMatchObject({ fingerprint: "argocd:checkout-prod:health-degraded", status: "firing", severity: "sev2", service: "checkout", startsAt: "2026-01-02T03:07:00.000Z", description: "Deployment checkout exceeded its progress deadline" });
    expect(out.changes).toEqual([]);
    const healthy = application({ sync: { status: "Synced", revision: REV }, health: { status: "Healthy", lastTransitionTime: "2026-01-02T03:12:00Z" } });
    const rec = argocd.parse(req(renderTemplate("app-health-recovered", healthy)));
    expect(rec.alerts[0]).toMatchObject({ fingerprint: "argocd:checkout-prod:health-degraded", status: "resolved", endsAt: "2026-01-02T03:12:00.000Z" });
  });

  it("falls back to the receive time when the app has no times", () => {
    const bare = application({ health: { status: "Degraded" } }, null);
    expect(argocd.parse(req(renderTemplate("app-health-degraded", bare))).alerts[0]).toMatchObject({ startsAt: "2026-01-02T03:04:05.000Z", service: "checkout-prod" });
  });

  it("checks the X-Aisre-Token header", () => {
    const body = renderTemplate("app-deployed", deployedApp);
    expect(argocd.verify(req(body, { "X-Aisre-Token": "argo-secret" }), { argocdSecret: "argo-secret" })).toEqual({ ok: true });
    expect(argocd.verify(req(body, { "X-Aisre-Token": "argo-secreT" }), { argocdSecret: "argo-secret" })).toMatchObject({ ok: false });
    expect(argocd.verify(req(body), { argocdSecret: "argo-secret" })).toMatchObject({ ok: false });
    expect(argocd.verify(req(body), {})).toEqual({ ok: true });
  });

  it("names the malformed field", () => {
    const field = (body: unknown) => {
      try {
        argocd.parse(req(body));
      } catch (e) {
        if (e instanceof WebhookParseError) return e.field;
      }
      return "no error";
    };
    const good = JSON.parse(renderTemplate("app-deployed", deployedApp)) as Record<string, unknown>;
    expect(field({ ...good, event: "app-created" })).toBe("event");
    expect(field({ ...good, app: "" })).toBe("app");
    expect(field({ ...good, images: "a,b" })).toBe("images");
    expect(field({ ...good, finishedAt: "eventually" })).toBe("finishedAt");
  });

  it("picks the version from the image named like the service", () => {
    expect(argocdVersionOf({ app: "x", service: "api", images: ["reg.io:5000/team/api:2.0.1", "api-sidecar:9"], revision: REV })).toBe("2.0.1");
    expect(argocdVersionOf({ app: "x", service: "api", images: ["api@sha256:abc"], revision: REV })).toBe(REV.slice(0, 12));
    expect(argocdVersionOf({ app: "x", service: undefined, images: [], revision: undefined })).toBeUndefined();
  });
});
