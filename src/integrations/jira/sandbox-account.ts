/**
 * The account aisre uses against the local Jira sandbox when no Jira credentials are configured.
 * The sandbox seeds this user, so the product's real code path (jira-client with Basic auth) works
 * unchanged against it.
 */
export const JIRA_SANDBOX_ACCOUNT = {
  accountId: "712020:aisre-bot",
  displayName: "aisre",
  email: "aisre@example.com",
  apiToken: "sandbox-jira-token",
} as const;
