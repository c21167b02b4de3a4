import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SandboxEndpoints, Ports } from "../app/ports.ts";
import type { Config } from "../config.ts";
import type { Clock } from "../domain/clock.ts";
import type { OutboxSender } from "../incident/outbox-sender.ts";
import type { SlackPort } from "../integrations/slack/slack-port.ts";
import type { Logger } from "../log.ts";
import { NAMESPACE as SANDBOX_NAMESPACE } from "../sandbox/sim/catalog.ts";
import type { Store } from "../store/store.ts";
import { KubernetesRemediation } from "./kubernetes-adapter.ts";
import { MetricsVerifier } from "./metrics-verifier.ts";
import { PolicySource } from "./policy-file.ts";
import { RemediationService } from "./remediation-service.ts";

/** The example policy doubles as the sandbox's policy when AISRE_POLICY_FILE is unset. */
export const EXAMPLE_POLICY_FILE = fileURLToPath(new URL("../../policy.example.yaml", import.meta.url));

function policyFile(config: Config): string | undefined {
  if (config.env.AISRE_POLICY_FILE) return config.env.AISRE_POLICY_FILE;
  return config.kubernetes.mode === "sandbox" && existsSync(EXAMPLE_POLICY_FILE) ? EXAMPLE_POLICY_FILE : undefined;
}

/**
 * Remediation from config and the vendor ports: Kubernetes actions through the Kubernetes port,
 * verification from the metrics port. Escalation is attached by the PagerDuty sync (one paging
 * path); each absent port is reported on the card when it is needed ("no metrics source",
 * "escalation unavailable").
 */
export function buildRemediation(config: Config, deps: { store: Store; slack: SlackPort; logger: Logger; outbox: OutboxSender; ports: Ports; clock: Clock; sandbox?: SandboxEndpoints }): RemediationService {
  const logger = deps.logger.child({ component: "remediation" });
  const file = policyFile(config);
  const policy = new PolicySource({ file, logger, watch: !!config.env.AISRE_POLICY_FILE });
  const namespace = config.kubernetes.namespaces?.[0] ?? (config.kubernetes.mode === "sandbox" ? SANDBOX_NAMESPACE : "default");
  return new RemediationService({
    store: deps.store,
    slack: deps.slack,
    logger,
    policy,
    defaultChannel: config.incidentChannel,
    outbox: deps.outbox,
    clock: deps.clock,
    ports: {
      kubernetes: deps.ports.kubernetes ? new KubernetesRemediation(deps.ports.kubernetes) : undefined,
      verifier: deps.ports.metrics ? new MetricsVerifier(deps.ports.metrics) : undefined,
      sandboxUrl: deps.sandbox?.url,
      namespace,
    },
  });
}
