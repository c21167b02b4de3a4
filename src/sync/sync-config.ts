import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { SEVERITIES, type Severity } from "../domain/alert.ts";
import type { IncidentStatus } from "../domain/incident.ts";
import { defaultJiraMapping, type JiraFieldMapping } from "../integrations/jira/field-mapping.ts";
import { DEFAULT_OWNERSHIP, type Ownership } from "../integrations/jira/ownership.ts";
import type { PagerDutySeverity } from "../integrations/pagerduty/port.ts";
import type { PostmortemSettings } from "../postmortem/settings.ts";

/**
 * `AISRE_SYNC_FILE` (YAML): how incidents sync to Jira and PagerDuty, and what postmortems assume.
 * Every key is optional; with no file, every incident gets a Jira ticket and SEV1/SEV2 incidents page.
 *
 *   jira:
 *     enabled: true
 *     ticketFor: [sev1, sev2, sev3, sev4]     # severities that get a ticket
 *     mapping:                                 # JiraFieldMapping (field names or ids)
 *       priorityBySeverity: { sev1: Highest, sev2: High, sev3: Medium, sev4: Low }
 *       severityField: { field: Severity, values: { sev1: SEV-1, sev2: SEV-2, sev3: SEV-3, sev4: SEV-4 } }
 *       timelineField: Incident timeline
 *       extraFields: { "Customer impact": "Being assessed" }   # required fields of your site
 *       followUp: { project: ENG, issueType: Task, linkType: Relates }
 *     statusFor: { open: To Do, acknowledged: In Progress, resolved: Done }
 *     ownership: { labels: aisre }             # fields aisre owns beyond status/priority/severity/timeline
 *     debounceMs: 2000
 *   pagerduty:
 *     enabled: true
 *     pageFor: [sev1, sev2]                    # severities paged when the incident opens
 *     routingKey: R0…                          # default Events API v2 key (else PAGERDUTY_ROUTING_KEY)
 *     services:
 *       payments: { routingKey: R0…, pageFor: [sev1, sev2, sev3] }
 *     severity: { sev1: critical, sev2: error, sev3: warning, sev4: info }
 *   postmortem:
 *     onResolve: true
 *     slo: { objective: 99.9, windowDays: 30 }
 *     services: { payments: { objective: 99.95 } }
 *     actionItemDueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 }
 */

const severities = z.array(z.enum(SEVERITIES as unknown as [Severity, ...Severity[]]));
const bySeverity = <T extends z.ZodType>(v: T) => z.strictObject({ sev1: v, sev2: v, sev3: v, sev4: v });

const mappingSchema = z.strictObject({
  project: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]+$/, { error: "expected a Jira project key such as OPS" })
    .optional(),
  issueType: z.string().min(1).optional(),
  priorityBySeverity: bySeverity(z.string().min(1)).optional(),
  severityField: z
    .strictObject({ field: z.string().min(1), values: bySeverity(z.string().min(1)) })
    .nullable()
    .optional(),
  timelineField: z.string().min(1).nullable().optional(),
  servicesField: z.string().min(1).nullable().optional(),
  incidentIdField: z.string().min(1).nullable().optional(),
  labels: z.array(z.string().min(1)).optional(),
  extraFields: z.record(z.string(), z.unknown()).optional(),
  followUp: z.strictObject({ project: z.string().optional(), issueType: z.string().min(1).default("Task"), linkType: z.string().min(1).default("Relates") }).optional(),
});

const jiraSchema = z.strictObject({
  enabled: z.boolean().default(true),
  ticketFor: severities.default([...SEVERITIES]),
  mapping: mappingSchema.default({}),
  statusFor: z.strictObject({ open: z.string().min(1), acknowledged: z.string().min(1), resolved: z.string().min(1) }).default({ open: "To Do", acknowledged: "In Progress", resolved: "Done" }),
  ownership: z.partialRecord(z.enum(["status", "summary", "description", "priority", "severity", "timeline", "labels", "assignee"]), z.enum(["aisre", "human"])).default({}),
  debounceMs: z.number().int().min(0).default(2_000),
  maxDelayMs: z.number().int().min(0).default(10_000),
});

const pdSeverity = z.enum(["critical", "error", "warning", "info"]);

const pagerdutySchema = z.strictObject({
  enabled: z.boolean().default(true),
  pageFor: severities.default(["sev1", "sev2"]),
  routingKey: z
    .string()
    .regex(/^[A-Za-z0-9]{32}$/, { error: "expected a 32-character Events API v2 routing key" })
    .optional(),
  services: z
    .record(
      z.string(),
      z.strictObject({
        routingKey: z
          .string()
          .regex(/^[A-Za-z0-9]{32}$/)
          .optional(),
        pageFor: severities.optional(),
        pdService: z.string().optional(),
      }),
    )
    .default({}),
  severity: bySeverity(pdSeverity).default({ sev1: "critical", sev2: "error", sev3: "warning", sev4: "info" }),
  oncallCacheMs: z.number().int().min(0).default(60_000),
});

const sloSchema = z.strictObject({ objective: z.number().gt(0).lt(100), windowDays: z.number().int().positive().default(30) });

const postmortemSchema = z.strictObject({
  onResolve: z.boolean().default(true),
  slo: sloSchema.default({ objective: 99.9, windowDays: 30 }),
  services: z.record(z.string(), sloSchema.partial()).default({}),
  actionItemDueDays: bySeverity(z.number().int().positive()).default({ sev1: 7, sev2: 14, sev3: 30, sev4: 30 }),
});

export const syncFileSchema = z.strictObject({
  jira: jiraSchema.default(jiraSchema.parse({})),
  pagerduty: pagerdutySchema.default(pagerdutySchema.parse({})),
  postmortem: postmortemSchema.default(postmortemSchema.parse({})),
});

export type SyncFile = z.infer<typeof syncFileSchema>;

/**
 * How often, at most, alerts and other incident changes refresh a ticket's "Incident timeline" field
 * while they keep coming (a storm): the field is built from the incident's key timeline entries (a
 * store read of ~25 ms on the embedded database), and Jira's writes are batched over 10 s anyway.
 * Status and severity changes (the resolve among them) still refresh it at once.
 */
export const JIRA_TIMELINE_EVERY_MS = 10_000;

export interface JiraSyncSettings {
  enabled: boolean;
  ticketFor: Severity[];
  mapping: JiraFieldMapping;
  statusFor: Record<IncidentStatus, string>;
  ownership: Ownership;
  debounceMs: number;
  maxDelayMs: number;
}

export interface PagerDutySyncSettings {
  enabled: boolean;
  pageFor: Severity[];
  routingKey?: string;
  services: Record<string, { routingKey?: string; pageFor?: Severity[]; pdService?: string }>;
  severity: Record<Severity, PagerDutySeverity>;
  oncallCacheMs: number;
}

export type { PostmortemSettings };

export interface SyncSettings {
  jira: JiraSyncSettings;
  pagerduty: PagerDutySyncSettings;
  postmortem: PostmortemSettings;
}

/** Settings from a parsed file (or none), the project and issue type coming from JIRA_PROJECT / JIRA_ISSUE_TYPE unless the file says otherwise. */
export function syncSettings(file: unknown, defaults: { project: string; issueType: string }): SyncSettings {
  const parsed = syncFileSchema.safeParse(file ?? {});
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; "));
  const f = parsed.data;
  const m = f.jira.mapping;
  const base = defaultJiraMapping(m.project ?? defaults.project, m.issueType ?? defaults.issueType);
  const mapping: JiraFieldMapping = {
    ...base,
    ...(m.priorityBySeverity ? { priorityBySeverity: m.priorityBySeverity } : {}),
    severityField: m.severityField === null ? undefined : (m.severityField ?? base.severityField),
    timelineField: m.timelineField === null ? undefined : (m.timelineField ?? base.timelineField),
    servicesField: m.servicesField === null ? undefined : (m.servicesField ?? base.servicesField),
    incidentIdField: m.incidentIdField === null ? undefined : (m.incidentIdField ?? base.incidentIdField),
    labels: m.labels ?? base.labels,
    extraFields: m.extraFields,
    followUp: m.followUp ? { project: m.followUp.project, issueType: m.followUp.issueType, linkType: m.followUp.linkType } : base.followUp,
  };
  return {
    jira: { enabled: f.jira.enabled, ticketFor: f.jira.ticketFor, mapping, statusFor: f.jira.statusFor, ownership: { ...DEFAULT_OWNERSHIP, ...f.jira.ownership }, debounceMs: f.jira.debounceMs, maxDelayMs: f.jira.maxDelayMs },
    pagerduty: { ...f.pagerduty },
    postmortem: { ...f.postmortem },
  };
}

/** Reads AISRE_SYNC_FILE; a wrong file stops start-up with the file name and the offending key. */
export function loadSyncSettings(file: string | undefined, defaults: { project: string; issueType: string }): SyncSettings {
  if (!file) return syncSettings({}, defaults);
  try {
    return syncSettings(parse(readFileSync(file, "utf8")), defaults);
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
