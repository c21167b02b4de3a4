import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSimilar, markdownSection, pastIncidents, similarLine } from "../../src/knowledge/similar-incidents.ts";
import type { Db } from "../../src/store/db.ts";
import { IncidentHistoryRepo } from "../../src/store/repos/incident-history.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { knowledgeToolset } from "../../src/toolsets/knowledge.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { defined } from "../support/defined.ts";
import { testDatabases } from "../support/databases.ts";

/** Ten kinds of failure, each with its alert, symptom, cause and fix (a catalog action or none). */
const KINDS = [
  { kind: "crash", alert: "PodCrashLooping", summary: "Pod {s}-6d8f9c7b5-x2k9p is restarting: CrashLoopBackOff", cause: "invalid configuration in the {s} release made the container exit on start", fix: "rollback" },
  { kind: "oom", alert: "ContainerOOMKilled", summary: "Container {s} was OOMKilled (exit code 137)", cause: "memory leak in {s} after the new cache code; heap grew until the limit", fix: "rollout_restart" },
  { kind: "pool", alert: "DBConnectionPoolExhausted", summary: "{s} cannot get a database connection: pool exhausted", cause: "connection leak in {s} refund retries exhausted the database pool", fix: "rollout_restart" },
  { kind: "disk", alert: "VolumeAlmostFull", summary: "Volume of {s} is 97% full: no space left on device", cause: "debug logging filled the {s} log volume", fix: "delete_pod" },
  { kind: "slowq", alert: "DatabaseQueryLatencyHigh", summary: "Queries from {s} take 9 s on orders-db", cause: "a runaway reporting query held locks on orders-db", fix: "kill_db_query" },
  { kind: "5xx", alert: "HTTP5xxRateHigh", summary: "{s} returns 5xx on 12% of requests after deploy", cause: "bad deploy of {s}: null pointer in the new checkout flow", fix: "rollback" },
  { kind: "cache", alert: "CacheHitRatioLow", summary: "Cache hit ratio of {s} fell to 8%", cause: "a cache flush caused a miss storm on {s}", fix: "flush_cache_prefix" },
  { kind: "queue", alert: "ConsumerLagHigh", summary: "Consumers of {s} lag 200000 messages", cause: "too few consumers for the sale traffic on {s}", fix: "scale" },
  { kind: "cert", alert: "CertificateExpiringSoon", summary: "TLS certificate of {s} expires in 2 days", cause: "cert-manager could not renew the {s} certificate", fix: undefined },
  { kind: "dns", alert: "DNSLookupFailures", summary: "{s} cannot resolve its dependencies: SERVFAIL", cause: "CoreDNS pods overloaded, lookups time out", fix: "rollout_restart" },
] as const;
const SERVICES = ["payments", "checkout", "cart", "search", "orders", "catalog"];
const HISTORY = 60;

async function seed(store: Store): Promise<void> {
  for (let i = 0; i < HISTORY; i++) {
    const k = itemAt(KINDS, i % KINDS.length);
    const s = itemAt(SERVICES, (i * 7 + Math.floor(i / KINDS.length)) % SERVICES.length);
    const id = `INC-${100 + i}`;
    const at = new Date(Date.UTC(2026, 0, 1 + i)).toISOString();
    const fill = (t: string) => t.replaceAll("{s}", s);
    await store.incidents.create({ id, title: `${k.alert} on ${s}`, severity: "sev2", origin: "alert", services: [s], createdAt: at });
    await store.alerts.upsert({ fingerprint: `fp-${i}`, source: "alertmanager", name: k.alert, status: "resolved", severity: "sev2", service: s, summary: fill(k.summary), labels: { alertname: k.alert, service: s }, startsAt: at }, id, "new");
    await store.incidents.mergeCard(id, { diagnosis: { cause: `${s}: ${fill(k.cause)}`, confidence: 0.7 } });
    if (k.fix) {
      await store.actions.create({ id: `act-${i}`, incidentId: id, type: k.fix, target: { service: s }, params: {}, state: "verified", risk: "low", requiredApprovals: 1, proposedBy: "aisre", reason: "runbook" });
    }
    if (i % 3 === 0) {
      const resolution = k.fix ? `Ran ${k.fix} on ${s}; error rate back to normal within 10 minutes.` : `Renewed the certificate by hand and fixed the cert-manager issuer of ${s}.`;
      await store.knowledge.upsert({
        id: `postmortem:${id}`,
        kind: "postmortem",
        title: `Postmortem: ${k.alert} on ${s}`,
        body: `# Postmortem: ${k.alert} on ${s}\n\n## Summary\n\n${fill(k.summary)}\n\n## Root cause\n\n${fill(k.cause)}\n\n## Resolution\n\n${resolution}\n\n## Lessons learned\n\nAlert earlier.\n`,
        meta: { incidentId: id, services: [s], rootCause: fill(k.cause), trigger: fill(k.summary), status: "final" },
      });
    }
    await store.incidents.update(id, { status: "resolved" });
  }
  // One still open: never offered as history.
  await store.incidents.create({ id: "INC-OPEN", title: "ContainerOOMKilled on payments", severity: "sev2", origin: "alert", services: ["payments"] });
}

// The history repository's SQL on every driver (PGlite; Postgres too with TEST_DATABASE_URL).
describe.each(testDatabases())("similar past incidents ($name)", (tdb) => {
  let db: Db;
  let store: Store;
  beforeAll(async () => {
    db = await tdb.open();
    store = createStore(db);
    await seed(store);
  });
  afterAll(async () => {
    await db.close();
  });

  it("reads resolved incidents with their alerts, verified fixes and postmortems", async () => {
    const rows = await new IncidentHistoryRepo(db).resolved();
    expect(rows).toHaveLength(HISTORY);
    const pm = rows.find((r) => r.id === "INC-100")!;
    expect(pm).toMatchObject({ services: [expect.any(String)], alerts: [{ name: "PodCrashLooping" }], actions: [{ type: "rollback", state: "verified" }], postmortem: { id: "postmortem:INC-100" } });
    const [p] = pastIncidents([pm]);
    defined(p, "p");
    expect(p.cause).toContain("invalid configuration");
    expect(p.fixes[0]).toMatch(/^rollback of \w+ \(symptoms recovered\)$/);
    expect(p.fixes[1]).toMatch(/^Ran rollback on/);
    expect(rows.some((r) => r.id === "INC-OPEN")).toBe(false);
  });

  it("finds the same kind of failure first for every kind, same service first when there is one", async () => {
    const past = pastIncidents(await new IncidentHistoryRepo(db).resolved());
    for (const k of KINDS) {
      for (const s of ["payments", "search"]) {
        const hits = findSimilar({ services: [s], alertNames: [k.alert], text: `${k.alert} on ${s}. ${k.summary.replaceAll("{s}", s)}` }, past);
        expect(hits.length, `${k.kind}/${s}`).toBeGreaterThan(0);
        const top = itemAt(hits, 0).incident;
        expect(top.alertNames, `${k.kind}/${s}`).toEqual([k.alert]);
        const sameKindAndService = past.some((p) => p.alertNames.includes(k.alert) && p.services.includes(s));
        if (sameKindAndService) expect(top.services, `${k.kind}/${s}`).toEqual([s]);
        expect(itemAt(hits, 0).reasons[0]).toBe(`same alert: ${k.alert}`);
      }
    }
  });

  it("finds a failure by its cause and symptoms when the alert is named differently", async () => {
    const past = pastIncidents(await new IncidentHistoryRepo(db).resolved());
    const hits = findSimilar({ services: ["inventory"], alertNames: ["JavaHeapExhausted"], text: "inventory pods OOMKilled, memory leak: heap grows until the limit" }, past);
    expect(itemAt(hits, 0).incident.alertNames).toEqual(["ContainerOOMKilled"]);
    expect(itemAt(hits, 0).reasons.join(" ")).toContain("similar cause and symptoms");
    const pool = findSimilar({ services: ["ledger"], alertNames: ["HikariPoolTimeouts"], text: "ledger: connection is not available, database pool exhausted by leaked connections" }, past);
    expect(itemAt(pool, 0).incident.alertNames).toEqual(["DBConnectionPoolExhausted"]);
  });

  it("says nothing when nothing is alike", async () => {
    const past = pastIncidents(await new IncidentHistoryRepo(db).resolved());
    expect(findSimilar({ services: ["billing"], alertNames: ["LicenseServerUnreachable"], text: "license server unreachable from billing" }, past)).toEqual([]);
  });

  it("answers through the toolset with what fixed them, excluding the incident itself", async () => {
    const tools = knowledgeToolset({ search: async () => [], loadedRunbooks: () => [] }, new IncidentHistoryRepo(db));
    const r = await tools.t.similarIncidents.run({ text: "ContainerOOMKilled on payments. Container payments was OOMKilled", services: ["payments"], alertNames: ["ContainerOOMKilled"], excludeIncidentId: "INC-101", limit: 3 });
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.data.length).toBeGreaterThan(0);
    expect(r.data.every((h) => h.meta.incidentId !== "INC-101")).toBe(true);
    expect(r.data[0]).toMatchObject({ meta: { services: ["payments"], alertNames: ["ContainerOOMKilled"] }, fixedBy: [expect.stringMatching(/^rollout_restart of payments/)] });
    expect(r.summary).toContain("fixed by rollout_restart of payments");
  });

  it("reads a markdown section and writes one line per hit", () => {
    expect(markdownSection("# T\n\n## Resolution\n\nRolled back.\nAll good.\n\n## Lessons\n\nx", "Resolution")).toBe("Rolled back. All good.");
    expect(markdownSection("# T\n\n## Summary\n\nx", "Resolution")).toBeUndefined();
    expect(similarLine({ incident: { incidentId: "INC-1", title: "OOM on cart", services: ["cart"], alertNames: [], cause: "leak.", symptoms: [], fixes: ["rollout_restart of cart (symptoms recovered)"] }, score: 0.8, reasons: [] })).toBe(
      'INC-1 "OOM on cart": leak. Fixed by: rollout_restart of cart (symptoms recovered).',
    );
  });
});
