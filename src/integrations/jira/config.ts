import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import { defaultJiraMapping } from "./field-mapping.ts";
import type { JiraFieldMapping } from "./field-mapping.ts";
import { createJiraClientAdapter } from "./jira-client-adapter.ts";
import type { JiraClientAdapterOptions } from "./jira-client-adapter.ts";
import type { JiraPort } from "./port.ts";
import { JIRA_SANDBOX_ACCOUNT } from "./sandbox-account.ts";

/**
 * Adapter options from configuration: the real site with JIRA_BASE_URL, JIRA_EMAIL and
 * JIRA_API_TOKEN; otherwise the local sandbox at `<sandboxUrl>/jira` with its seeded account.
 */
export function jiraAdapterOptions(jira: Config["jira"], sandboxUrl: string, mapping: Partial<JiraFieldMapping> = {}): JiraClientAdapterOptions {
  const full: JiraFieldMapping = { ...defaultJiraMapping(jira.project, jira.issueType), ...mapping };
  if (jira.mode === "real" && jira.baseUrl) {
    return { baseUrl: jira.baseUrl, email: jira.email, apiToken: jira.apiToken, mapping: full };
  }
  return { baseUrl: `${sandboxUrl.replace(/\/+$/, "")}/jira`, email: JIRA_SANDBOX_ACCOUNT.email, apiToken: JIRA_SANDBOX_ACCOUNT.apiToken, mapping: full, strictSSL: false };
}

export function createJiraPort(config: Config, sandboxUrl: string, logger: Logger, mapping: Partial<JiraFieldMapping> = {}): JiraPort {
  return createJiraClientAdapter({ ...jiraAdapterOptions(config.jira, sandboxUrl, mapping), logger: logger.child({ integration: "jira" }) });
}
