import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * `aisre <command> [args]`: each command is a module in ./commands/<command>.ts exporting
 * `summary` (one line for help) and `run(args: string[]): Promise<number>` (the exit code).
 */
export interface CliCommand {
  summary: string;
  run(args: string[]): Promise<number>;
}

const commandsDir = new URL("./commands/", import.meta.url);

async function loadCommand(name: string): Promise<CliCommand | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined;
  const url = new URL(`${name}.ts`, commandsDir);
  if (!existsSync(fileURLToPath(url))) return undefined;
  return (await import(url.href)) as CliCommand;
}

async function help(): Promise<number> {
  const { readdirSync } = await import("node:fs");
  const names = readdirSync(fileURLToPath(commandsDir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .sort();
  const lines = ["usage: aisre <command> [options]", "", "commands:"];
  for (const name of names) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(14)} ${cmd.summary}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") return help();
  const cmd = await loadCommand(name);
  if (!cmd) {
    process.stderr.write(`aisre: unknown command "${name}". Run "aisre help" for the list.\n`);
    return 2;
  }
  return cmd.run(rest);
}

// Modules type-stripped and compiled once are reused by the next run (Node's cache in the temp folder).
(await import("../config.ts")).enableCompileCacheForAllThreads();
process.exitCode = await main(process.argv.slice(2));
