import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/**
 * Preloaded into a benchmarked process (`node --import ./bench/support/profile-hook.ts …`): SIGUSR2
 * starts a CPU profile of its main thread, the next SIGUSR2 writes it to
 * `$AISRE_PROFILE_DIR/<pid>-<n>.cpuprofile` (and `process.memoryUsage()` beside it). A bench profiles
 * only the window it loads the process, not its start.
 */
const dir = process.env.AISRE_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  process.on("SIGUSR2", () => {
    void (async () => {
      if (!running) {
        running = true;
        await session.post("Profiler.setSamplingInterval", { interval: 1000 });
        await session.post("Profiler.enable");
        await session.post("Profiler.start");
        return;
      }
      running = false;
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(join(dir, `${process.pid}-${n}.cpuprofile`), JSON.stringify(profile));
      // Where the resident memory is: V8's heap, and external (PGlite's WebAssembly heap is counted there).
      writeFileSync(join(dir, `${process.pid}-${n++}.memory.json`), JSON.stringify(process.memoryUsage()));
    })();
  });
}
