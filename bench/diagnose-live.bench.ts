import { systemClock } from "../src/domain/clock.ts";
import { assembleContext } from "../src/diagnose/live/assemble.ts";
import { diagnose } from "../src/diagnose/engine.ts";
import { syntheticCase } from "../src/diagnose/synthetic.ts";
import type { Alert } from "../src/domain/alert.ts";
import type { Incident } from "../src/domain/incident.ts";
import { loadRunbookDir } from "../src/knowledge/runbook.ts";
import { openDb } from "../src/store/open.ts";
import { Toolsets } from "../src/toolsets/index.ts";
import { toolsetRepos } from "../test/support/toolset-repos.ts";
import { memoryPod, memoryPorts } from "../src/toolsets/memory-ports.ts";
import { itemAt } from "../src/domain/indexed.ts";

/**
 * The live path on a generated 50-service system: context assembly through the toolsets (in-memory
 * ports: 16 per-service Prometheus queries over one hour of 1-minute metrics plus the two hours
 * before, pods, events, logs of the alerting and neighbouring services clustered into signatures,
 * deploys from the store, runbook matching) and the ranking. Budget: under 2 s for both.
 */
export const name = "diagnose live: 50 services, context assembly from in-memory ports + ranking";

const RENAME: Record<string, string> = {
  http_request_duration_p95: "latency_p99",
  error_rate_5xx: "error_ratio",
  container_cpu_usage: "cpu_utilization",
  memory_working_set_bytes: "memory_utilization",
  requests_total: "request_rate",
};

export async function run(): Promise<Record<string, string | number>> {
  const runs = 5;
  const times: number[] = [];
  const assembly: number[] = [];
  let correct = 0;
  let logLines = 0;
  const db = await openDb({ dataDir: "memory" });
  const runbooks = loadRunbookDir(new URL("../runbooks", import.meta.url).pathname).runbooks;
  try {
    for (let i = 0; i < runs; i++) {
      const c = syntheticCase({ seed: 4242 + i, services: 50, preSamples: 120, postSamples: 60, stepS: 60, distractors: 3 });
      const onset = c.input.anomalyStart * 1000;
      const now = onset + 60 * 60_000;
      const metrics = c.input.services.map((s) => ({ service: s.service, series: s.series.map((x) => ({ ...x, metric: RENAME[x.metric] ?? x.metric })) }));
      const names = metrics.map((s) => s.service);
      const pods = names.flatMap((s) => [0, 1, 2].map((k) => memoryPod({ name: `${s}-7d9f8c6b5-${"abc"[k]}xyz1`, service: s, createdAt: new Date(onset - 86_400_000).toISOString() })));
      const logs: Record<string, string> = {};
      for (const p of pods) {
        const lines: string[] = [];
        for (let t = onset - 30 * 60_000; t < now; t += 6_000) {
          const at = new Date(t).toISOString();
          lines.push(`${at} time=${at} level=INFO msg="request completed" method=GET path=/v1/items/${t % 977} status=200 duration=${(t % 90) + 3}ms`);
          if (p.name.startsWith(`${c.answer}-`) && t > onset) lines.push(`${at} time=${at} level=ERROR msg="upstream connect error or disconnect/reset before headers" peer=10.0.${t % 7}.${t % 200}:8080`);
        }
        logs[p.name] = lines.join("\n");
      }
      logLines = Object.values(logs).reduce((a, l) => a + l.split("\n").length, 0);
      await db.query("DELETE FROM change_events");
      await db.query("INSERT INTO change_events (id, source, kind, service, version, data, at) VALUES ($1, 'github', 'deploy', $2, 'v2', '{}', $3)", [`d-${i}`, c.answer, new Date(onset - 420_000).toISOString()]);
      const topology = { services: names, edges: c.calls };
      const front = c.frontEnd;
      const alerts: Alert[] = [{ fingerprint: `fp-${i}`, source: "alertmanager", name: "HighLatencyP99", status: "firing", severity: "sev2", service: front, summary: `p99 latency of ${front}`, labels: { service: front }, startsAt: new Date(onset + 120_000).toISOString() }];
      const incident: Incident = { id: `inc-${i}`, title: `p99 latency of ${front}`, status: "open", severity: "sev2", origin: "alert", services: [front], createdAt: new Date(onset + 120_000).toISOString(), updatedAt: new Date(now).toISOString() };
      const toolsets = new Toolsets({ clock: systemClock, ...toolsetRepos(db), knowledge: { loadedRunbooks: () => runbooks, search: async () => [] }, ports: memoryPorts({ now, metrics, pods, logs }) });
      const t0 = performance.now();
      const ctx = await assembleContext(incident, alerts, topology, toolsets, { maxServices: 60 });
      const d = diagnose(ctx.input);
      times.push(performance.now() - t0);
      assembly.push(ctx.elapsedMs);
      if (d.hypotheses[0]?.service === c.answer) correct++;
    }
  } finally {
    await db.close();
  }
  times.sort((a, b) => a - b);
  assembly.sort((a, b) => a - b);
  const worst = itemAt(times, times.length - 1);
  return {
    services: 50,
    "log lines served per run": logLines,
    "median assembly (ms)": Number(itemAt(assembly, Math.floor(runs / 2)).toFixed(1)),
    "median assembly + ranking (ms)": Number(itemAt(times, Math.floor(runs / 2)).toFixed(1)),
    "worst assembly + ranking (ms)": Number(worst.toFixed(1)),
    "budget (ms)": 2000,
    "within budget": worst < 2000 ? "yes" : "NO",
    "leader = injected fault": `${correct}/${runs}`,
  };
}
