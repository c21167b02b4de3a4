import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { isMainThread, threadId } from "node:worker_threads";

/**
 * Preloaded into a benchmarked process (`node --import ./bench/support/profile-hook.ts …`): SIGUSR2
 * starts a CPU profile of its main thread, the next SIGUSR2 writes it to
 * `$AISRE_PROFILE_DIR/<pid>-<n>.cpuprofile` (and `process.memoryUsage()` beside it). A bench profiles
 * only the window it loads the process, not its start.
 */
const dir = process.env.AISRE_PROFILE_DIR;
// AISRE_PROFILE_CPU=0: memory only (no inspector session, no profiler), so resident memory is the
// product's own and not the profiler's samples and code records.
const cpu = process.env.AISRE_PROFILE_CPU !== "0";
if (dir) {
  const session = cpu ? new Session() : undefined;
  session?.connect();
  let running = false;
  let n = 0;
  process.on("SIGUSR2", () => {
    void (async () => {
      if (!running) {
        running = true;
        await session?.post("Profiler.setSamplingInterval", { interval: 1000 });
        await session?.post("Profiler.enable");
        await session?.post("Profiler.start");
        return;
      }
      running = false;
      const stopped = await session?.post("Profiler.stop");
      if (stopped) writeFileSync(join(dir, `${process.pid}-${n}.cpuprofile`), JSON.stringify(stopped.profile));
      // Where the resident memory is: V8's heap, and external (PGlite's WebAssembly heap is counted there).
      writeFileSync(join(dir, `${process.pid}-${n}.memory.json`), JSON.stringify(process.memoryUsage()));
      // Node's diagnostic report: the heap spaces of the main thread and of every worker (PGlite's,
      // the chart worker's), which process.memoryUsage() does not count.
      writeFileSync(join(dir, `${process.pid}-${n}.report.json`), JSON.stringify(process.report.getReport()));
      // AISRE_HEAP_SNAPSHOT=1: what the main thread's heap holds (seconds of pause, a file of a few hundred MB).
      if (process.env.AISRE_HEAP_SNAPSHOT === "1") writeHeapSnapshot(join(dir, `${process.pid}-${n}.heapsnapshot`));
      n++;
    })();
  });
}

/**
 * AISRE_MEMORY_TRACE=<seconds>: every that many seconds a line in `$AISRE_PROFILE_DIR/<pid>.memory-trace.jsonl`
 * — seconds since start, resident memory (anonymous, file-backed), the main thread's V8 heap and each
 * worker's (Node's diagnostic report), external and array buffers (written by the main thread; the
 * hook runs in every thread, --import preloads into workers too). AISRE_HEAP_SNAPSHOT_AT=<s,s,…>:
 * a heap snapshot of each thread at those seconds since start (`<pid>-t<thread>-at<s>s.heapsnapshot`).
 */
const traceEvery = Number(process.env.AISRE_MEMORY_TRACE ?? 0);
if (dir && traceEvery > 0 && isMainThread) {
  const mib = (b: number) => Math.round(b / 1048576);
  const trace = () => {
    let anon = Number.NaN;
    let rss = Number.NaN;
    try {
      const rollup = readFileSync("/proc/self/smaps_rollup", "utf8");
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? Number.NaN);
      anon = Math.round(kb("Anonymous") / 1024);
      rss = Math.round(kb("Rss") / 1024);
    } catch {
      // not Linux
    }
    type Heap = { totalMemory: number; usedMemory: number; mallocedMemory: number; externalMemory: number };
    const report = process.report.getReport() as unknown as { javascriptHeap: Heap; workers?: Array<{ javascriptHeap: Heap; header?: { threadId?: number } }> };
    const heap = (h: Heap) => ({ used: mib(h.usedMemory), total: mib(h.totalMemory), malloced: mib(h.mallocedMemory), external: mib(h.externalMemory) });
    const m = process.memoryUsage();
    appendFileSync(join(dir, `${process.pid}.memory-trace.jsonl`), `${JSON.stringify({ s: Math.round(process.uptime()), rss, anon, external: mib(m.external), arrayBuffers: mib(m.arrayBuffers), main: heap(report.javascriptHeap), workers: (report.workers ?? []).map((w) => heap(w.javascriptHeap)) })}\n`);
  };
  setInterval(trace, traceEvery * 1000).unref();
}
const snapshotsAt = (process.env.AISRE_HEAP_SNAPSHOT_AT ?? "").split(",").filter(Boolean).map(Number);
if (dir) for (const at of snapshotsAt) setTimeout(() => writeHeapSnapshot(join(dir, `${process.pid}-t${threadId}-at${at}s.heapsnapshot`)), at * 1000).unref();
