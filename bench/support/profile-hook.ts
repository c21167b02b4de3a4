import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";

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
