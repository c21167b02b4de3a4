import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../src/http/free-port.ts";

export const name = "startup and footprint: npm start to /healthz, to the banner and /readyz; memory and CPU at rest";

const root = fileURLToPath(new URL("../", import.meta.url));
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/**
 * One `node handlers/main.ts` as a user starts it: milliseconds from spawn until /healthz answers,
 * until the "aisre is running" banner, until /readyz answers; then its resident memory and the CPU
 * it uses over `restSeconds` with nothing happening (the SLI poll runs, as it would).
 */
async function start(env: Record<string, string>, restSeconds: number): Promise<Record<string, number>> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ["handlers/main.ts"], { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), SANDBOX_PORT: String(await freePort()), LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let banner = 0;
  child.stdout.on("data", (d: Buffer) => {
    if (!banner && d.toString().includes("aisre is running")) banner = performance.now() - t0;
  });
  const until = async (path: string): Promise<number> => {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - t0;
      if (performance.now() - t0 > 180_000) throw new Error(`${path} did not answer within 180 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    const healthz = await until("/healthz");
    const readyz = await until("/readyz");
    const cpuAtReady = cpuSeconds(child.pid!);
    const rssAtReady = rssMiB(child.pid!);
    await new Promise((r) => setTimeout(r, restSeconds * 1000));
    const idleCpu = (cpuSeconds(child.pid!) - cpuAtReady) / restSeconds;
    return { healthz: Math.round(healthz), banner: Math.round(banner || Number.NaN), readyz: Math.round(readyz), cpuToReady: cpuAtReady, rssAtReady, rssAtRest: rssMiB(child.pid!), idleCpuPercent: Math.round(idleCpu * 1000) / 10 };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

export async function run(): Promise<Record<string, string | number>> {
  const figures: Record<string, string | number> = {};
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-bench-start-"));
  const rest = Number(process.env.BENCH_REST_SECONDS ?? 30);
  try {
    const runs: Array<[string, Record<string, string>]> = [
      ["sandbox, PGlite, first start", { AISRE_DATA_DIR: dataDir }],
      ["sandbox, PGlite, restart", { AISRE_DATA_DIR: dataDir }],
    ];
    // Postgres (as in the production overlay) when a database is given.
    const url = process.env.BENCH_DATABASE_URL;
    if (url) runs.push(["sandbox, Postgres (BENCH_DATABASE_URL)", { AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-bench-pg-")), DATABASE_URL: url }]);
    for (const [label, env] of runs) {
      const r = await start(env, rest);
      figures[`${label}: /healthz, banner, /readyz (ms)`] = `${r.healthz}, ${r.banner}, ${r.readyz}`;
      figures[`${label}: CPU to ready (s)`] = r.cpuToReady!.toFixed(1);
      figures[`${label}: RSS at ready, after ${rest} s (MiB)`] = `${r.rssAtReady}, ${r.rssAtRest}`;
      figures[`${label}: CPU at rest (% of a core)`] = r.idleCpuPercent!;
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}
