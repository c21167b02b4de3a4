import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALERT_RULES } from "../../src/sandbox/sim/alerts/rules.ts";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";
import { haveBinaries, startPrometheusStack, type PrometheusStack } from "../support/prometheus-stack.ts";

const SPEED = 60;

/**
 * The simulation's alert rules as a Prometheus rule file, with windows and `for` scaled to the time
 * factor (a simulated minute is a real second) and a label saying which path delivered them.
 */
function rulesYaml(): string {
  const lines = ["groups:", "  - name: shop", "    interval: 1s", "    rules:"];
  for (const r of ALERT_RULES) {
    const expr = r.expr.replace(/\[(\d+)m\]/g, (_, m: string) => `[${Math.max(10, Math.round((Number(m) * 60) / SPEED) * 5)}s]`);
    lines.push(`      - alert: ${r.alert}`, `        expr: ${JSON.stringify(expr)}`, `        for: ${Math.max(1, Math.round(r.forMs / 1000 / SPEED))}s`, "        labels:");
    for (const [k, v] of Object.entries({ ...r.labels, via: "real-prometheus" })) lines.push(`          ${k}: ${JSON.stringify(v)}`);
    lines.push("        annotations:", `          summary: ${JSON.stringify(r.annotations.summary)}`, `          description: ${JSON.stringify(r.annotations.description)}`);
  }
  return `${lines.join("\n")}\n`;
}

// In CI the binaries are installed by .ci/run, so a missing one fails instead of skipping.
describe.skipIf(!haveBinaries() && !process.env.CI)("with the real Prometheus and Alertmanager", () => {
  let t: TestAisre;
  let stack: PrometheusStack;
  beforeAll(async () => {
    t = await startTestAisre({ env: { SIM_SPEED: String(SPEED), SIM_ALERT_DELIVERY: "false", AISRE_POLL: "false" } });
    stack = await startPrometheusStack({ scrapeUrl: `${t.sandboxUrl}/prometheus/metrics`, rulesYaml: rulesYaml(), webhookUrl: `${t.botUrl}/webhooks/alertmanager` });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await t?.close();
  });

  it("Prometheus scrapes the simulation, Alertmanager delivers, and a scenario becomes one incident thread", async () => {
    await eventually(
      async () => {
        const r = (await (await fetch(`${stack.prometheusUrl}/api/v1/query?query=up`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
        return r.data.result[0]?.value[1] === "1" ? true : undefined;
      },
      "Prometheus to scrape the simulation",
      20_000,
    );
    await fetch(`${t.sandboxUrl}/sandbox/scenarios/bad-deploy`, { method: "POST" });
    const { store } = t.aisre.services;
    // The scenario's incident (a rule may also fire on the shop's own evening noise: that is another incident).
    const scenarioServices = ["inventory", "checkout", "frontend"];
    const incident = await eventually(async () => (await store.incidents.listOpen()).find((i) => i.services.some((s) => scenarioServices.includes(s))), "an incident from Alertmanager's delivery of the scenario's alerts", 90_000);
    const rootsOf = async () => (await t.history("#incidents")).filter((m) => JSON.stringify(m.blocks ?? []).includes("What caused it") && JSON.stringify(m.blocks ?? []).includes(incident.id));
    const [root] = await eventually(async () => ((await rootsOf()).length > 0 ? rootsOf() : undefined), "the scenario incident's thread", 60_000);
    const alerts = await store.alerts.byIncident(incident.id);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.labels.via === "real-prometheus")).toBe(true);
    expect(await rootsOf()).toHaveLength(1);
    expect(root?.ts).toBeDefined();
  }, 150_000);
});
