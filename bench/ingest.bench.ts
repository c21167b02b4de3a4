import { systemClock } from "../src/domain/clock.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blockKitIncidentPresenter } from "../blocks/incident-thread.ts";
import type { Topology } from "../src/domain/topology.ts";
import { IncidentService } from "../src/incident/incident-service.ts";
import { SOURCES } from "../src/ingest/registry.ts";
import { silentLogger } from "../src/log.ts";
import { openDb } from "../src/store/open.ts";
import { createStore } from "../src/store/store.ts";
import { WebhookIntake } from "../src/webhooks/intake.ts";
import { itemAt } from "../src/domain/indexed.ts";

export const name = "ingest: alerts/s sustained through the webhook intake (embedded PGlite)";

/** An Alertmanager v4 delivery of `n` alerts for one failure of `service`. */
function alertmanagerBody(service: string, n: number, seq: number): string {
  const alerts = Array.from({ length: n }, (_, i) => ({
    status: "firing",
    labels: { alertname: `Alert${i % 8}`, service, instance: `${service}-${i}`, severity: i % 5 === 0 ? "critical" : "warning" },
    annotations: { summary: `${service} symptom ${i}` },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus/graph",
    fingerprint: `${service}-${seq}-${i}`,
  }));
  return JSON.stringify({ version: "4", groupKey: `{}:{service="${service}"}-${seq}`, truncatedAlerts: 0, status: "firing", receiver: "aisre", groupLabels: { service }, commonLabels: { service }, commonAnnotations: {}, externalURL: "http://alertmanager", alerts });
}

export async function run(): Promise<Record<string, string | number>> {
  const services = Array.from({ length: 50 }, (_, i) => `svc-${i}`);
  // Five independent systems of ten services each: a storm in each is one incident.
  const topology: Topology = { services, edges: services.flatMap((s, i) => (i % 10 === 0 ? [] : [{ from: s, to: itemAt(services, i - (i % 10)) }])) };
  const db = await openDb({ dataDir: mkdtempSync(join(tmpdir(), "aisre-bench-")) });
  const store = createStore(db);
  const incidents = new IncidentService({ clock: systemClock, store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => topology });
  const intake = new WebhookIntake({ clock: systemClock, sources: Object.values(SOURCES), store, logger: silentLogger, secrets: {}, handlers: { ingest: (d) => incidents.ingest(d) } });

  const perDelivery = 25;
  const deliveries = 800;
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  for (let i = 0; i < deliveries; i++) {
    const body = Buffer.from(alertmanagerBody(itemAt(services, i % services.length), perDelivery, i));
    const answer = await intake.accept("alertmanager", { headers: { "content-type": "application/json" }, body });
    if (answer.status >= 300) throw new Error(`delivery ${i} refused: ${JSON.stringify(answer.body)}`);
  }
  const acceptedAt = performance.now();
  await intake.drain();
  const seconds = (performance.now() - started) / 1000;
  const total = perDelivery * deliveries;
  const stored = itemAt(await db.query<{ n: number }>("SELECT count(*)::int AS n FROM alerts"), 0).n;
  const open = (await store.incidents.listOpen()).length;
  const rss = process.memoryUsage().rss;
  await db.close();
  return {
    "alerts ingested": total,
    "alerts stored (accounted for)": stored,
    "incidents opened": open,
    "accept (verify+parse+store) alerts/s": Math.round(total / ((acceptedAt - started) / 1000)),
    "sustained end-to-end alerts/s (target ≥ 1000)": Math.round(total / seconds),
    "RSS growth MB": Math.round((rss - rssBefore) / 1e6),
    "RSS MB": Math.round(rss / 1e6),
  };
}
