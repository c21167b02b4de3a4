import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Config } from "../config.ts";
import type { Clock } from "../domain/clock.ts";
import type { OutboxSender } from "../incident/outbox-sender.ts";
import type { SlackPort } from "../integrations/slack/slack-port.ts";
import type { KubernetesPort } from "../integrations/kubernetes/port.ts";
import type { MetricsPort } from "../integrations/prometheus/port.ts";
import type { Logger } from "../log.ts";
import type { Escalator } from "./ports.ts";
import type { Store } from "../store/store.ts";
import { KubernetesRemediation } from "./kubernetes-adapter.ts";
import { MetricsVerifier } from "./metrics-verifier.ts";
import { PolicySource } from "./policy-file.ts";
import type { RemediationPresenter } from "./presenter.ts";
import { RemediationService, type RemediationWorkspaces } from "./remediation-service.ts";
import { parseChannelRef } from "../integrations/slack/workspace-ref.ts";

/** What remediation reads of the per-workspace settings (AISRE_WORKSPACES_FILE). */
export interface RemediationWorkspaceSettings {
  /** The default workspace: its kill switch is the single-workspace one. */
  default?: string;
  workspaces: Record<string, { approvers?: string[]; policy?: string }>;
}

/** The example policy doubles as the sandbox's policy when AISRE_POLICY_FILE is unset. */
export const EXAMPLE_POLICY_FILE = fileURLToPath(new URL("../../policy.example.yaml", import.meta.url));

function policyFile(config: Config): string | undefined {
  if (config.env.AISRE_POLICY_FILE) return config.env.AISRE_POLICY_FILE;
  return config.kubernetes.mode === "sandbox" && existsSync(EXAMPLE_POLICY_FILE) ? EXAMPLE_POLICY_FILE : undefined;
}

/**
 * Remediation from config and the vendor ports: Kubernetes actions through the Kubernetes port,
 * verification from the metrics port, escalation through the PagerDuty sync (one paging path); each
 * absent port is reported on the card when it is needed ("no metrics source", "escalation unavailable").
 */
export function buildRemediation(
  config: Config,
  deps: {
    store: Store;
    slack: SlackPort;
    logger: Logger;
    outbox: OutboxSender;
    clock: Clock;
    kubernetes?: KubernetesPort;
    metrics?: MetricsPort;
    escalator?: Escalator;
    presenter?: RemediationPresenter;
    /** The local sandbox, when it runs: runbook hooks may point at it, and its namespace is the default target. */
    sandbox?: { url: string; namespace?: string };
    /** Per-workspace settings (AISRE_WORKSPACES_FILE): each workspace's policy file and approvers. */
    workspaces?: RemediationWorkspaceSettings;
    defaultChannel?: string;
  },
): RemediationService {
  const logger = deps.logger.child({ component: "remediation" });
  const file = policyFile(config);
  const policy = new PolicySource({ file, logger, watch: !!config.env.AISRE_POLICY_FILE });
  const ws = deps.workspaces;
  const policies = new Map<string, PolicySource>();
  for (const [team, w] of Object.entries(ws?.workspaces ?? {})) if (w.policy) policies.set(team, new PolicySource({ file: w.policy, logger: logger.child({ workspace: team }), watch: true }));
  const workspaces: RemediationWorkspaces | undefined =
    ws && Object.keys(ws.workspaces).length
      ? {
          async of(incidentId) {
            const channel = (await deps.store.incidents.get(incidentId))?.channel;
            return channel ? parseChannelRef(channel).teamId : undefined;
          },
          policy: (team) => policies.get(team),
          approvers: (team) => ws.workspaces[team]?.approvers,
          // A workspace with its own settings has its own kill switch; the default one keeps the single-workspace switch.
          ownSwitch: (team) => team !== ws.default && Object.hasOwn(ws.workspaces, team),
          close: () => {
            for (const p of policies.values()) p.close();
          },
        }
      : undefined;
  const namespace = config.kubernetes.namespaces?.[0] ?? (config.kubernetes.mode === "sandbox" ? deps.sandbox?.namespace : undefined) ?? "default";
  return new RemediationService({
    store: deps.store,
    slack: deps.slack,
    logger,
    policy,
    defaultChannel: deps.defaultChannel ?? config.incidentChannel,
    outbox: deps.outbox,
    ...(workspaces ? { workspaces } : {}),
    clock: deps.clock,
    presenter: deps.presenter,
    ports: {
      kubernetes: deps.kubernetes ? new KubernetesRemediation(deps.kubernetes, deps.clock) : undefined,
      verifier: deps.metrics ? new MetricsVerifier(deps.metrics) : undefined,
      escalator: deps.escalator,
      sandboxUrl: deps.sandbox?.url,
      namespace,
    },
  });
}
