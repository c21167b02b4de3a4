import { z } from "zod";
import type { ChangeEvent } from "../../domain/alert.ts";
import { WebhookParseError } from "../errors.ts";
import { checkChange } from "../normalize.ts";
import type { ParsedDelivery, ReceivedWebhook, SecretSpecs, SecretValues, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, header, parseJsonBody, parseWith, stableHash, toIso, verifyHmacHeader } from "../util.ts";

const NAME = "github";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  githubSecret: { env: "GITHUB_WEBHOOK_SECRET", description: "the webhook's secret (GitHub signs X-Hub-Signature-256: sha256=…)" },
} as const satisfies SecretSpecs;

const user = z.object({ login: z.string() }).nullish();

const DeploymentSchema = z.object({
  id: z.number(),
  sha: z.string().min(1),
  ref: z.string(),
  task: z.string().optional(),
  payload: z.union([z.record(z.string(), z.unknown()), z.string(), z.null()]).optional(),
  environment: z.string(),
  original_environment: z.string().optional(),
  description: z.string().nullish(),
  creator: user,
  created_at: z.string().min(1),
  updated_at: z.string().optional(),
  url: z.string().optional(),
});

const RepositorySchema = z.object({ name: z.string().min(1), full_name: z.string().optional(), html_url: z.string().optional() });

const DeploymentEventSchema = z.object({ action: z.string().optional(), deployment: DeploymentSchema, repository: RepositorySchema, sender: user });

const DeploymentStatusEventSchema = z.object({
  action: z.string().optional(),
  deployment_status: z.object({
    id: z.number(),
    state: z.string().min(1),
    description: z.string().nullish(),
    environment: z.string().optional(),
    target_url: z.string().nullish(),
    log_url: z.string().nullish(),
    environment_url: z.string().nullish(),
    creator: user,
    created_at: z.string().min(1),
  }),
  deployment: DeploymentSchema,
  repository: RepositorySchema,
  sender: user,
});

/** Environment names, so `checkout/production` can be told apart into service and environment. */
const ENVIRONMENT_WORDS = /^(prod|production|staging|stage|stg|dev|development|qa|test|testing|uat|preview|preprod|pre-prod|sandbox|demo|canary)$/i;

type Deployment = z.output<typeof DeploymentSchema>;

function payloadObject(p: Deployment["payload"]): Record<string, unknown> {
  if (p && typeof p === "object") return p;
  if (typeof p === "string" && p.trim().startsWith("{")) {
    try {
      const v: unknown = JSON.parse(p);
      if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // a free-text payload: nothing to read from it
    }
  }
  return {};
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/**
 * Which service a deployment is about, first match wins:
 * 1. `payload.service` (or `payload.app`) — set it when one repository deploys several services;
 * 2. an environment written `<service>/<env>` or `<env>/<service>` (the part that is not an
 *    environment word such as production, staging, dev …);
 * 3. the repository name, lower-cased (Kubernetes names are lower case).
 * The environment is the rest of (2), else the whole `environment`.
 */
export function githubServiceOf(d: Deployment, repoName: string): { service: string; environment: string } {
  const payload = payloadObject(d.payload);
  const parts = d.environment.split("/").map((s) => s.trim());
  let envService: string | undefined;
  let environment = d.environment;
  if (parts.length === 2 && parts[0] && parts[1]) {
    if (ENVIRONMENT_WORDS.test(parts[1]) && !ENVIRONMENT_WORDS.test(parts[0])) [envService, environment] = [parts[0], parts[1]];
    else if (ENVIRONMENT_WORDS.test(parts[0]) && !ENVIRONMENT_WORDS.test(parts[1])) [envService, environment] = [parts[1], parts[0]];
  }
  return { service: str(payload.service) ?? str(payload.app) ?? envService ?? repoName.toLowerCase(), environment };
}

/** `payload.version`, else a tag-like ref (`v1.2.3`, `refs/tags/…`), else the first 12 characters of the sha. */
export function githubVersionOf(d: Deployment): string {
  const v = str(payloadObject(d.payload).version);
  if (v) return v;
  const tag = d.ref.replace(/^refs\/tags\//, "");
  if (d.ref.startsWith("refs/tags/") || /^v?\d+(\.\d+)+([-+.][\w.-]+)?$/.test(tag)) return tag;
  return d.sha.slice(0, 12);
}

function change(d: Deployment, repo: z.output<typeof RepositorySchema>, field: string, status: string, extra: Partial<ChangeEvent>): ChangeEvent {
  const { service, environment } = githubServiceOf(d, repo.name);
  return checkChange(
    NAME,
    compact({
      // One change per deployment: its status deliveries carry the same id (upsert, latest status wins).
      id: `github:deployment:${d.id}`,
      source: NAME,
      kind: /rollback/i.test(d.task ?? "") || payloadObject(d.payload).rollback === true ? "rollback" : "deploy",
      service,
      version: githubVersionOf(d),
      environment,
      status,
      author: d.creator?.login,
      description: d.description ?? undefined,
      url: repo.html_url ? `${repo.html_url}/deployments` : undefined,
      at: toIso(NAME, `${field}.created_at`, d.created_at)!,
      ...extra,
    }) as ChangeEvent,
    field,
  );
}

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  return verifyHmacHeader(req, "x-hub-signature-256", "sha256=", secrets.githubSecret);
}

function parse(req: ReceivedWebhook): ParsedDelivery {
  const event = header(req, "x-github-event");
  const raw = parseJsonBody(NAME, req);
  const deliveryId = header(req, "x-github-delivery") ?? stableHash(req.body);
  if (!event) throw new WebhookParseError(NAME, "X-GitHub-Event", "header required");
  if (event === "deployment") {
    const body = parseWith(NAME, DeploymentEventSchema, raw);
    return { deliveryId, alerts: [], changes: [change(body.deployment, body.repository, "deployment", "created", {})] };
  }
  if (event === "deployment_status") {
    const body = parseWith(NAME, DeploymentStatusEventSchema, raw);
    const s = body.deployment_status;
    const url = str(s.log_url) ?? str(s.target_url) ?? str(s.environment_url);
    return {
      deliveryId,
      alerts: [],
      changes: [change(body.deployment, body.repository, "deployment", s.state, compact({ url, description: str(s.description) ?? body.deployment.description ?? undefined }))],
    };
  }
  return { deliveryId, alerts: [], changes: [], ignored: [`${event} events are not used`] };
}

/** 1 MiB: deployment events are a few KiB (GitHub caps any payload at 25 MB). */
export const github: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 1024 * 1024, secrets: SECRETS, verify, parse };
