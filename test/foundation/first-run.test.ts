import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/process.ts";

/**
 * What a new user sees on a machine whose own Node is older than the project's (the project brings
 * its own Node 24): `npm install` and `npx aisre help` print no engine warnings, only their output.
 */
const SYSTEM_BIN = ["/usr/bin", "/usr/local/bin"].find((d) => existsSync(`${d}/npm`) && existsSync(`${d}/node`));
const systemNodeMajor = SYSTEM_BIN ? Number(execFileSync(`${SYSTEM_BIN}/node`, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }).trim()) : undefined;
const olderSystemNode = systemNodeMajor !== undefined && systemNodeMajor < 24;

/** Runs with only the system's bin directories on PATH, as in a fresh terminal. */
function runSystem(command: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(`${SYSTEM_BIN}/${command}`, args, {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 120_000,
    env: { PATH: `${SYSTEM_BIN}:/usr/bin:/bin`, HOME: process.env.HOME ?? "/tmp", ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}) },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!olderSystemNode)(`first run with the system's Node ${systemNodeMajor ?? "?"}`, () => {
  it("npm install prints no EBADENGINE warning", () => {
    // --dry-run with the lockfile: the same engine checks as a real install, nothing written.
    const r = runSystem("npm", ["install", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"]);
    expect(r.status).toBe(0);
    expect(r.output).not.toMatch(/EBADENGINE|npm warn/);
  });

  it("npx aisre help starts with the help text", () => {
    const r = runSystem("npx", ["aisre", "help"]);
    expect(r.status).toBe(0);
    expect(r.output).not.toMatch(/EBADENGINE|npm warn/);
    expect(r.output.split("\n")[0]).toBe("usage: aisre <command> [options]");
  });
});
