import type { Severity } from "../../domain/alert.ts";
import { textToAdf } from "./adf.ts";
import { incidentLabel, type NewIncidentIssue } from "./port.ts";

/**
 * How an incident becomes a Jira issue on one site: project, issue type, severity → priority, which
 * custom fields hold severity, timeline, services and incident id (by name or id), and static
 * values for any other field the site requires. Pure: the site's create screen (createmeta) comes in
 * as a FieldCatalog.
 */

export interface JiraFieldMapping {
  project: string;
  issueType: string;
  priorityBySeverity: Record<Severity, string>;
  /** A select field holding the severity, with the option value for each severity. */
  severityField?: { field: string; values: Record<Severity, string> };
  timelineField?: string;
  servicesField?: string;
  incidentIdField?: string;
  labels: string[];
  /** Static values for other fields, by field name or id (e.g. a required "Customer impact"). */
  extraFields?: Record<string, unknown>;
  /** Where postmortem action items go, and how they link back to the incident issue. */
  followUp: { project?: string; issueType: string; linkType: string };
}

export function defaultJiraMapping(project: string, issueType: string): JiraFieldMapping {
  return {
    project,
    issueType,
    priorityBySeverity: { sev1: "Highest", sev2: "High", sev3: "Medium", sev4: "Low" },
    severityField: { field: "Severity", values: { sev1: "SEV-1", sev2: "SEV-2", sev3: "SEV-3", sev4: "SEV-4" } },
    timelineField: "Incident timeline",
    servicesField: "Affected services",
    incidentIdField: "Incident ID",
    labels: ["aisre", "incident"],
    followUp: { issueType: "Task", linkType: "Relates" },
  };
}

/** One field of a create screen, as createmeta describes it. */
export interface CatalogField {
  id: string;
  name: string;
  required: boolean;
  hasDefaultValue: boolean;
  schema: { type?: string; items?: string; system?: string; custom?: string };
  allowedValues?: Array<{ id?: string; value?: string; name?: string }>;
}

export type FieldCatalog = CatalogField[];

/** Parses createmeta field lists: the Cloud `fields` array, Data Center `values`, or the old map form. */
export function catalogFromCreateMeta(fields: unknown): FieldCatalog {
  const list = Array.isArray(fields) ? fields : fields && typeof fields === "object" ? Object.entries(fields as Record<string, Record<string, unknown>>).map(([id, f]) => ({ fieldId: id, ...f })) : [];
  return list.map((f: Record<string, unknown>) => ({
    id: String(f.fieldId ?? f.key ?? ""),
    name: String(f.name ?? f.fieldId ?? ""),
    required: f.required === true,
    hasDefaultValue: f.hasDefaultValue === true,
    schema: (f.schema ?? {}) as CatalogField["schema"],
    allowedValues: Array.isArray(f.allowedValues) ? (f.allowedValues as CatalogField["allowedValues"]) : undefined,
  }));
}

export function resolveField(catalog: FieldCatalog, idOrName: string): CatalogField | undefined {
  const lower = idOrName.toLowerCase();
  return catalog.find((f) => f.id === idOrName) ?? catalog.find((f) => f.name.toLowerCase() === lower);
}

const isRich = (f: CatalogField) => f.schema.system === "description" || (f.schema.custom ?? "").endsWith(":textarea") || f.schema.system === "environment";

/** A label-safe form of a word (Jira labels cannot contain spaces). */
export const toLabel = (s: string) => s.trim().replace(/\s+/g, "-");

/** The JSON a field takes for a plain value, by the field's schema. */
export function fieldValue(f: CatalogField, value: unknown, apiVersion: string): unknown {
  if (value === null || value === undefined) return null;
  if (f.schema.type === "option") return typeof value === "object" ? value : { value: String(value) };
  if (f.schema.type === "array" && f.schema.items === "string") return (Array.isArray(value) ? value : [value]).map((v) => toLabel(String(v)));
  if (f.schema.type === "array" && f.schema.items === "option") return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === "object" ? v : { value: String(v) }));
  if (f.schema.type === "string" && typeof value === "string" && isRich(f) && apiVersion === "3") return textToAdf(value);
  if (f.schema.type === "priority") return typeof value === "object" ? value : { name: String(value) };
  if (f.schema.type === "user") return typeof value === "object" ? value : { accountId: String(value) };
  return value;
}

export interface CreatePlan {
  fields: Record<string, unknown>;
  /** Problems that stop the create, each a sentence a user can act on. */
  problems: string[];
}

function checkAllowed(f: CatalogField, value: unknown, what: string, problems: string[]): void {
  if (!f.allowedValues || f.schema.type !== "option") return;
  const v = (value as { value?: string }).value;
  if (v !== undefined && !f.allowedValues.some((a) => a.value === v)) {
    problems.push(`${what}: "${v}" is not an option of the Jira field "${f.name}" (${f.id}); allowed: ${f.allowedValues.map((a) => a.value).join(", ")}.`);
  }
}

/** The create request for an incident, checked against the create screen. */
export function planIncidentIssue(input: NewIncidentIssue, mapping: JiraFieldMapping, catalog: FieldCatalog, apiVersion: string): CreatePlan {
  const problems: string[] = [];
  const fields: Record<string, unknown> = {
    project: { key: mapping.project },
    issuetype: { name: mapping.issueType },
    summary: input.title.length > 255 ? `${input.title.slice(0, 252)}...` : input.title,
  };
  const has = (id: string) => catalog.some((f) => f.id === id);
  const set = (idOrName: string | undefined, value: unknown, what: string) => {
    if (!idOrName || value === undefined) return;
    const f = resolveField(catalog, idOrName);
    if (!f) {
      problems.push(`${what}: the Jira mapping names the field "${idOrName}", which is not on the ${mapping.issueType} create screen of ${mapping.project}.`);
      return;
    }
    const v = fieldValue(f, value, apiVersion);
    checkAllowed(f, v, what, problems);
    fields[f.id] = v;
  };
  if (has("description")) set("description", input.description, "description");
  if (has("priority")) set("priority", mapping.priorityBySeverity[input.severity], "priority");
  if (has("labels")) set("labels", [...mapping.labels, incidentLabel(input.incidentId), ...(input.labels ?? [])], "labels");
  if (input.assigneeAccountId && has("assignee")) set("assignee", input.assigneeAccountId, "assignee");
  if (mapping.severityField) set(mapping.severityField.field, mapping.severityField.values[input.severity], "severity");
  set(mapping.timelineField, input.timeline, "timeline");
  set(mapping.servicesField, input.services.length ? input.services : undefined, "services");
  set(mapping.incidentIdField, input.incidentId, "incident id");
  for (const [name, value] of Object.entries(mapping.extraFields ?? {})) set(name, value, `extra field "${name}"`);

  for (const f of catalog) {
    if (!f.required || f.hasDefaultValue || f.id in fields) continue;
    const hint = f.allowedValues?.length ? ` Allowed values: ${f.allowedValues.map((a) => a.value ?? a.name).join(", ")}.` : "";
    problems.push(`Jira requires the field "${f.name}" (${f.id}) to create a ${mapping.issueType} in ${mapping.project}, and aisre's Jira mapping gives it no value. Map it (e.g. extraFields: {"${f.name}": …}).${hint}`);
  }
  return { fields, problems };
}

/** The create request for a postmortem action item (a sub-task of `parentKey` when the type is one). */
export function planFollowUpIssue(item: { summary: string; description?: string; assigneeAccountId?: string; dueDate?: string; labels?: string[] }, target: { project: string; issueType: string; subtask: boolean; parentKey: string }, labels: string[], catalog: FieldCatalog, apiVersion: string): CreatePlan {
  const problems: string[] = [];
  const fields: Record<string, unknown> = { project: { key: target.project }, issuetype: { name: target.issueType }, summary: item.summary.slice(0, 255) };
  if (target.subtask) fields.parent = { key: target.parentKey };
  const put = (id: string, value: unknown) => {
    const f = resolveField(catalog, id);
    if (f && value !== undefined) fields[f.id] = fieldValue(f, value, apiVersion);
  };
  put("description", item.description);
  put("labels", [...labels, ...(item.labels ?? [])]);
  put("assignee", item.assigneeAccountId);
  put("duedate", item.dueDate);
  for (const f of catalog) {
    if (f.required && !f.hasDefaultValue && !(f.id in fields)) {
      problems.push(`Jira requires the field "${f.name}" (${f.id}) to create a ${target.issueType} in ${target.project}; aisre's follow-up items do not fill it. Choose another issue type or project for follow-ups.`);
    }
  }
  return { fields, problems };
}
