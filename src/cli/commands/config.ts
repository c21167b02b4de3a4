import { ConfigError, describeConfig, loadConfig } from "../../config.ts";

export const summary = "show which parts are real and which run on the sandbox (never prints secrets)";

export async function run(args: string[]): Promise<number> {
  try {
    const rows = describeConfig(loadConfig());
    if (args.includes("--json")) {
      process.stdout.write(`${JSON.stringify({ parts: rows }, null, 2)}\n`);
    } else {
      for (const r of rows) process.stdout.write(`${r.part.padEnd(12)} ${r.mode.padEnd(9)} ${r.detail}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
