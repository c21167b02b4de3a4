import { readFileSync } from "node:fs";
import type { Config } from "../config.ts";
import type { SourceSecrets } from "../ingest/types.ts";
import { pagerDutyWebhookSecrets } from "../integrations/pagerduty/config.ts";

/** The webhook secrets from config (the SNS certificate is read from its file once, at start). */
export function sourceSecrets(config: Config): SourceSecrets {
  const e = config.env;
  return {
    alertmanagerToken: e.ALERTMANAGER_WEBHOOK_TOKEN,
    alertmanagerBasicAuth: e.ALERTMANAGER_WEBHOOK_BASIC_AUTH,
    snsTopicArns: e.SNS_TOPIC_ARNS?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    // PAGERDUTY_WEBHOOK_SECRET may hold two comma-separated secrets during a rotation. Unset, the
    // deliveries are accepted unsigned like every other source's (docs/webhooks.md); the sandbox
    // still signs its webhooks, which is then simply not checked.
    pagerdutySecret: nonEmpty(config.pagerduty.webhookSecret ? pagerDutyWebhookSecrets(config.pagerduty) : []),
    githubSecret: e.GITHUB_WEBHOOK_SECRET,
    datadogSecret: e.DATADOG_WEBHOOK_SECRET,
    argocdSecret: e.ARGOCD_WEBHOOK_SECRET,
    genericSecret: e.GENERIC_WEBHOOK_SECRET,
    jiraSecret: e.JIRA_WEBHOOK_SECRET,
    snsCertificatePem: e.SNS_CERT_FILE ? readFileSync(e.SNS_CERT_FILE, "utf8") : undefined,
  };
}

const nonEmpty = (list: string[]): string[] | undefined => (list.length > 0 ? list : undefined);
