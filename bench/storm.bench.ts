import http from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { topFrames } from "./support/cpu-profile.ts";
import { openLoop } from "./support/load.ts";
import { cpuSeconds, drained, rssMiB, startProduct, threadCpuSeconds } from "./support/product.ts";
import { delivery } from "./support/storm-alerts.ts";

export const name = "storm: the product (sandbox mode, PGlite) under 200 single-alert deliveries/s — RSS over time, webhook → root message, where the ingest path's CPU goes";

/** `npm run bench -- storm` runs 10 minutes; `--quick` (or STORM_SECONDS) a short one for CI. */
const QUICK = process.argv.includes("--quick");
const SECONDS = Number(process.env.STORM_SECONDS ?? (QUICK ? 60 : 600));
const RATE = Number(process.env.STORM_RATE ?? 200);
const SERVICES = Array.from({ length: 10 }, (_, i) => `storm-svc-${i}`);

/** A process's resident memory split into anonymous (heaps, WebAssembly memory, malloc) and file-backed (the node binary, libraries) MiB. */
function residentKinds(pid: number): string {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? Number.NaN);
    return `${Math.round(kb("Anonymous") / 1024)} / ${Math.round((kb("Rss") - kb("Anonymous")) / 1024)}`;
  } catch {
    return "n/a";
  }
}

const percentile = (sorted: number[], p: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN) : Number.NaN);

/** Top-level messages posted in the sandbox workspace, with when this process heard of each (SSE). */
function watchRootMessages(sandboxUrl: string): { seen: Map<string, number>; close(): void } {
  const seen = new Map<string, number>();
  const req = http.get(`${sandboxUrl}/sandbox/events`, (res) => {
    let buf = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buf += chunk;
      let i = buf.indexOf("\n\n");
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data && block.includes("event: change")) {
          const c = JSON.parse(data) as { kind: string; ts?: string; thread_ts?: string | null; channel?: string };
          if (c.kind === "message_posted" && !c.thread_ts && c.ts) seen.set(`${c.channel}/${c.ts}`, performance.now());
        }
        i = buf.indexOf("\n\n");
      }
    });
  });
  req.on("error", () => undefined);
  return { seen, close: () => req.destroy() };
}

export async function run(): Promise<Record<string, string | number>> {
  const out: Record<string, string | number> = { load: `${RATE} single-alert deliveries/s (open loop) for ${SECONDS} s; a new, unrelated failure every 3 s timed to its root message` };
  // STORM_PROFILE=0: no CPU profile, so the RSS figures are the product's alone (the profiler's
  // samples and code records are resident too).
  const profiled = process.env.STORM_PROFILE !== "0";
  // STORM_PROFILE_FROM=<s>: the profile covers the storm from that second on (what grows late in it).
  const profileFrom = Number(process.env.STORM_PROFILE_FROM ?? 0);
  out["CPU profile during the storm"] = profiled ? `on${profileFrom > 0 ? ` from ${profileFrom} s` : ""} (STORM_PROFILE=0 turns it off for memory figures)` : "off";
  const product = await startProduct({ AISRE_PROFILE_CPU: profiled ? "1" : "0" });
  out["start → /readyz ms (fresh data folder)"] = Math.round(product.readyMs);
  const watch = watchRootMessages(product.sandboxUrl);
  const pid = product.child.pid ?? 0;
  const rss: string[] = [];
  const sample = () => {
    const sb = product.sandboxPid();
    rss.push(`${Math.round((performance.now() - t0) / 1000)}s ${rssMiB(pid)}${sb ? `+${rssMiB(sb)}` : ""}`);
  };
  const run = `st${Date.now()}`;
  // Probes: a new service's failure every 3 s; its root message's arrival is timed.
  const probes: Array<{ service: string; sentAt: number; status?: number }> = [];
  const before = await product.metrics();
  const cpuBefore = cpuSeconds(pid);
  let profiling = false;
  const startProfile = () => {
    product.toggleProfile();
    profiling = true;
  };
  const profileTimer = profileFrom > 0 ? setTimeout(startProfile, profileFrom * 1000) : undefined;
  if (!profileTimer) startProfile();
  const t0 = performance.now();
  sample();
  // When processing began (the first delivery of the storm processed): until then the product is
  // still warming (topology, the simulation's history), and the probes of those seconds wait for it.
  let processingSince: number | undefined;
  const warmWatch = setInterval(() => {
    void product.metrics().then(
      (m) => {
        if (processingSince === undefined && m.processed > before.processed) processingSince = performance.now();
      },
      () => undefined,
    );
  }, 500);
  // Every 10 s: each thread's CPU (cores) over the interval, by thread name (the main thread is
  // "main"; workers are named: door, pglite, charts; V8Worker are V8's GC/compiler helpers), and
  // deliveries processed /s and the backlog — what grows over a long storm, and where.
  const threadRows: string[] = [];
  const byName = (t: Map<number, { name: string; s: number }>) => {
    const out = new Map<string, number>();
    for (const [tid, { name, s }] of t) {
      const key = tid === pid ? "main" : name;
      out.set(key, (out.get(key) ?? 0) + s);
    }
    return out;
  };
  let lastThreads = byName(threadCpuSeconds(pid));
  // The sandbox's process (the twins: Slack receiving the product's posts, the simulation) shares the machine.
  const sandboxCpu = () => {
    const sb = product.sandboxPid();
    return sb ? cpuSeconds(sb) : 0;
  };
  let lastSandbox = sandboxCpu();
  let lastAt = performance.now();
  let lastProcessed = before.processed;
  const threadTimer = setInterval(() => {
    void product.metrics().then(
      (m) => {
        const now = byName(threadCpuSeconds(pid));
        const dt = (performance.now() - lastAt) / 1000;
        const parts = [...now]
          .map(([k, s]) => [k, (s - (lastThreads.get(k) ?? 0)) / dt] as const)
          .filter(([, c]) => c >= 0.005)
          .sort((a, b) => b[1] - a[1]);
        const sandbox = sandboxCpu();
        threadRows.push(`${Math.round((performance.now() - t0) / 1000)}s processed ${Math.round((m.processed - lastProcessed) / dt)}/s backlog ${m.accepted - m.processed} | ${parts.map(([k, c]) => `${k} ${c.toFixed(2)}`).join(" ")} | sandbox process ${((sandbox - lastSandbox) / dt).toFixed(2)}`);
        lastSandbox = sandbox;
        process.stderr.write(`storm ${threadRows.at(-1)}\n`);
        lastThreads = now;
        lastAt = performance.now();
        lastProcessed = m.processed;
      },
      () => undefined,
    );
  }, 10_000);
  const every = Math.max(5, Math.round(SECONDS / 30));
  const sampler = setInterval(sample, every * 1000);
  const probeTimer = setInterval(() => {
    const service = `probe-${run}-${probes.length}`;
    const p: { service: string; sentAt: number; status?: number } = { service, sentAt: performance.now() };
    probes.push(p);
    void fetch(`${product.url}/webhooks/alertmanager`, { method: "POST", headers: { "content-type": "application/json" }, body: delivery({ name: `ProbeFailure${probes.length}`, service, instance: `${service}-0`, fingerprint: `${service}-fp`, severity: "critical", summary: `${service} is failing` }) }).then(
      (r) => (p.status = r.status),
      () => (p.status = 0),
    );
  }, 3000);
  let load: Awaited<ReturnType<typeof openLoop>>;
  try {
    load = await openLoop(
      `${product.url}/webhooks/alertmanager`,
      (i) => {
        const service = SERVICES[i % SERVICES.length] ?? "storm-svc-0";
        return delivery({ name: `StormAlert${i % 4}`, service, instance: `${service}-${run}-${i}`, fingerprint: `${run}-${i}`, severity: "warning", summary: `${service} symptom ${i}` });
      },
      { perSecond: RATE, seconds: SECONDS },
    );
  } finally {
    clearInterval(probeTimer);
    clearInterval(sampler);
    clearInterval(warmWatch);
    clearInterval(threadTimer);
  }
  clearTimeout(profileTimer);
  if (profiling) product.toggleProfile();
  sample();
  out["product RSS at the storm's end: anonymous / file-backed MiB (/proc/<pid>/smaps_rollup)"] = residentKinds(pid);
  const cpuUsed = cpuSeconds(pid) - cpuBefore;
  const atEnd = await product.metrics();
  // Let the last probes' root messages arrive, and the backlog drain.
  const m = await drained(() => product.metrics(), before, 60_000, 500);
  // The product's CPU per delivery, from the storm's first delivery until its backlog drained: what
  // processing costs, far less sensitive to a busy machine than rates and latencies are.
  const cpuDrained = cpuSeconds(pid) - cpuBefore;
  const deliveries = m.processed - before.processed;
  await new Promise((r) => setTimeout(r, 5000));
  watch.close();

  // Match each probe to its root message by text, then take the SSE arrival time of that message.
  const latencies: number[] = [];
  const perProbe: Array<[number, number]> = [];
  const warmLatencies: number[] = [];
  let missing = 0;
  const history = (await (await fetch(`${product.sandboxUrl}/sandbox/users/U_ALICE/channels/%23incidents/messages?limit=1000`)).json()) as { channel?: string; messages?: Array<{ ts: string; text?: string; blocks?: unknown }> };
  const matched = new Set<string>();
  for (const msg of history.messages ?? []) {
    const text = `${msg.text ?? ""} ${JSON.stringify(msg.blocks ?? [])}`;
    const probe = probes.find((p) => !matched.has(p.service) && text.includes(p.service));
    const at = watch.seen.get(`${history.channel}/${msg.ts}`);
    if (!probe || at === undefined) continue;
    matched.add(probe.service);
    latencies.push(at - probe.sentAt);
    perProbe.push([Math.round((probe.sentAt - t0) / 1000), Math.round(at - probe.sentAt)]);
    if (processingSince !== undefined && probe.sentAt >= processingSince) warmLatencies.push(at - probe.sentAt);
  }
  missing = probes.length - matched.size;
  await product.stop();

  const sorted = latencies.sort((a, b) => a - b);
  out["deliveries acknowledged /s (2xx)"] = Math.round(load.rate);
  out["ack p50 / p99 ms"] = `${load.p50.toFixed(1)} / ${load.p99.toFixed(1)}`;
  out["refused / errors"] = `${load.failed} ${JSON.stringify(load.statuses)}`;
  out["processed during the storm /s"] = Math.round((atEnd.processed - before.processed) / load.seconds);
  out["backlog at the end of the storm"] = atEnd.accepted - atEnd.processed;
  // A burst holds processing (see src/webhooks/burst.ts): at this rate there should be none.
  out["bursts the door took the storm for (each held processing)"] = atEnd.bursts - before.bursts;
  out["backlog 60 s later"] = m.accepted - m.processed;
  out["webhook → root message p50 / p99 ms (target p99 < 1000)"] = `${Math.round(percentile(sorted, 50))} / ${Math.round(percentile(sorted, 99))} (${sorted.length} new incidents; ${missing} without a root message)`;
  const warm = warmLatencies.sort((a, b) => a - b);
  out["processing began (first storm delivery processed), s into the storm"] = processingSince === undefined ? "never during the storm" : ((processingSince - t0) / 1000).toFixed(1);
  out["webhook → root message p50 / p99 ms, probes sent once processing began"] = `${Math.round(percentile(warm, 50))} / ${Math.round(percentile(warm, 99))} (${warm.length} probes)`;
  out["each probe: s into the storm → root message ms"] = perProbe
    .sort((a, b) => a[0] - b[0])
    .map(([s, ms]) => `${s}s ${ms}`)
    .join(", ");
  out["product CPU during the storm (cores)"] = (cpuUsed / load.seconds).toFixed(2);
  out["product CPU ms per delivery, storm until drained (door, processing, housekeeping, the sandbox's Slack)"] = deliveries > 0 ? ((1000 * cpuDrained) / deliveries).toFixed(2) : "n/a";
  threadRows.forEach((row, i) => (out[`every 10 s #${i + 1}: processed, backlog | thread CPU (cores)`] = row));
  out[`RSS MiB over time (product+sandbox process), every ${every} s`] = rss.join(", ");
  const memory = readdirSync(product.profileDir).find((f) => f.endsWith(".memory.json"));
  if (memory) {
    const m = JSON.parse(readFileSync(join(product.profileDir, memory), "utf8")) as NodeJS.MemoryUsage;
    const mib = (b: number) => Math.round(b / 1048576);
    out["product memory at the end: RSS / V8 heap used of total / external incl. PGlite's WebAssembly heap (MiB)"] = `${mib(m.rss)} / ${mib(m.heapUsed)} of ${mib(m.heapTotal)} / ${mib(m.external)}`;
  }
  const report = readdirSync(product.profileDir).find((f) => f.endsWith(".report.json"));
  if (report) {
    // The heaps process.memoryUsage() leaves out: each worker's (PGlite's, the chart worker's).
    type Heap = { totalMemory: number; usedMemory: number; mallocedMemory: number; externalMemory: number };
    const r = JSON.parse(readFileSync(join(product.profileDir, report), "utf8")) as { javascriptHeap: Heap; workers?: Array<{ javascriptHeap: Heap }> };
    const mib = (b: number) => Math.round(b / 1048576);
    const heap = (h: Heap) => `${mib(h.usedMemory)} of ${mib(h.totalMemory)} (malloced ${mib(h.mallocedMemory)}, external ${mib(h.externalMemory)})`;
    out["V8 heaps at the end, used of total MiB: main thread; each worker"] = [heap(r.javascriptHeap), ...(r.workers ?? []).map((w) => heap(w.javascriptHeap))].join("; ");
  }
  const profile = readdirSync(product.profileDir).find((f) => f.endsWith(".cpuprofile"));
  if (profile) {
    const all = topFrames(join(product.profileDir, profile), { top: 12 });
    all.parts.forEach((line, i) => (out[`CPU by part #${i + 1}`] = line));
    const ingest = topFrames(join(product.profileDir, profile), { top: 15, ingestOnly: true });
    out["CPU on the ingest path (stack through webhooks/ingest/correlate/incident/store)"] = `${(100 * ingest.ingestShare).toFixed(1)}% of the profile`;
    ingest.frames.forEach((line, i) => (out[`ingest path top frame #${i + 1}`] = line));
  }
  return out;
}
