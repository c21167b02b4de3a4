import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverySources } from "../../src/app/topology.ts";
import { groupAlert, type OpenIncidentView } from "../../src/correlate/grouping.ts";
import { graphFromTopology } from "../../src/diagnose/adapters.ts";
import { candidateServices } from "../../src/diagnose/live/assemble.ts";
import type { Alert } from "../../src/domain/alert.ts";
import { dependentsOf, type Topology } from "../../src/domain/topology.ts";
import { ClientNodeKubernetes } from "../../src/integrations/kubernetes/client-node-adapter.ts";
import { PrometheusHttpMetrics } from "../../src/integrations/prometheus/http-adapter.ts";
import { serveSimulation, type ServedSimulation } from "../../src/sandbox/sim/serve.ts";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";
import { TopologyDiscovery } from "../../src/topology/discovery.ts";
import { NO_OVERRIDES } from "../../src/topology/overrides.ts";

const NOW = Date.parse("2025-03-10T18:00:00Z");
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/**
 * What the product does with the graph, fed the simulation's true graph and the discovered one:
 * every grouping decision, the diagnosis's propagation graph, the services it examines and the
 * dependents on the card must come out the same.
 */
describe("the discovered graph drives the product exactly as the given one did", () => {
  let served: ServedSimulation;
  let db: Db;
  let truth: Topology;
  let found: Topology;
  beforeAll(async () => {
    served = await serveSimulation({ startTime: NOW, historyMs: 60 * 60_000 });
    db = await openDb({ dataDir: "memory" });
    const clock = served.sim.clock;
    const sources = discoverySources({ kubernetes: new ClientNodeKubernetes({ kubeconfigPath: served.sim.kubeconfigPath }), metrics: new PrometheusHttpMetrics({ baseUrl: `${served.url}/prometheus`, clock }), names: ["kubernetes", "service-graph", "istio", "linkerd"], window: "1h" });
    const discovery = new TopologyDiscovery({ repo: createStore(db).topology, sources, overrides: NO_OVERRIDES, clock, maxAgeMs: 24 * 3_600_000 });
    await discovery.prime();
    found = discovery.topology();
    const t = served.sim.topology();
    truth = { services: t.services, edges: t.edges.map((e) => ({ from: e.from, to: e.to })) };
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await served?.close();
  });

  it("groups every alert with the same incident (every service against one or two open incidents)", () => {
    const alert = (service: string): Alert => ({ fingerprint: `fp-${service}`, source: "alertmanager", name: "HighErrorRate", status: "firing", severity: "sev2", service, summary: "errors", labels: { alertname: "HighErrorRate", service }, startsAt: new Date(NOW).toISOString() });
    const open = (id: string, services: string[], ago: number): OpenIncidentView => ({ id, services, lastActivityMs: NOW - ago, labelSets: [] });
    let decisions = 0;
    let joins = 0;
    for (const a of truth.services) {
      for (const b of truth.services) {
        for (const c of [undefined, ...truth.services]) {
          const incidents = [open("INC-1", [b], 60_000), ...(c && c !== b ? [open("INC-2", [c], 120_000)] : [])];
          const given = groupAlert(alert(a), NOW, incidents, truth);
          const learnt = groupAlert(alert(a), NOW, incidents, found);
          expect({ kind: learnt.kind, incident: learnt.kind === "join" ? learnt.incidentId : undefined, score: learnt.kind === "join" ? learnt.score : undefined }, `${a} with open ${b}${c ? `, ${c}` : ""}`).toEqual({
            kind: given.kind,
            incident: given.kind === "join" ? given.incidentId : undefined,
            score: given.kind === "join" ? given.score : undefined,
          });
          decisions++;
          if (given.kind === "join") joins++;
        }
      }
    }
    expect(decisions).toBe(13 * 13 * 14);
    expect(joins).toBeGreaterThan(decisions / 4); // the graph matters to many of them
  });

  it("gives the diagnosis the same propagation graph, candidate services and dependents", () => {
    const edgeSet = (t: Topology) => sorted((graphFromTopology(t)?.edges ?? []).map((e) => `${e.source}>${e.target}`));
    expect(edgeSet(found)).toEqual(edgeSet(truth));
    expect(sorted(found.services)).toEqual(sorted(truth.services));
    for (const s of truth.services) {
      expect(sorted(candidateServices(found, [s], 60)), s).toEqual(sorted(candidateServices(truth, [s], 60)));
      expect(sorted(dependentsOf(found, s)), s).toEqual(sorted(dependentsOf(truth, s)));
    }
  });
});
