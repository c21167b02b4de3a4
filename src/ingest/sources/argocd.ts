import { z } from "zod";
import type { Alert, ChangeEvent } from "../../domain/alert.ts";
import { checkAlert, checkChange } from "../normalize.ts";
import type { ParsedDelivery, SecretSpecs, SecretValues, ReceivedWebhook, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, parseJsonBody, parseWith, stableHash, toIso, verifySharedToken } from "../util.ts";

const NAME = "argocd";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  argocdSecret: { env: "ARGOCD_WEBHOOK_SECRET", description: "sent by Argo CD notifications in the X-Aisre-Token header; also the key of X-Aisre-Signature" },
} as const satisfies SecretSpecs;

const opt = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v.trim() === "" ? undefined : v.trim()));

/** The output of the templates in docs/templates/argocd-notifications.yaml (keep the two in step). */
const PayloadSchema = z.object({
  event: z.enum(["app-deployed", "app-sync-failed", "app-health-degraded", "app-health-recovered"]),
  app: z.string().min(1),
  service: opt,
  project: opt,
  namespace: opt,
  cluster: opt,
  repoURL: opt,
  revision: opt,
  syncStatus: opt,
  healthStatus: opt,
  healthMessage: opt,
  healthChangedAt: opt,
  phase: opt,
  message: opt,
  startedAt: opt,
  finishedAt: opt,
  reconciledAt: opt,
  initiatedBy: opt,
  automated: z.boolean().nullish(),
  images: z.array(z.string()).nullish(),
  url: opt,
});

type Payload = z.output<typeof PayloadSchema>;

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  return verifySharedToken(req, secrets.argocdSecret);
}

/** The deployed version: the tag of the image named like the service, else the first 12 characters of the git revision. */
export function argocdVersionOf(p: Pick<Payload, "images" | "revision" | "service" | "app">): string | undefined {
  const service = p.service ?? p.app;
  for (const image of p.images ?? []) {
    const m = /^(?:.*\/)?([^/:@]+)(?::([^@]+))?(?:@.*)?$/.exec(image);
    if (m && m[1] === service && m[2]) return m[2];
  }
  return p.revision ? p.revision.slice(0, 12) : undefined;
}

function labelsOf(p: Payload): Record<string, string> {
  return compact({
    argocd_app: p.app,
    namespace: p.namespace,
    project: p.project,
    cluster: p.cluster,
    revision: p.revision,
    health_status: p.healthStatus,
    sync_status: p.syncStatus,
  }) as Record<string, string>;
}

function alertFor(p: Payload, kind: "sync-failed" | "health-degraded", status: Alert["status"], at: string): Alert {
  const service = p.service ?? p.app;
  const failed = kind === "sync-failed";
  const detail = failed ? p.message : (p.healthMessage ?? p.message);
  const summary = failed ? `Argo CD sync of ${p.app} failed` : `Argo CD application ${p.app} is degraded`;
  return checkAlert(
    NAME,
    compact({
      fingerprint: `argocd:${p.app}:${kind}`,
      source: NAME,
      name: failed ? "ArgoCDSyncFailed" : "ArgoCDAppDegraded",
      status,
      // A failed sync leaves the previous version running (sev3); a degraded app is hurting now (sev2).
      severity: failed ? "sev3" : "sev2",
      service,
      summary: detail ? `${summary}: ${detail}` : summary,
      description: detail,
      labels: labelsOf(p),
      startsAt: at,
      endsAt: status === "resolved" ? at : undefined,
      generatorUrl: p.url,
    }) as Alert,
    "body",
  );
}

function changeFor(p: Payload, status: string, at: string): ChangeEvent {
  return checkChange(
    NAME,
    compact({
      // One change per app and revision: the failed and the later successful sync share it (upsert).
      id: `argocd:${p.app}:${p.revision ?? at}`,
      source: NAME,
      kind: "deploy",
      service: p.service ?? p.app,
      version: argocdVersionOf(p),
      environment: p.namespace,
      status,
      author: p.initiatedBy ?? (p.automated ? "argocd (automated sync)" : undefined),
      description: [p.message, p.images?.length ? `images: ${p.images.join(", ")}` : undefined].filter(Boolean).join("; ") || undefined,
      url: p.url,
      at,
    }) as ChangeEvent,
    "body",
  );
}

function parse(req: ReceivedWebhook): ParsedDelivery {
  const p = parseWith(NAME, PayloadSchema, parseJsonBody(NAME, req));
  const deliveryId = stableHash(req.body);
  const time = (...candidates: Array<[string, string | undefined]>) => {
    for (const [field, v] of candidates) {
      const iso = toIso(NAME, field, v);
      if (iso) return iso;
    }
    return req.receivedAt;
  };
  switch (p.event) {
    case "app-deployed": {
      const at = time(["finishedAt", p.finishedAt], ["reconciledAt", p.reconciledAt]);
      // A successful deploy also clears an earlier failed-sync alert for the app.
      return { deliveryId, alerts: [alertFor(p, "sync-failed", "resolved", at)], changes: [changeFor(p, "succeeded", at)] };
    }
    case "app-sync-failed": {
      const at = time(["finishedAt", p.finishedAt], ["reconciledAt", p.reconciledAt]);
      return { deliveryId, alerts: [alertFor(p, "sync-failed", "firing", at)], changes: [changeFor(p, (p.phase ?? "failed").toLowerCase(), at)] };
    }
    case "app-health-degraded": {
      const at = time(["healthChangedAt", p.healthChangedAt], ["reconciledAt", p.reconciledAt]);
      return { deliveryId, alerts: [alertFor(p, "health-degraded", "firing", at)], changes: [] };
    }
    case "app-health-recovered": {
      const at = time(["healthChangedAt", p.healthChangedAt], ["reconciledAt", p.reconciledAt]);
      return { deliveryId, alerts: [alertFor(p, "health-degraded", "resolved", at)], changes: [] };
    }
  }
}

/** 256 KiB: the template renders a few hundred bytes plus the operation message and image list. */
export const argocd: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 256 * 1024, secrets: SECRETS, verify, parse };
