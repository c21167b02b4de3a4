import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { isMainThread } from "node:worker_threads";

/**
 * Preloaded (`node --import`) into a product process by a test: records the URL of every module the
 * main thread loads (ES modules and CommonJS alike) and writes them, one a line, to
 * $LOADED_MODULES_FILE when the process exits. Worker threads (which inherit the flag) record nothing.
 */
const out = process.env.LOADED_MODULES_FILE;
if (isMainThread && out) {
  const loaded: string[] = [];
  registerHooks({
    load(url, context, next) {
      loaded.push(url);
      return next(url, context);
    },
  });
  process.on("exit", () => writeFileSync(out, loaded.join("\n")));
}
