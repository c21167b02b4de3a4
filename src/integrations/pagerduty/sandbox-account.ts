/**
 * What aisre uses against the local PagerDuty sandbox when PagerDuty is not configured. The
 * sandbox seeds the same token, routing key, From user and webhook secret, so the product's real
 * code path (@pagerduty/pdjs, signature checks) runs unchanged against it.
 */
export const PAGERDUTY_SANDBOX = {
  apiToken: "sandbox-pagerduty-token",
  /** A global (orchestration) routing key: events go to the shop service named in payload.component or payload.source. */
  routingKey: "R0AISRESANDBOXR0UT1NGKEY00000001",
  fromEmail: "aisre@example.com",
  webhookSecret: "sandbox-pagerduty-webhook-secret",
  webhookSubscriptionId: "PSUBAIS",
} as const;
