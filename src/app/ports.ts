import { createRequire } from "node:module";
import type OpenAI from "openai";
import type { Config } from "../config.ts";
import { createJiraPort } from "../integrations/jira/config.ts";
import type { JiraFieldMapping } from "../integrations/jira/field-mapping.ts";
import type { JiraPort } from "../integrations/jira/port.ts";
import { lazyCloudWatch } from "../integrations/cloudwatch/lazy.ts";
import type { CloudWatchPort } from "../integrations/cloudwatch/port.ts";
import { lazyKubernetes } from "../integrations/kubernetes/lazy.ts";
import type { KubernetesPort } from "../integrations/kubernetes/port.ts";
import { createPagerDutyPort } from "../integrations/pagerduty/config.ts";
import type { PagerDutyPort } from "../integrations/pagerduty/port.ts";
import { PrometheusHttpMetrics } from "../integrations/prometheus/http-adapter.ts";
import type { MetricsPort } from "../integrations/prometheus/port.ts";
import type { Logger } from "../log.ts";
import { systemClock, type Clock } from "../domain/clock.ts";
import { redactingPort, sharedRedactor } from "../redact/redactor.ts";

/**
 * The vendor ports, built once from config: the real adapters, pointed at the local sandbox for
 * every part that is not configured. A port is absent when neither is available, and the toolsets
 * that need it disable themselves with the reason.
 */
export interface Ports {
  kubernetes?: KubernetesPort;
  metrics?: MetricsPort;
  cloudwatch?: CloudWatchPort;
  pagerduty?: PagerDutyPort;
  /** The OpenAI-compatible client (OPENAI_API_KEY), shared by the assistant, the postmortem narrator and the embedder. */
  openai?: OpenAI;
  /** Why a port is absent, by name. */
  missing: Record<string, string>;
}

export interface SandboxEndpoints {
  url: string;
  kubeconfigPath?: string;
  /** The simulated cluster's namespace (the default target of remediations). */
  namespace?: string;
}

/** Credentials the CloudWatch sandbox accepts (it checks the SigV4 shape, not the secret). */
const SANDBOX_AWS = { accessKeyId: "AKIASANDBOXAISRE0000", secretAccessKey: "sandbox-secret-access-key" };

export function buildPorts(config: Config, sandbox: SandboxEndpoints | undefined, logger: Logger, clock: Clock = systemClock): Ports {
  const missing: Record<string, string> = {};
  const ports: Ports = { missing };

  if (config.kubernetes.mode === "real") ports.kubernetes = lazyKubernetes(config.kubernetes.inCluster ? { inCluster: true } : { kubeconfigPath: config.kubernetes.kubeconfig! });
  else if (sandbox?.kubeconfigPath) ports.kubernetes = lazyKubernetes({ kubeconfigPath: sandbox.kubeconfigPath });
  else missing.kubernetes = "Kubernetes is not configured (set KUBECONFIG or AISRE_K8S_IN_CLUSTER)";

  if (config.prometheus.mode === "real") ports.metrics = new PrometheusHttpMetrics({ baseUrl: config.prometheus.url! });
  else if (sandbox?.kubeconfigPath) ports.metrics = new PrometheusHttpMetrics({ baseUrl: `${sandbox.url}/prometheus`, clock });
  else missing.prometheus = "Prometheus is not configured (set PROMETHEUS_URL)";

  if (config.cloudwatch.mode === "real") ports.cloudwatch = lazyCloudWatch({ region: config.cloudwatch.region!, endpoint: config.cloudwatch.endpoint });
  else if (sandbox?.kubeconfigPath) ports.cloudwatch = lazyCloudWatch({ region: "us-east-1", endpoint: `${sandbox.url}/cloudwatch`, credentials: SANDBOX_AWS });
  else missing.cloudwatch = "CloudWatch is not configured (set AWS_REGION)";

  if (config.pagerduty.mode === "real" || sandbox) ports.pagerduty = redactingPort(createPagerDutyPort(config, sandbox?.url ?? "", logger), sharedRedactor());
  else missing.pagerduty = "PagerDuty is not configured (set PAGERDUTY_API_TOKEN)";

  ports.openai = openAIClient(config);
  if (!ports.openai) missing.openai = "no language model (set OPENAI_API_KEY)";

  return ports;
}

/** The Jira port with the sync's field mapping: the real site when configured, else the local sandbox's; absent when neither. */
export function buildJiraPort(config: Config, sandbox: SandboxEndpoints | undefined, logger: Logger, mapping: Partial<JiraFieldMapping>): JiraPort | undefined {
  if (config.jira.mode !== "real" && !sandbox) return undefined;
  return createJiraPort(config, sandbox?.url ?? "", logger, mapping);
}

/** The one OpenAI-compatible client (OPENAI_API_KEY, OPENAI_BASE_URL); each user narrows timeouts and retries with `withOptions`. */
export function openAIClient(config: Config): OpenAI | undefined {
  if (!config.openai.enabled || !config.openai.apiKey) return undefined;
  // Loaded only when configured: the SDK costs a tenth of a second and tens of MB the default never uses.
  const { default: OpenAIClient } = createRequire(import.meta.url)("openai") as { default: typeof OpenAI };
  return new OpenAIClient({ apiKey: config.openai.apiKey, ...(config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : {}) });
}
