import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "../src/store/migrate.ts";
import { dumpMigratedDatabase, startFreshDatabasesFrom } from "../src/store/pglite-db.ts";
import { templateKey } from "../src/store/pglite-template.ts";
import { startTestAisre } from "../test/support/harness.ts";

export const name = "test product start: startTestAisre() + close in one process, CPU (user+sys, all threads) of the first start and of the next ones";

/** Starts measured (TEST_START_RUNS; 3 with --quick). */
const RUNS = Number(process.env.TEST_START_RUNS ?? (process.argv.includes("--quick") ? 3 : 8));

const cpu = (from: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
};

/**
 * What an e2e file pays for each product it starts, as the suite runs it: fresh databases from the
 * migrated template the test setup makes (the same file, made here when missing). The first start
 * of a process also loads the product's modules; the next ones are what each further file pays.
 */
export async function run(): Promise<Record<string, string | number>> {
  const dir = join(tmpdir(), "aisre-pglite-templates");
  const template = join(dir, `${templateKey()}.tar`);
  if (!existsSync(template)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(template, Buffer.from(await (await dumpMigratedDatabase(migrate)).arrayBuffer()));
  }
  startFreshDatabasesFrom(template);
  const load = loadavg()[0]!.toFixed(1);
  const runs: Array<{ start: number; close: number; wall: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const t = await startTestAisre();
    const start = cpu(c0);
    await t.close();
    runs.push({ start, close: cpu(c0) - start, wall: (performance.now() - w0) / 1000 });
  }
  startFreshDatabasesFrom(undefined);
  const next = runs
    .slice(1)
    .map((r) => r.start + r.close)
    .sort((a, b) => a - b);
  const median = next[Math.floor(next.length / 2)] ?? Number.NaN;
  return {
    "load average at start (1 min)": load,
    "first start + close, CPU s": (runs[0]!.start + runs[0]!.close).toFixed(2),
    [`next starts + close, CPU s (median of ${next.length})`]: median.toFixed(2),
    "each start + close, CPU s": runs.map((r) => (r.start + r.close).toFixed(2)).join(" "),
    "each start + close, wall s": runs.map((r) => r.wall.toFixed(2)).join(" "),
  };
}
