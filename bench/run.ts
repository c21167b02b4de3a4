import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * `npm run bench`: runs every `bench/*.bench.ts`. Each exports `name` and
 * `run(): Promise<Record<string, string | number>>`; figures are printed as they come.
 * Pass names to run a subset: `npm run bench -- ingest detect`; `--quick` asks for short variants
 * (the storm runs 60 s instead of 10 minutes).
 */
const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith("--")); // flags (--quick) are the benches' own
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
for (const file of files) {
  const mod = (await import(new URL(file, import.meta.url).href)) as {
    name: string;
    run(): Promise<Record<string, string | number>>;
  };
  if (only.length > 0 && !only.some((o) => file.startsWith(o))) continue;
  const started = performance.now();
  const figures = await mod.run();
  process.stdout.write(`\n## ${mod.name}  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  for (const [key, value] of Object.entries(figures)) process.stdout.write(`  ${key.padEnd(48)} ${value}\n`);
}
