import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { createAppMetrics } from "../../src/observability/metrics.ts";

/**
 * Watching aisre itself (deploy/monitoring): the alert rules pass promtool's checks and unit tests,
 * the scrape example is a valid Prometheus configuration, and the rules and the Grafana dashboard
 * query only metrics that aisre exposes (src/observability/metrics.ts) — a renamed metric cannot
 * leave an alert that never fires.
 */
const DIR = fileURLToPath(new URL("../../deploy/monitoring/", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aisre-monitoring-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync("promtool", args, { cwd: DIR, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`promtool: ${r.error.message} (Debian package prometheus; .ci/run installs it)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = (parse(readFileSync(join(DIR, "aisre-alerts.yaml"), "utf8")) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(join(DIR, "grafana-dashboard.json"), "utf8")) as {
  uid: string;
  title: string;
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  templating: { list: Array<{ name: string }> };
  panels: Array<{ type: string; title: string; targets?: Array<{ expr: string; datasource?: { uid: string } }>; datasource?: { uid: string } }>;
};
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
function metricNames(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, "{}");
  const names = [...noStrings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!);
  const words = new Set(["by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan"]);
  // Aggregations may put their grouping before the parenthesis: `sum by (x) (…)`.
  const aggregations = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile"]);
  // Identifiers inside by (...) / without (...) are label names.
  const labelLists = [...noStrings.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(",").map((s) => s.trim()));
  return [...new Set(names.filter((n) => !words.has(n.toLowerCase()) && !aggregations.has(n) && !labelLists.includes(n) && !/^\d/.test(n)))];
}

/** What aisre's /metrics exposes, and what Prometheus adds itself. */
const EXPOSED = new Set([...createAppMetrics().registry.names(), "up"]);

describe("aisre's alert rules", () => {
  it("pass promtool check rules", () => {
    const r = promtool("check", "rules", "aisre-alerts.yaml");
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("fire on the series they are for, and only then (promtool test rules)", () => {
    const r = promtool("test", "rules", "aisre-alerts.test.yaml");
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
    const tests = parse(readFileSync(join(DIR, "aisre-alerts.test.yaml"), "utf8")) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    const firedInTests = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect(rules.map((r) => r.alert).filter((a) => !firedInTests.has(a))).toEqual([]);
  });

  it("cover the outbox lag, pending deliveries, Slack errors, diagnosis failures and leadership", () => {
    const read = new Set(rules.flatMap((r) => metricNames(r.expr)));
    for (const m of ["aisre_outbox_oldest_pending_seconds", "aisre_webhook_deliveries_pending", "aisre_slack_calls_total", "aisre_diagnosis_runs_total", "aisre_sli_poll_leader", "aisre_leadership_lost_total"]) expect(read).toContain(m);
    for (const r of rules) {
      expect(r.labels?.severity, r.alert).toMatch(/^(critical|warning|info)$/);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
  });

  it("read only metrics aisre exposes", () => {
    const unknown = rules.flatMap((r) =>
      metricNames(r.expr)
        .filter((n) => !EXPOSED.has(n))
        .map((n) => `${r.alert}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe("Prometheus scrape example", () => {
  it("is a valid configuration that loads the rules (Kubernetes discovery swapped for a static target: Debian's promtool is built without it)", () => {
    const config = parse(readFileSync(join(DIR, "prometheus.yaml"), "utf8")) as { rule_files: string[]; scrape_configs: Array<Record<string, unknown>> };
    const job = config.scrape_configs.find((j) => j.job_name === "aisre")!;
    expect(job.metrics_path).toBe("/metrics");
    expect(job.kubernetes_sd_configs).toBeDefined();
    const checked = { ...config, rule_files: config.rule_files.map((f) => join(DIR, f)), scrape_configs: config.scrape_configs.map(({ kubernetes_sd_configs: _sd, ...j }) => ({ ...j, static_configs: [{ targets: ["127.0.0.1:3000"] }] })) };
    writeFileSync(join(scratch, "prometheus.yaml"), stringify(checked));
    const r = promtool("check", "config", join(scratch, "prometheus.yaml"));
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});

describe("Grafana dashboard", () => {
  it("is importable: a datasource input, a uid, panels whose queries use it", () => {
    expect(dashboard.uid).toBe("aisre-self");
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    const queried = dashboard.panels.filter((p) => p.type !== "row");
    expect(queried.length).toBeGreaterThan(8);
    for (const p of queried) {
      expect(p.datasource?.uid, p.title).toBe("${DS_PROMETHEUS}");
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it("queries only metrics aisre exposes, in valid PromQL", () => {
    const unknown = dashboardExprs.flatMap((e) =>
      metricNames(e)
        .filter((n) => !EXPOSED.has(n))
        .map((n) => `${n} in ${e}`),
    );
    expect(unknown).toEqual([]);
    // promtool parses each query as a recording rule ($pod: the dashboard's pod variable).
    const file = join(scratch, "dashboard-queries.yaml");
    writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules: dashboardExprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll("$pod", ".*") })) }] }));
    const r = promtool("check", "rules", file);
    expect(r.output).toContain(`SUCCESS: ${dashboardExprs.length} rules found`);
  });

  it("the metric-name reader finds what it should", () => {
    expect(metricNames('sum by (outcome) (rate(aisre_slack_calls_total{outcome!="ok", pod=~"$pod"}[5m])) / sum(rate(up[5m]))').sort()).toEqual(["aisre_slack_calls_total", "up"]);
    expect(metricNames("histogram_quantile(0.99, sum by (le, kind) (rate(aisre_slack_listener_seconds_bucket[5m])))")).toEqual(["aisre_slack_listener_seconds_bucket"]);
    expect(execFileSync("promtool", ["--version"], { encoding: "utf8" })).toMatch(/promtool, version/);
  });
});
