import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PRODUCT_ENV, PRODUCT_NODE_FLAGS } from "../handlers/node-flags.ts";
import { freePort } from "../src/http/free-port.ts";
import { cpuSeconds, rssMiB, stopChild } from "./support/product.ts";

export const name = "startup and footprint: npm start to /healthz, to the banner and /readyz (fresh and warm data folder, N starts each); phases; memory and CPU at rest";

const root = fileURLToPath(new URL("../", import.meta.url));
const QUICK = process.argv.includes("--quick");
/** Starts per case (STARTUP_RUNS; 2 with --quick). */
const RUNS = Number(process.env.STARTUP_RUNS ?? (QUICK ? 2 : 5));
/** Seconds the last warm start is watched at rest (memory, idle CPU). */
const REST = Number(process.env.BENCH_REST_SECONDS ?? (QUICK ? 5 : 30));

interface Start {
  healthz: number;
  banner: number;
  readyz: number;
  /** Phases logged with "aisre is up" (ms since the process started). */
  phases: Record<string, number>;
  rssAtReady: number;
  cpuToReady: number;
  rest?: { rss: number; idleCpuPercent: number };
}

/**
 * One `node handlers/main.ts` as a user starts it: ms from spawn until /healthz answers, until the
 * "aisre is running" banner, until /readyz answers; its phases and resident memory at ready.
 */
async function start(env: Record<string, string>, restSeconds: number): Promise<Start> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...PRODUCT_NODE_FLAGS, "handlers/main.ts"], {
    cwd: root,
    env: { ...PRODUCT_ENV, PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), SANDBOX_PORT: String(await freePort()), LOG_LEVEL: "info", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let banner = 0;
  let phases: Record<string, number> = {};
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (!banner && out.includes("aisre is running")) banner = performance.now() - t0;
    for (const line of out.split("\n")) if (line.includes('"aisre is up"')) phases = (JSON.parse(line) as { phases?: Record<string, number> }).phases ?? {};
    if (out.length > 1_000_000) out = out.slice(-10_000);
  });
  child.stderr.resume();
  const until = async (path: string): Promise<number> => {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - t0;
      if (performance.now() - t0 > 300_000) throw new Error(`${path} did not answer within 300 s`);
      if (child.exitCode !== null) throw new Error(`the product exited (${child.exitCode}) before ${path} answered`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    const healthz = await until("/healthz");
    const readyz = await until("/readyz");
    const pid = child.pid ?? 0;
    const cpuAtReady = cpuSeconds(pid);
    const result: Start = { healthz, banner, readyz, phases, rssAtReady: rssMiB(pid), cpuToReady: cpuAtReady };
    if (restSeconds > 0) {
      await new Promise((r) => setTimeout(r, restSeconds * 1000));
      result.rest = { rss: rssMiB(pid), idleCpuPercent: Math.round(((cpuSeconds(pid) - cpuAtReady) / restSeconds) * 1000) / 10 };
    }
    return result;
  } finally {
    await stopChild(child, 15_000);
  }
}

const p50 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};
const max = (xs: number[]) => Math.max(...xs);
const ms = (xs: number[]) => `${Math.round(p50(xs))} / ${Math.round(max(xs))}`;
const load = () => loadavg()[0]?.toFixed(1) ?? "?";

export async function run(): Promise<Record<string, string | number>> {
  const figures: Record<string, string | number> = { runs: `${RUNS} starts per case; figures are p50 / max; load = 1-minute load average before / after the case (2 cores shared)` };
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), "aisre-bench-start-"));
    dirs.push(d);
    return d;
  };
  try {
    const warmDir = fresh();
    const cases: Array<[string, () => Record<string, string>]> = [
      ["sandbox, PGlite, fresh data folder", () => ({ AISRE_DATA_DIR: fresh() })],
      ["sandbox, PGlite, warm data folder", () => ({ AISRE_DATA_DIR: warmDir })],
    ];
    // Postgres (as in the production overlay) when a database is given.
    const url = process.env.BENCH_DATABASE_URL;
    if (url) cases.push(["sandbox, Postgres (BENCH_DATABASE_URL)", () => ({ AISRE_DATA_DIR: fresh(), DATABASE_URL: url })]);
    // The warm folder is made once before its case.
    await start({ AISRE_DATA_DIR: warmDir }, 0);
    for (const [label, env] of cases) {
      const before = load();
      const starts: Start[] = [];
      for (let i = 0; i < RUNS; i++) starts.push(await start(env(), i === RUNS - 1 && label.includes("warm") ? REST : 0));
      figures[`${label}: load`] = `${before} / ${load()}`;
      figures[`${label}: /healthz ms`] = ms(starts.map((s) => s.healthz));
      figures[`${label}: banner ms`] = ms(starts.map((s) => s.banner || Number.NaN));
      figures[`${label}: /readyz ms`] = ms(starts.map((s) => s.readyz));
      const names = [...new Set(starts.flatMap((s) => Object.keys(s.phases)))];
      figures[`${label}: phases p50 (ms since start)`] = names
        .map((n) => [n, p50(starts.map((s) => s.phases[n] ?? Number.NaN).filter((x) => !Number.isNaN(x)))] as const)
        .sort((a, b) => a[1] - b[1])
        .map(([n, v]) => `${n} ${Math.round(v)}`)
        .join(", ");
      figures[`${label}: CPU to ready (s)`] = `${p50(starts.map((s) => s.cpuToReady)).toFixed(1)} / ${max(starts.map((s) => s.cpuToReady)).toFixed(1)}`;
      figures[`${label}: RSS at ready (MiB)`] = `${p50(starts.map((s) => s.rssAtReady))} / ${max(starts.map((s) => s.rssAtReady))}`;
      const rest = starts.at(-1)?.rest;
      if (rest) {
        figures[`${label}: RSS after ${REST} s at rest (MiB)`] = rest.rss;
        figures[`${label}: CPU at rest (% of a core)`] = rest.idleCpuPercent;
      }
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return figures;
}
