import { describe, expect, it } from "vitest";
import { textToAdf, adfToText } from "../../../src/integrations/jira/adf.ts";
import { parseRetryAfter, toJiraApiError } from "../../../src/integrations/jira/errors.ts";
import { catalogFromCreateMeta, defaultJiraMapping, planIncidentIssue } from "../../../src/integrations/jira/field-mapping.ts";
import { nextTransition } from "../../../src/integrations/jira/transition-path.ts";

const catalog = catalogFromCreateMeta([
  { fieldId: "summary", name: "Summary", required: true, schema: { type: "string", system: "summary" } },
  { fieldId: "description", name: "Description", required: false, schema: { type: "string", system: "description" } },
  { fieldId: "priority", name: "Priority", required: false, hasDefaultValue: true, schema: { type: "priority", system: "priority" } },
  { fieldId: "labels", name: "Labels", required: false, schema: { type: "array", items: "string", system: "labels" } },
  { fieldId: "customfield_1", name: "Severity", required: true, schema: { type: "option", custom: "x:select" }, allowedValues: [{ value: "SEV-1" }, { value: "SEV-2" }, { value: "SEV-3" }, { value: "SEV-4" }] },
  { fieldId: "customfield_2", name: "Incident timeline", required: false, schema: { type: "string", custom: "x:textarea" } },
  { fieldId: "customfield_3", name: "Team", required: true, schema: { type: "option", custom: "x:select" }, allowedValues: [{ value: "SRE" }, { value: "Payments" }] },
]);

const input = { incidentId: "INC-1", title: "Payments down", description: "all card payments fail", severity: "sev1" as const, services: ["payments"], timeline: "10:00 page" };

describe("Jira field mapping", () => {
  it("maps severity to priority and the severity option, and names each unmapped required field", () => {
    const plan = planIncidentIssue(input, { ...defaultJiraMapping("OPS", "Incident"), servicesField: undefined, incidentIdField: undefined }, catalog, "2");
    expect(plan.fields).toMatchObject({ summary: "Payments down", priority: { name: "Highest" }, customfield_1: { value: "SEV-1" }, customfield_2: "10:00 page", labels: ["aisre", "incident", "aisre-INC-1"] });
    expect(plan.problems).toEqual([expect.stringContaining(`Jira requires the field "Team" (customfield_3)`)]);
    expect(plan.problems[0]).toContain("Allowed values: SRE, Payments.");
  });

  it("uses ADF for rich text on v3 and reports mapped fields missing from the screen", () => {
    const plan = planIncidentIssue(input, { ...defaultJiraMapping("OPS", "Incident"), extraFields: { Team: "SRE" } }, catalog, "3");
    expect(plan.fields.description).toEqual(textToAdf("all card payments fail"));
    expect(plan.fields.customfield_2).toEqual(textToAdf("10:00 page"));
    expect(plan.problems).toEqual([expect.stringContaining(`"Affected services"`), expect.stringContaining(`"Incident ID"`)]);
  });

  it("converts between text and ADF", () => {
    const doc = textToAdf("first line\nsecond line\n\nnext paragraph");
    expect(doc.content).toHaveLength(2);
    expect(adfToText(doc)).toBe("first line\nsecond line\n\nnext paragraph");
    expect(adfToText({ type: "doc", version: 1, content: [{ type: "bulletList", content: [{ type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "one" }] }] }] }] })).toBe("- one");
  });

  it("parses Retry-After and the transport's failures", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
    const e = toJiraApiError(new Error(JSON.stringify({ statusCode: 400, body: { errorMessages: [], errors: { summary: "You must specify a summary of the issue." } } })));
    expect(e).toMatchObject({ status: 400, retryable: false, errors: { summary: "You must specify a summary of the issue." } });
    expect(e.message).toBe("Jira answered 400: summary: You must specify a summary of the issue.");
    expect(toJiraApiError(new Error(JSON.stringify({ statusCode: 0, networkError: "ECONNREFUSED" })))).toMatchObject({ status: 0, retryable: true });
  });

  it("steps through the workflow towards a status it cannot reach directly", () => {
    const fromTodo = [{ id: "21", name: "Start Progress", to: { name: "In Progress", category: "indeterminate" as const } }];
    expect(nextTransition(fromTodo, "Done", "done", ["To Do"])?.id).toBe("21");
    const fromDone = [{ id: "41", name: "Reopen", to: { name: "To Do", category: "new" as const } }];
    expect(nextTransition(fromDone, "In Progress", "indeterminate", ["Done"])?.id).toBe("41");
    expect(nextTransition(fromTodo, "Nowhere", undefined, [])).toBeUndefined();
    expect(nextTransition(fromTodo, "In Progress", "indeterminate", ["In Progress"])?.id).toBe("21");
  });
});
