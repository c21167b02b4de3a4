import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import { defaultJiraMapping } from "./field-mapping.ts";
import type { JiraFieldMapping } from "./field-mapping.ts";
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

/**
 * The JiraPort over `jira-client`, loaded at its first call: the client (and its HTTP stack) costs
 * ~0.13 s of CPU to import, and the product is ready (webhooks stored) before anything writes to Jira.
 */
export function createJiraPort(config: Config, sandboxUrl: string, logger: Logger, mapping: Partial<JiraFieldMapping> = {}): JiraPort {
  const options = { ...jiraAdapterOptions(config.jira, sandboxUrl, mapping), logger: logger.child({ integration: "jira" }) };
  let port: Promise<JiraPort> | undefined;
  const jira = () => (port ??= import("./jira-client-adapter.ts").then((m) => m.createJiraClientAdapter(options)));
  return {
    createIssue: async (...a) => (await jira()).createIssue(...a),
    findIncidentIssue: async (...a) => (await jira()).findIncidentIssue(...a),
    getIssue: async (...a) => (await jira()).getIssue(...a),
    updateFields: async (...a) => (await jira()).updateFields(...a),
    transitionTo: async (...a) => (await jira()).transitionTo(...a),
    addComment: async (...a) => (await jira()).addComment(...a),
    markedComments: async (...a) => (await jira()).markedComments(...a),
    updateComment: async (...a) => (await jira()).updateComment(...a),
    addRemoteLink: async (...a) => (await jira()).addRemoteLink(...a),
    createLinkedIssue: async (...a) => (await jira()).createLinkedIssue(...a),
    whoAmI: async (...a) => (await jira()).whoAmI(...a),
    findUserByEmail: async (...a) => (await jira()).findUserByEmail(...a),
  };
}
