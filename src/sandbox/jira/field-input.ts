import { adfToText, isAdfDoc } from "../../integrations/jira/adf.ts";
import { FIELDS, PRIORITIES, USERS } from "./seed.ts";
import type { FieldRecord, JiraUserRecord } from "./model.ts";

/**
 * Turns one field value from a create/edit request into what the sandbox stores, with Jira's
 * error messages when it is wrong. `apiVersion` matters for rich text: v2 takes strings, v3 takes
 * Atlassian Document Format.
 */

export type FieldResult = { ok: true; value: unknown } | { ok: false; error: string };

const ok = (value: unknown): FieldResult => ({ ok: true, value });
const fail = (error: string): FieldResult => ({ ok: false, error });

export function fieldById(id: string): FieldRecord | undefined {
  return FIELDS.find((f) => f.id === id);
}

export function findUser(ref: unknown, users: JiraUserRecord[] = USERS): JiraUserRecord | undefined {
  if (typeof ref === "string") return users.find((u) => u.accountId === ref || u.email === ref.toLowerCase());
  if (typeof ref !== "object" || ref === null) return undefined;
  const r = ref as Record<string, unknown>;
  const id = r.accountId ?? r.id;
  if (typeof id === "string") return users.find((u) => u.accountId === id);
  const email = r.emailAddress ?? r.name;
  if (typeof email === "string") return users.find((u) => u.email === email.toLowerCase());
  return undefined;
}

function textValue(field: FieldRecord, raw: unknown, apiVersion: string): FieldResult {
  if (raw === null) return ok(null);
  if (field.rich && apiVersion === "3") {
    if (!isAdfDoc(raw)) return fail("Operation value must be an Atlassian Document (see the Atlassian Document Format)");
    return ok(adfToText(raw));
  }
  if (typeof raw !== "string") return fail("Operation value must be a string");
  return ok(raw);
}

/** Parses a request value for `field`. */
export function parseFieldValue(field: FieldRecord, raw: unknown, apiVersion: string): FieldResult {
  switch (field.id) {
    case "priority": {
      if (raw === null) return ok(null);
      const r = (raw ?? {}) as Record<string, unknown>;
      const p = PRIORITIES.find((x) => x.id === r.id || x.name === r.name);
      if (!p) return fail(r.name !== undefined ? `Priority name '${String(r.name)}' is not valid` : "Specify the Priority (id or name) in the string format");
      return ok(p.id);
    }
    case "assignee":
    case "reporter": {
      if (raw === null) return field.id === "assignee" ? ok(null) : fail("Reporter is required.");
      const u = findUser(raw);
      if (!u) return fail(`Specify a valid value for ${field.id}`);
      return ok(u.accountId);
    }
  }
  switch (field.kind) {
    case "string":
      if (raw === null) return ok(null);
      if (typeof raw !== "string") return fail("Operation value must be a string");
      return ok(raw);
    case "text":
      return textValue(field, raw, apiVersion);
    case "select": {
      if (raw === null) return ok(null);
      const r = (raw ?? {}) as Record<string, unknown>;
      const option = field.options?.find((o) => o.id === r.id || o.value === r.value);
      if (!option) return fail(r.value !== undefined ? `Option value '${String(r.value)}' is not valid` : `Option id '${String(r.id)}' is not valid`);
      return ok(option.id);
    }
    case "labels": {
      if (raw === null) return ok([]);
      if (!Array.isArray(raw) || raw.some((l) => typeof l !== "string")) return fail("Operation value must be an array of strings");
      const bad = (raw as string[]).find((l) => /\s/.test(l));
      if (bad !== undefined) return fail(`The label '${bad}' contains spaces which is invalid.`);
      return ok([...new Set(raw as string[])]);
    }
    case "date":
      if (raw === null) return ok(null);
      if (typeof raw !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return fail(`Error parsing date string: ${String(raw)}`);
      return ok(raw);
    case "number":
      if (raw === null) return ok(null);
      if (typeof raw !== "number") return fail("Operation value must be a number");
      return ok(raw);
    case "user": {
      if (raw === null) return ok(null);
      const u = findUser(raw);
      return u ? ok(u.accountId) : fail(`Specify a valid value for ${field.name}`);
    }
  }
}

/** How a stored value reads in a changelog entry (`fromString` / `toString`). */
export function displayValue(field: FieldRecord, stored: unknown): string | null {
  if (stored === null || stored === undefined) return null;
  if (field.id === "priority") return PRIORITIES.find((p) => p.id === stored)?.name ?? null;
  if (field.kind === "user") return USERS.find((u) => u.accountId === stored)?.displayName ?? null;
  if (field.kind === "select") return field.options?.find((o) => o.id === stored)?.value ?? null;
  if (Array.isArray(stored)) return stored.length ? stored.join(" ") : null;
  return String(stored);
}
