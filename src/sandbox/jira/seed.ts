import { JIRA_SANDBOX_ACCOUNT } from "../../integrations/jira/sandbox-account.ts";
import { SANDBOX_PEOPLE } from "../pagerduty/people.ts";
import type { FieldRecord, IssueLinkTypeRecord, IssueTypeRecord, JiraUserRecord, PriorityRecord, ProjectRecord, StatusCategory, StatusRecord, TransitionRecord } from "./model.ts";

/** The sandbox Jira site: the OPS project for incidents, ENG for follow-up work, a simple workflow. */

export const USERS: JiraUserRecord[] = [
  { accountId: JIRA_SANDBOX_ACCOUNT.accountId, displayName: JIRA_SANDBOX_ACCOUNT.displayName, email: JIRA_SANDBOX_ACCOUNT.email, accountType: "atlassian" },
  ...SANDBOX_PEOPLE.map((p) => ({ accountId: `712020:${p.handle}`, displayName: p.name, email: p.email, slackUserId: p.slackUserId, accountType: "atlassian" as const })),
];

const NEW: StatusCategory = { id: 2, key: "new", colorName: "blue-gray", name: "To Do" };
const IN_PROGRESS: StatusCategory = { id: 4, key: "indeterminate", colorName: "yellow", name: "In Progress" };
const DONE: StatusCategory = { id: 3, key: "done", colorName: "green", name: "Done" };

export const STATUSES: StatusRecord[] = [
  { id: "10000", name: "To Do", description: "Work that has not been started.", category: NEW },
  { id: "3", name: "In Progress", description: "This issue is being actively worked on.", category: IN_PROGRESS },
  { id: "10001", name: "Done", description: "Work that is finished.", category: DONE },
];

/** To Do → In Progress → Done, with the way back (Stop Progress, Reopen). */
export const TRANSITIONS: TransitionRecord[] = [
  { id: "21", name: "Start Progress", from: ["10000"], to: "3" },
  { id: "31", name: "Done", from: ["3"], to: "10001" },
  { id: "11", name: "Stop Progress", from: ["3"], to: "10000" },
  { id: "41", name: "Reopen", from: ["10001"], to: "10000" },
];

export const PRIORITIES: PriorityRecord[] = [
  { id: "1", name: "Highest", statusColor: "#d04437" },
  { id: "2", name: "High", statusColor: "#f15C75" },
  { id: "3", name: "Medium", statusColor: "#f79232" },
  { id: "4", name: "Low", statusColor: "#707070" },
  { id: "5", name: "Lowest", statusColor: "#999999" },
];

export const DEFAULT_PRIORITY_ID = "3";

export const RESOLUTIONS = [
  { id: "10000", name: "Done", description: "Work has been completed on this issue." },
  { id: "10001", name: "Won't Do", description: "This issue won't be actioned." },
  { id: "10002", name: "Duplicate", description: "The problem is a duplicate of an existing issue." },
  { id: "10003", name: "Cannot Reproduce", description: "This issue couldn't be reproduced." },
];

export const ISSUE_TYPES: IssueTypeRecord[] = [
  { id: "10001", name: "Incident", description: "A production incident.", subtask: false, hierarchyLevel: 0 },
  { id: "10002", name: "Task", description: "A task that needs to be done.", subtask: false, hierarchyLevel: 0 },
  { id: "10003", name: "Sub-task", description: "A small piece of work that's part of a larger task.", subtask: true, hierarchyLevel: -1 },
  { id: "10004", name: "Bug", description: "A problem or error.", subtask: false, hierarchyLevel: 0 },
];

export const LINK_TYPES: IssueLinkTypeRecord[] = [
  { id: "10000", name: "Blocks", inward: "is blocked by", outward: "blocks" },
  { id: "10001", name: "Cloners", inward: "is cloned by", outward: "clones" },
  { id: "10002", name: "Duplicate", inward: "is duplicated by", outward: "duplicates" },
  { id: "10003", name: "Relates", inward: "relates to", outward: "relates to" },
  { id: "10004", name: "Problem/Incident", inward: "is caused by", outward: "causes" },
];

const select = (id: string, name: string, values: string[], firstOptionId: number): FieldRecord => ({
  id,
  name,
  custom: true,
  kind: "select",
  schema: { type: "option", custom: "com.atlassian.jira.plugin.system.customfieldtypes:select", customId: Number(id.split("_")[1]) },
  options: values.map((value, i) => ({ id: String(firstOptionId + i), value })),
});

export const SEVERITY_FIELD_ID = "customfield_10040";
export const TIMELINE_FIELD_ID = "customfield_10041";
export const SERVICES_FIELD_ID = "customfield_10042";
export const INCIDENT_ID_FIELD_ID = "customfield_10043";
export const IMPACT_FIELD_ID = "customfield_10044";

export const FIELDS: FieldRecord[] = [
  { id: "summary", name: "Summary", custom: false, kind: "string", schema: { type: "string", system: "summary" } },
  { id: "description", name: "Description", custom: false, kind: "text", rich: true, schema: { type: "string", system: "description" } },
  { id: "project", name: "Project", custom: false, kind: "string", schema: { type: "project", system: "project" } },
  { id: "issuetype", name: "Issue Type", custom: false, kind: "string", schema: { type: "issuetype", system: "issuetype" } },
  { id: "status", name: "Status", custom: false, kind: "string", schema: { type: "status", system: "status" } },
  { id: "priority", name: "Priority", custom: false, kind: "string", schema: { type: "priority", system: "priority" } },
  { id: "assignee", name: "Assignee", custom: false, kind: "user", schema: { type: "user", system: "assignee" } },
  { id: "reporter", name: "Reporter", custom: false, kind: "user", schema: { type: "user", system: "reporter" } },
  { id: "labels", name: "Labels", custom: false, kind: "labels", schema: { type: "array", items: "string", system: "labels" } },
  { id: "duedate", name: "Due date", custom: false, kind: "date", schema: { type: "date", system: "duedate" } },
  { id: "parent", name: "Parent", custom: false, kind: "string", schema: { type: "issuelink", system: "parent" } },
  { id: "resolution", name: "Resolution", custom: false, kind: "string", schema: { type: "resolution", system: "resolution" } },
  select(SEVERITY_FIELD_ID, "Severity", ["SEV-1", "SEV-2", "SEV-3", "SEV-4"], 10100),
  {
    id: TIMELINE_FIELD_ID,
    name: "Incident timeline",
    custom: true,
    kind: "text",
    rich: true,
    schema: { type: "string", custom: "com.atlassian.jira.plugin.system.customfieldtypes:textarea", customId: 10041 },
  },
  {
    id: SERVICES_FIELD_ID,
    name: "Affected services",
    custom: true,
    kind: "labels",
    schema: { type: "array", items: "string", custom: "com.atlassian.jira.plugin.system.customfieldtypes:labels", customId: 10042 },
  },
  {
    id: INCIDENT_ID_FIELD_ID,
    name: "Incident ID",
    custom: true,
    kind: "string",
    schema: { type: "string", custom: "com.atlassian.jira.plugin.system.customfieldtypes:textfield", customId: 10043 },
  },
  select(IMPACT_FIELD_ID, "Customer impact", ["Customers affected", "Internal only", "None"], 10200),
];

/** Fields that can be set on create and edit for every issue type (besides the custom ones below). */
export const SYSTEM_EDITABLE = ["summary", "description", "priority", "assignee", "reporter", "labels", "duedate"];

/** Custom fields on the Incident screens; other issue types have none. */
export const INCIDENT_CUSTOM_FIELDS = [SEVERITY_FIELD_ID, TIMELINE_FIELD_ID, SERVICES_FIELD_ID, INCIDENT_ID_FIELD_ID, IMPACT_FIELD_ID];

/**
 * The projects. `requiredFields` overrides, per issue type name, which custom fields OPS requires on
 * create (by default an Incident needs a Severity).
 */
export function seedProjects(requiredFields?: Record<string, string[]>): ProjectRecord[] {
  const bot = JIRA_SANDBOX_ACCOUNT.accountId;
  const required: Record<string, string[]> = { "10001": [SEVERITY_FIELD_ID] };
  if (requiredFields) {
    for (const key of Object.keys(required)) delete required[key];
    for (const [typeName, ids] of Object.entries(requiredFields)) {
      const type = ISSUE_TYPES.find((t) => t.name.toLowerCase() === typeName.toLowerCase());
      if (!type) throw new Error(`unknown Jira issue type "${typeName}" in requiredFields (known: ${ISSUE_TYPES.map((t) => t.name).join(", ")})`);
      required[type.id] = ids;
    }
  }
  return [
    {
      id: "10000",
      key: "OPS",
      name: "Operations",
      leadAccountId: "712020:carol",
      issueTypeIds: ["10001", "10002", "10003", "10004"],
      requiredFields: required,
    },
    { id: "10001", key: "ENG", name: "Engineering", leadAccountId: bot, issueTypeIds: ["10002", "10003", "10004"], requiredFields: {} },
  ];
}
