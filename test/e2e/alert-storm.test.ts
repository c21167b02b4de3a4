import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

/** Three independent systems; a failure in each storms with alerts from several of its services. */
const SYSTEMS = {
  shop: ["frontend", "checkout", "payments", "orders-db"],
  search: ["search-api", "indexer", "search-cache"],
  billing: ["billing-api", "invoicer", "ledger-db"],
};

function servicesYaml(): string {
  const lines = ["services:"];
  for (const chain of Object.values(SYSTEMS)) chain.forEach((s, i) => lines.push(`  ${s}: { calls: [${chain[i + 1] ?? ""}] }`));
  return lines.join("\n");
}

describe("an alert storm from three simultaneous failures", () => {
  let t: TestAisre;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-storm-"));
    writeFileSync(join(dir, "services.yaml"), servicesYaml());
    t = await startTestAisre({ env: { AISRE_SERVICES_FILE: join(dir, "services.yaml") } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("becomes exactly three incidents and three threads, every alert accounted for, within Slack's rate limits", async () => {
    const total = 5000;
    const seconds = 60;
    const sentFingerprints = new Set<string>();
    let sent = 0;
    const started = Date.now();
    for (let tick = 0; tick < seconds; tick++) {
      const thisTick = Math.round((total * (tick + 1)) / seconds) - sent;
      const deliveries = Object.entries(SYSTEMS).map(([system, services], j) => {
        const n = Math.floor(thisTick / 3) + (j < thisTick % 3 ? 1 : 0);
        const alerts = Array.from({ length: n }, (_, i) => {
          const service = services[(tick + i) % services.length];
          const instance = `${service}-${i % 12}`;
          const alertname = ["HighErrorRate", "HighLatency", "PodRestarts", "SaturationHigh"][i % 4];
          const fingerprint = `${system}-${alertname}-${instance}`;
          sentFingerprints.add(fingerprint);
          return {
            status: "firing",
            labels: { alertname, service, instance, severity: i % 7 === 0 ? "critical" : "warning", system },
            annotations: { summary: `${alertname} on ${service}` },
            startsAt: new Date(started + tick * 1000).toISOString(),
            endsAt: "0001-01-01T00:00:00Z",
            generatorURL: "http://prometheus.local/graph",
            fingerprint,
          };
        });
        sent += alerts.length;
        return { version: "4", groupKey: `{}:{system="${system}"}`, truncatedAlerts: 0, status: "firing", receiver: "aisre", groupLabels: { system }, commonLabels: { system }, commonAnnotations: {}, externalURL: "http://alertmanager.local", alerts };
      });
      const answers = await Promise.all(deliveries.map((d) => t.postWebhook("alertmanager", d)));
      expect(answers.every((a) => a.status === 202 || a.status === 200)).toBe(true);
      const wait = started + (tick + 1) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    expect(sent).toBe(total);

    const { store, intake, metrics } = t.aisre.services;
    await intake.drain();
    const incidents = await store.incidents.listOpen();
    expect(incidents.length).toBe(3);
    const stored = await store.db.query<{ fingerprint: string; incident_id: string | null }>("SELECT fingerprint, incident_id FROM alerts");
    expect(new Set(stored.map((r) => r.fingerprint))).toEqual(sentFingerprints);
    expect(stored.every((r) => r.incident_id !== null)).toBe(true);
    const bySystem = new Map<string, Set<string>>();
    for (const r of stored) {
      const [system = ""] = r.fingerprint.split("-");
      bySystem.set(system, (bySystem.get(system) ?? new Set()).add(r.incident_id!));
    }
    expect([...bySystem.values()].map((s) => s.size)).toEqual([1, 1, 1]);

    const roots = await eventually(
      async () => {
        const r = (await t.history("#incidents")).filter((m) => JSON.stringify(m.blocks ?? []).includes("What caused it"));
        return r.length === 3 ? r : undefined;
      },
      "three root messages",
      // The root posts wait for the storm's backlog to be processed: on a loaded 2-core machine that takes longer than the storm.
      90_000,
    );
    expect(roots.length).toBe(3);
    expect(metrics.slackCalls.get({ method: "chat.postMessage", outcome: "ratelimited" })).toBe(0);
    expect(metrics.slackCalls.get({ method: "chat.update", outcome: "ratelimited" })).toBe(0);
  }, 210_000);
});
