import { describe, expect, it } from "vitest";
import { JqlError, evaluateJql, parseJql } from "../../../src/sandbox/jira/jql.ts";
import type { JqlFieldValue } from "../../../src/sandbox/jira/jql.ts";

const issue: Record<string, JqlFieldValue> = {
  project: { kind: "values", values: ["OPS"] },
  status: { kind: "values", values: ["In Progress"] },
  labels: { kind: "values", values: ["aisre", "checkout"] },
  assignee: { kind: "values", values: [] },
  key: { kind: "values", values: ["OPS-7"] },
  text: { kind: "text", text: "Checkout latency spike after inventory deploy" },
  created: { kind: "time", ms: Date.parse("2026-01-01T10:00:00Z") },
};

const matches = (jql: string) =>
  evaluateJql(parseJql(jql).where, {
    field: (f) => {
      const v = issue[f.toLowerCase()];
      if (!v) throw new JqlError(`Field '${f}' does not exist`);
      return v;
    },
    currentUser: "me",
    now: Date.parse("2026-01-02T10:00:00Z"),
  });

describe("JQL subset", () => {
  it("evaluates =, !=, IN, NOT IN, ~, IS EMPTY with AND / OR / NOT and parentheses", () => {
    expect(matches(`project = OPS AND status = "in progress"`)).toBe(true);
    expect(matches(`labels = checkout AND labels = aisre`)).toBe(true);
    expect(matches(`key in (OPS-1, OPS-7)`)).toBe(true);
    expect(matches(`key not in (OPS-1)`)).toBe(true);
    expect(matches(`status != Done`)).toBe(true);
    expect(matches(`assignee != me`)).toBe(false);
    expect(matches(`assignee is EMPTY and labels is not empty`)).toBe(true);
    expect(matches(`text ~ "inventory deploy"`)).toBe(true);
    expect(matches(`text ~ "\\"deploy after\\""`)).toBe(false);
    expect(matches(`NOT (status = Done OR labels = payments)`)).toBe(true);
    expect(matches(`created >= -2d AND created < "2026-01-01 12:00"`)).toBe(true);
  });

  it("parses ORDER BY and reports syntax errors", () => {
    expect(parseJql(`project = OPS ORDER BY created DESC, key`).orderBy).toEqual([
      { field: "created", dir: "desc" },
      { field: "key", dir: "asc" },
    ]);
    expect(parseJql(`ORDER BY key`).where).toBeNull();
    expect(() => parseJql(`project = `)).toThrow(JqlError);
    expect(() => parseJql(`project = "OPS`)).toThrow(/quoted string/);
    expect(() => parseJql(`project OPS`)).toThrow(/operator/);
    expect(() => matches(`nosuch = 1`)).toThrow(/does not exist/);
  });
});
