import { enableCompileCache } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validate as validCron } from "node-cron";
import { z } from "zod";
import { secretSpecs, webhookSources } from "./ingest/registry.ts";
import { jira as jiraSource } from "./ingest/sources/jira.ts";
import { pagerduty as pagerDutySource } from "./ingest/sources/pagerduty.ts";
import type { SecretSpec, WebhookSource } from "./ingest/types.ts";
import { builtInRedactor, compilePatterns } from "./redact/redactor.ts";

/**
 * The one reader of process.env. Every integration is optional: when its variables are unset the
 * product uses the local sandbox for it. A wrong value stops start-up with a message naming the
 * variable and the form it expects.
 */

const port = (fallback: number) => z.coerce.number({ error: "expected a port number (1-65535)" }).int({ error: "expected a port number (1-65535)" }).min(0, { error: "expected a port number (1-65535)" }).max(65535, { error: "expected a port number (1-65535)" }).default(fallback);

const url = (what: string) => z.url({ error: `expected ${what}` }).optional();
const nonEmpty = z.string().trim().min(1).optional();
const prefixed = (prefix: string) =>
  z
    .string()
    .startsWith(prefix, { error: `expected a value starting with "${prefix}"` })
    .optional();
const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""], { error: "expected true or false" })
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : ["1", "true", "yes"].includes(v)));

const cronExpression = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        return validCron(v);
      } catch {
        return false;
      }
    },
    { error: 'expected a cron expression such as "* * * * *" (every minute) or "*/30 * * * * *" (every 30 s)' },
  );

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const duration = (fallback: string) =>
  z
    .string()
    .regex(/^\d+(s|m|h|d)$/, { error: "expected a duration such as 90m, 24h or 3d" })
    .default(fallback)
    .transform((v) => Number(v.slice(0, -1)) * UNIT_MS[v.slice(-1) as keyof typeof UNIT_MS]);

const TOPOLOGY_SOURCES = ["kubernetes", "service-graph", "istio", "linkerd"] as const;

const envSchema = z.object({
  PORT: port(3000),
  SANDBOX_PORT: port(3001),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: url("an http(s) URL where the bot is reachable, e.g. https://aisre.example.com"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { error: "expected one of fatal, error, warn, info, debug, trace, silent" }).default("info"),
  /** json: one JSON object per line; pretty: readable lines; auto: pretty on a terminal, else json. */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"], { error: "expected auto, json or pretty" }).default("auto"),
  AISRE_DATA_DIR: z.string().min(1).default("./.aisre"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "expected a postgres:// or postgresql:// connection URL" })
    .refine((u) => URL.canParse(u), { error: "not a valid URL (check the host, port and %-encoding of the password)" })
    .optional(),
  AISRE_INCIDENT_CHANNEL: z
    .string()
    .regex(/^(#[a-z0-9_-]+|[CG][A-Z0-9]+)$/, { error: "expected a channel name like #incidents or a channel id like C0123456" })
    .default("#incidents"),
  AISRE_ROUTING_FILE: nonEmpty,
  AISRE_SERVICES_FILE: nonEmpty,
  AISRE_POLICY_FILE: nonEmpty,
  AISRE_SLIS_FILE: nonEmpty,
  /** SLI polling and anomaly detection (on unless false). */
  AISRE_POLL: bool,
  /** Age (hours) after which processed webhook deliveries, done incident events and sent Slack calls are deleted; a redelivery within it is still recognised. */
  AISRE_RETENTION_HOURS: z.coerce.number({ error: "expected hours (1-8760)" }).min(1).max(8760).default(24),
  /** Period of each replica's housekeeping (card and digest renders, auto-resolution), in ms. */
  AISRE_HOUSEKEEPING_MS: z.coerce.number({ error: "expected milliseconds (50-3600000)" }).int().min(50).max(3_600_000).default(500),
  /** node-cron expression of the poll (5 fields, or 6 with seconds); default every minute (faster in a sped-up sandbox). */
  AISRE_POLL_CRON: cronExpression.optional(),
  /** History fetched to warm the detectors when a replica becomes the poller, e.g. 24h, 90m. */
  AISRE_POLL_BACKFILL: z
    .string()
    .regex(/^\d+(s|m|h|d)$/, { error: "expected a duration such as 90m, 24h or 3d" })
    .default("24h")
    .transform((v) => Number(v.slice(0, -1)) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as "s" | "m" | "h" | "d"]),
  /** Topology discovery: which sources to ask (comma list of kubernetes, service-graph, istio, linkerd; "none": services.yaml only). */
  AISRE_TOPOLOGY_SOURCES: z
    .string()
    .trim()
    .default(TOPOLOGY_SOURCES.join(","))
    .transform((v) =>
      v === "none"
        ? []
        : v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
    )
    .refine((list) => list.every((s) => (TOPOLOGY_SOURCES as readonly string[]).includes(s)), { error: `expected a comma list of ${TOPOLOGY_SOURCES.join(", ")}, or none` }),
  /** node-cron schedule of topology discovery; default every 5 minutes (faster in a sped-up sandbox). */
  AISRE_TOPOLOGY_CRON: cronExpression.optional(),
  /** Edges and services no source has seen for this long are dropped. */
  AISRE_TOPOLOGY_MAX_AGE: duration("24h"),
  /** Lookback of the service-graph metric queries (a PromQL duration). */
  AISRE_TOPOLOGY_WINDOW: z
    .string()
    .regex(/^\d+(s|m|h|d)$/, { error: "expected a PromQL duration such as 15m or 1h" })
    .default("1h"),
  /** Bearer token required by the bot's read API (`GET /api/topology`) when set. */
  AISRE_API_TOKEN: nonEmpty,
  /** Severity of incidents opened by an anomaly (whether it pages is the SLI's `page` setting). */
  AISRE_ANOMALY_SEVERITY: z.enum(["sev1", "sev2", "sev3", "sev4"], { error: "expected sev1, sev2, sev3 or sev4" }).default("sev3"),
  /** Jira/PagerDuty sync and postmortem settings (YAML): field mapping, ownership, paging routes, SLOs. */
  AISRE_SYNC_FILE: nonEmpty,
  AISRE_RUNBOOKS_DIR: z.string().min(1).default("./runbooks"),
  AISRE_REDACT_PATTERNS: nonEmpty,

  SLACK_BOT_TOKEN: prefixed("xoxb-"),
  SLACK_SIGNING_SECRET: z
    .string()
    .regex(/^[0-9a-f]{32}$/i, { error: "expected the 32-character hex signing secret from the app's Basic Information page" })
    .optional(),
  SLACK_APP_TOKEN: prefixed("xapp-"),
  /** Socket Mode against the sandbox workspace (it hands out its own app-level token); implied by SLACK_APP_TOKEN. */
  SLACK_SOCKET_MODE: bool,
  /** OAuth v2 installs (several workspaces, org-wide, token rotation): the app's client id and secret (Basic Information). */
  SLACK_CLIENT_ID: z
    .string()
    .regex(/^\d+\.\d+$/, { error: "expected the app's client id, digits.digits (Basic Information)" })
    .optional(),
  SLACK_CLIENT_SECRET: nonEmpty,
  /** Signs the OAuth `state` (any long random string). */
  SLACK_STATE_SECRET: z.string().min(16, { error: "expected at least 16 characters" }).optional(),
  /** Bot scopes asked for at install (comma-separated); default: manifest.yml's. */
  SLACK_SCOPES: nonEmpty,
  /** The sandbox workspace installs the app through the OAuth v2 flow (/slack/install) instead of handing it a bot token. */
  SLACK_OAUTH: bool,
  /** YAML: per-workspace incident channel, approvers and policy, and which services' incidents go to which workspace. */
  AISRE_WORKSPACES_FILE: nonEmpty,

  KUBECONFIG: nonEmpty,
  AISRE_K8S_IN_CLUSTER: bool,
  AISRE_K8S_NAMESPACES: nonEmpty,

  PROMETHEUS_URL: url("the Prometheus base URL, e.g. http://prometheus:9090"),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "expected an AWS region such as us-east-1" })
    .optional(),
  CLOUDWATCH_ENDPOINT: url("an http(s) URL for a CloudWatch-compatible endpoint"),

  PAGERDUTY_API_TOKEN: nonEmpty,
  PAGERDUTY_ROUTING_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{32}$/, { error: "expected the 32-character integration (routing) key of an Events API v2 integration" })
    .optional(),
  PAGERDUTY_FROM_EMAIL: z.email({ error: "expected the email of a PagerDuty user (sent as the From header)" }).optional(),
  PAGERDUTY_API_URL: url("the PagerDuty REST base URL"),

  JIRA_BASE_URL: url("the Jira site URL, e.g. https://yourcompany.atlassian.net"),
  JIRA_EMAIL: z.email({ error: "expected the email of the Jira user that owns the API token" }).optional(),
  JIRA_API_TOKEN: nonEmpty,
  JIRA_PROJECT: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]+$/, { error: "expected a Jira project key such as OPS" })
    .default("OPS"),
  JIRA_ISSUE_TYPE: z.string().min(1).default("Incident"),

  OPENAI_API_KEY: nonEmpty,
  OPENAI_BASE_URL: url("an OpenAI-compatible base URL, e.g. https://api.openai.com/v1"),
  OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  OPENAI_EMBEDDING_MODEL: z.string().min(1).default("text-embedding-3-small"),
  /** Bounds of the assistant's LLM tool loop: model calls, tokens (prompt + completion) and time per question. */
  AISRE_LLM_MAX_STEPS: z.coerce.number({ error: "expected a whole number of model calls (1-20)" }).int().min(1).max(20).default(5),
  AISRE_LLM_MAX_TOKENS: z.coerce.number({ error: "expected a token budget (500-200000)" }).int().min(500).max(200_000).default(24_000),
  AISRE_LLM_TIMEOUT_MS: z.coerce.number({ error: "expected milliseconds (100-120000)" }).int().min(100).max(120_000).default(20_000),
  PINECONE_API_KEY: nonEmpty,
  PINECONE_INDEX: z.string().min(1).default("aisre"),

  AISRE_SANDBOX_URL: url("the URL of a running sandbox, for `aisre scenario` (default http://127.0.0.1:$SANDBOX_PORT)"),
  SIM_SPEED: z.coerce.number({ error: "expected a positive number (simulated seconds per real second)" }).positive({ error: "expected a positive number (simulated seconds per real second)" }).default(1),
  SIM_SEED: z.coerce.number().int().optional(),
  /** The simulated clock's first instant (ISO 8601) for a new simulation; default: now. Tests and evaluations pin it (traffic follows the time of day). */
  SIM_START: z
    .string()
    .refine((v) => Number.isFinite(Date.parse(v)), { error: "expected an ISO 8601 instant, e.g. 2025-03-10T18:00:00Z" })
    .transform((v) => Date.parse(v))
    .optional(),
  /** Off when a real Prometheus + Alertmanager scrape the simulation and deliver its alerts instead. */
  SIM_ALERT_DELIVERY: bool,
  /**
   * `npm start` runs the local sandbox (simulation, Slack, Jira, PagerDuty twins) as a child process
   * of its own, as the outside world it stands for (default, unset or true); false: inside the
   * product's process.
   */
  AISRE_SANDBOX_PROCESS: bool,
  /**
   * Webhooks are read, checked, made durable (the embedded store's door journal; on Postgres, the
   * deliveries table, over the thread's own connections) and answered on a thread of their own, so an
   * answer never waits behind processing. false: on the main thread.
   */
  AISRE_DOOR_THREAD: bool,
});

export type Env = z.infer<typeof envSchema>;

/**
 * The webhook sources' secrets are declared by the sources themselves (src/ingest/sources/, each
 * with its environment variable and form) and validated here like every other variable.
 */
function secretSchema(spec: SecretSpec): z.ZodType<string | undefined> {
  return spec.pattern
    ? z
        .string()
        .regex(spec.pattern.regex, { error: `expected ${spec.pattern.expected}` })
        .optional()
    : nonEmpty;
}

function webhookSecretsSchema(sources: readonly WebhookSource[]) {
  return z.object(Object.fromEntries(secretSpecs(sources).map(({ spec }) => [spec.env, secretSchema(spec)])));
}

/** Every environment variable the product reads with these webhook sources. */
export function envVariables(sources: readonly WebhookSource[] = webhookSources): string[] {
  return [...Object.keys(envSchema.shape), ...secretSpecs(sources).map(({ spec }) => spec.env)];
}

/** Every environment variable the product reads (the deployment manifests may set no other). */
export const ENV_VARIABLES: readonly string[] = envVariables();

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export type PartMode = "real" | "sandbox";

export interface Config {
  env: Env;
  /** The webhook sources' secrets as set (raw, validated), by environment variable; read by `sourceSecrets(config)`. */
  webhookSecrets: Readonly<Record<string, string>>;
  port: number;
  sandboxPort: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  logLevel: string;
  logFormat: "auto" | "json" | "pretty";
  incidentChannel: string;
  slack: {
    mode: PartMode;
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    socketMode: boolean;
    /** OAuth v2 installs (tokens per workspace from the InstallationStore) instead of one bot token. */
    oauth?: { clientId?: string; clientSecret?: string; stateSecret?: string; scopes: string[] };
  };
  kubernetes: { mode: PartMode; kubeconfig?: string; inCluster: boolean; namespaces?: string[] };
  prometheus: { mode: PartMode; url?: string };
  cloudwatch: { mode: PartMode; region?: string; endpoint?: string };
  pagerduty: { mode: PartMode; apiToken?: string; routingKey?: string; webhookSecret?: string; fromEmail?: string; apiUrl?: string };
  jira: { mode: PartMode; baseUrl?: string; email?: string; apiToken?: string; project: string; issueType: string; webhookSecret?: string };
  openai: { enabled: boolean; apiKey?: string; baseUrl?: string; model: string; embeddingModel: string; loop: { maxSteps: number; maxTokens: number; timeoutMs: number } };
  pinecone: { enabled: boolean; apiKey?: string; index: string };
  /** True when at least one part runs on the local sandbox, which then has to be started. */
  needsSandbox: boolean;
}

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? "?");
  const got = env[name];
  const shown = got === undefined ? "unset" : /TOKEN|SECRET|KEY|PASSWORD/.test(name) ? "a value of the wrong form" : JSON.stringify(maskCredentials(got));
  return `${name}: ${issue.message} (got ${shown})`;
}

/** The bot scopes manifest.yml declares (asked for at an OAuth install unless SLACK_SCOPES says otherwise). */
export const DEFAULT_BOT_SCOPES = [
  "app_mentions:read",
  "channels:history",
  "groups:history",
  "channels:read",
  "groups:read",
  "channels:join",
  "chat:write",
  "commands",
  "users:read",
  "users:read.email",
  "usergroups:read",
  "reactions:write",
  "pins:write",
  "bookmarks:write",
  "files:write",
  "assistant:write",
  "im:history",
  "links:read",
  "links:write",
];

/** Pairs that only make sense together: half a configuration is an error, not a silent sandbox. */
function crossChecks(e: Env): string[] {
  const problems: string[] = [];
  const pair = (a: keyof Env, b: keyof Env, why: string) => {
    if ((e[a] === undefined) !== (e[b] === undefined)) problems.push(`${String(e[a] === undefined ? a : b)}: required when ${String(e[a] === undefined ? b : a)} is set (${why})`);
  };
  if (e.SLACK_CLIENT_ID || e.SLACK_CLIENT_SECRET) {
    pair("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "OAuth installs need the client id and secret");
    if (!e.SLACK_SIGNING_SECRET) problems.push("SLACK_SIGNING_SECRET: required when SLACK_CLIENT_ID is set (requests from Slack are still signed)");
    if (!e.SLACK_STATE_SECRET) problems.push("SLACK_STATE_SECRET: required when SLACK_CLIENT_ID is set (it signs the install's state parameter)");
    if (e.SLACK_APP_TOKEN || e.SLACK_SOCKET_MODE) problems.push("SLACK_APP_TOKEN / SLACK_SOCKET_MODE: OAuth installs run over HTTP (/slack/install, /slack/oauth_redirect); unset one of them");
  } else pair("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "real Slack needs both the bot token and the signing secret");
  if (e.SLACK_OAUTH && e.SLACK_SOCKET_MODE) problems.push("SLACK_OAUTH: the sandbox's OAuth installs run over HTTP; unset SLACK_SOCKET_MODE");
  if (e.SLACK_APP_TOKEN && !e.SLACK_BOT_TOKEN) problems.push("SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set (Socket Mode still calls the Web API with the bot token)");
  if (e.JIRA_BASE_URL && (!e.JIRA_EMAIL || !e.JIRA_API_TOKEN)) problems.push("JIRA_EMAIL and JIRA_API_TOKEN: required when JIRA_BASE_URL is set (Jira Cloud uses email + API token)");
  if (e.PAGERDUTY_API_TOKEN && !e.PAGERDUTY_FROM_EMAIL) problems.push("PAGERDUTY_FROM_EMAIL: required when PAGERDUTY_API_TOKEN is set (PagerDuty REST writes need a From header)");
  for (const error of compilePatterns(e.AISRE_REDACT_PATTERNS).errors) problems.push(`AISRE_REDACT_PATTERNS: ${error}; fix or remove it (redaction must not silently lose a rule)`);
  if (e.PINECONE_API_KEY && !e.OPENAI_API_KEY) problems.push("OPENAI_API_KEY: required when PINECONE_API_KEY is set (vectors come from the OpenAI embeddings API)");
  return problems;
}

/**
 * Node's compile cache (type-stripped and compiled modules, in the temp folder), for this thread and
 * for every worker thread and child process started after: Node hands it on only through
 * NODE_COMPILE_CACHE, not from enableCompileCache. A worker whose modules are all in the cache never
 * loads Node's TypeScript stripper (SWC compiled to WebAssembly) — one WebAssembly runtime fewer per
 * thread, and V8's WebAssembly code registry has crashed whole processes (SIGTRAP) when worker threads
 * start and stop it beside other WebAssembly (PGlite) in the process.
 */
export function enableCompileCacheForAllThreads(): void {
  process.env.NODE_COMPILE_CACHE ||= join(tmpdir(), "node-compile-cache"); // Node's own default folder
  enableCompileCache(process.env.NODE_COMPILE_CACHE);
}

/** The process environment with `overrides` on top: how an entry point hands the environment on (to a child process, or to a second loadConfig) without reading process.env itself. */
export function processEnv(overrides: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...process.env, ...overrides };
}

/** `sources`: the webhook sources whose secrets are read (the registry's unless a test adds its own). */
export function loadConfig(env: Record<string, string | undefined> = process.env, sources: readonly WebhookSource[] = webhookSources): Config {
  const parsed = envSchema.safeParse(env);
  const secrets = webhookSecretsSchema(sources).safeParse(env);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...(secrets.success ? [] : secrets.error.issues)];
  if (!parsed.success || !secrets.success) throw new ConfigError(issues.map((i) => describeIssue(i, env)));
  const e = parsed.data;
  const webhookSecrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(secrets.data)) if (typeof value === "string") webhookSecrets[name] = value;
  const problems = crossChecks(e);
  if (problems.length > 0) throw new ConfigError(problems);

  const mode = (real: boolean): PartMode => (real ? "real" : "sandbox");
  const config: Config = {
    env: e,
    webhookSecrets,
    port: e.PORT,
    sandboxPort: e.SANDBOX_PORT,
    host: e.HOST,
    dataDir: e.AISRE_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    incidentChannel: e.AISRE_INCIDENT_CHANNEL,
    slack: {
      mode: mode(!!e.SLACK_BOT_TOKEN || !!e.SLACK_CLIENT_ID),
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      socketMode: !!e.SLACK_APP_TOKEN || e.SLACK_SOCKET_MODE === true,
      // Real Slack with a client id, or the sandbox asked to install through OAuth; a bot token alone keeps single-token mode.
      ...(e.SLACK_CLIENT_ID || (!e.SLACK_BOT_TOKEN && e.SLACK_OAUTH)
        ? {
            oauth: {
              clientId: e.SLACK_CLIENT_ID,
              clientSecret: e.SLACK_CLIENT_SECRET,
              stateSecret: e.SLACK_STATE_SECRET,
              scopes: (e.SLACK_SCOPES ?? DEFAULT_BOT_SCOPES.join(","))
                .split(",")
                .map((x) => x.trim())
                .filter(Boolean),
            },
          }
        : {}),
    },
    kubernetes: { mode: mode(!!e.KUBECONFIG || !!e.AISRE_K8S_IN_CLUSTER), kubeconfig: e.KUBECONFIG, inCluster: !!e.AISRE_K8S_IN_CLUSTER, namespaces: e.AISRE_K8S_NAMESPACES?.split(",").map((s) => s.trim()) },
    prometheus: { mode: mode(!!e.PROMETHEUS_URL), url: e.PROMETHEUS_URL },
    cloudwatch: { mode: mode(!!e.AWS_REGION), region: e.AWS_REGION, endpoint: e.CLOUDWATCH_ENDPOINT },
    pagerduty: { mode: mode(!!e.PAGERDUTY_API_TOKEN || !!e.PAGERDUTY_ROUTING_KEY), apiToken: e.PAGERDUTY_API_TOKEN, routingKey: e.PAGERDUTY_ROUTING_KEY, webhookSecret: webhookSecrets[pagerDutySource.secrets.pagerdutySecret.env], fromEmail: e.PAGERDUTY_FROM_EMAIL, apiUrl: e.PAGERDUTY_API_URL },
    jira: { mode: mode(!!e.JIRA_BASE_URL), baseUrl: e.JIRA_BASE_URL, email: e.JIRA_EMAIL, apiToken: e.JIRA_API_TOKEN, project: e.JIRA_PROJECT, issueType: e.JIRA_ISSUE_TYPE, webhookSecret: webhookSecrets[jiraSource.secrets.jiraSecret.env] },
    openai: { enabled: !!e.OPENAI_API_KEY, apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL, embeddingModel: e.OPENAI_EMBEDDING_MODEL, loop: { maxSteps: e.AISRE_LLM_MAX_STEPS, maxTokens: e.AISRE_LLM_MAX_TOKENS, timeoutMs: e.AISRE_LLM_TIMEOUT_MS } },
    pinecone: { enabled: !!e.PINECONE_API_KEY, apiKey: e.PINECONE_API_KEY, index: e.PINECONE_INDEX },
    needsSandbox: false,
  };
  config.needsSandbox = [config.slack, config.kubernetes, config.prometheus, config.cloudwatch, config.pagerduty, config.jira].some((p) => p.mode === "sandbox");
  return config;
}

/** What `aisre config` prints: which parts are real and which sandboxed, never a secret. */
export function describeConfig(c: Config): Array<{ part: string; mode: string; detail: string }> {
  const set = (v: unknown) => (v ? "set" : "unset");
  return [
    {
      part: "slack",
      mode: c.slack.mode,
      detail:
        c.slack.mode === "real"
          ? c.slack.socketMode
            ? "Socket Mode (SLACK_APP_TOKEN set)"
            : `HTTP receiver on :${c.port}/slack/events${c.slack.oauth ? `, OAuth installs at :${c.port}/slack/install` : ""}`
          : `sandbox workspace on :${c.sandboxPort}${c.slack.socketMode ? " (Socket Mode)" : ""}${c.slack.oauth ? ` (OAuth install at :${c.port}/slack/install)` : ""}`,
    },
    { part: "database", mode: c.databaseUrl ? "real" : "embedded", detail: c.databaseUrl ? `Postgres at ${redactUrl(c.databaseUrl)}` : `PGlite in ${c.dataDir}` },
    { part: "kubernetes", mode: c.kubernetes.mode, detail: c.kubernetes.inCluster ? "in-cluster service account" : c.kubernetes.kubeconfig ? `kubeconfig ${c.kubernetes.kubeconfig}` : "simulated cluster" },
    { part: "prometheus", mode: c.prometheus.mode, detail: c.prometheus.url ? redactUrl(c.prometheus.url) : "simulated metrics" },
    { part: "cloudwatch", mode: c.cloudwatch.mode, detail: c.cloudwatch.region ? `region ${c.cloudwatch.region}${c.cloudwatch.endpoint ? ` via ${redactUrl(c.cloudwatch.endpoint)}` : ""}` : "simulated metrics" },
    { part: "pagerduty", mode: c.pagerduty.mode, detail: c.pagerduty.mode === "real" ? `API token ${set(c.pagerduty.apiToken)}, routing key ${set(c.pagerduty.routingKey)}, webhook secret ${set(c.pagerduty.webhookSecret)}` : "sandbox PagerDuty" },
    { part: "jira", mode: c.jira.mode, detail: c.jira.baseUrl ? `${redactUrl(c.jira.baseUrl)} project ${c.jira.project}` : `sandbox Jira, project ${c.jira.project}` },
    { part: "openai", mode: c.openai.enabled ? "real" : "off", detail: c.openai.enabled ? `model ${c.openai.model}${c.openai.baseUrl ? ` at ${redactUrl(c.openai.baseUrl)}` : ""}` : "deterministic answers only" },
    { part: "pinecone", mode: c.pinecone.enabled ? "real" : "off", detail: c.pinecone.enabled ? `index ${c.pinecone.index}` : "Postgres full-text search only" },
  ];
}

/** A URL as it may be shown: its password (and any secret in its query) masked. */
export function redactUrl(u: string): string {
  try {
    const parsed = new URL(u);
    if (parsed.password) parsed.password = "***";
    for (const k of [...parsed.searchParams.keys()]) if (/token|secret|key|pass|sig|auth/i.test(k)) parsed.searchParams.set(k, "***");
    return parsed.toString();
  } catch {
    return maskCredentials(u);
  }
}

/** Credentials inside any text that may hold URLs (`scheme://user:password@` → `scheme://user:***@`). */
export function maskCredentials(text: string): string {
  return builtInRedactor.text(text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@]*@/gi, "$1***@"), "secrets");
}
