import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PRODUCT_ENV, PRODUCT_NODE_FLAGS } from "../../handlers/node-flags.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";
import { freePort } from "../support/ports.ts";
import { eventually } from "../support/eventually.ts";
import { runNode, untilReady } from "../support/process.ts";

describe("configuration", () => {
  it("needs nothing: every part defaults to the sandbox", () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.sandboxPort).toBe(3001);
    expect(c.dataDir).toBe("./.aisre");
    expect([c.slack.mode, c.kubernetes.mode, c.jira.mode, c.pagerduty.mode]).toEqual(["sandbox", "sandbox", "sandbox", "sandbox"]);
    expect(c.openai.enabled).toBe(false);
  });

  it("names the variable and the expected form for a wrong value", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow(/PORT: expected a port number/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: expected a postgres:\/\//);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set/);
    try {
      loadConfig({ SLACK_BOT_TOKEN: "xoxp-user-token", SLACK_SIGNING_SECRET: "0".repeat(32) });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).not.toContain("xoxp-user-token");
    }
  });

  it("SIM_START pins the simulation's first instant; anything but an instant is refused by name", () => {
    expect(loadConfig({}).env.SIM_START).toBeUndefined();
    expect(loadConfig({ SIM_START: "2025-03-10T18:00:00Z" }).env.SIM_START).toBe(Date.UTC(2025, 2, 10, 18));
    expect(() => loadConfig({ SIM_START: "tomorrow at six" })).toThrow(/SIM_START.*ISO 8601/s);
  });

  it("switches a part to real when its variables are set", () => {
    const c = loadConfig({ PROMETHEUS_URL: "http://prom:9090", KUBECONFIG: "/k" });
    expect(c.prometheus.mode).toBe("real");
    expect(c.kubernetes.mode).toBe("real");
    expect(c.jira.mode).toBe("sandbox");
  });
});

describe("npm start", () => {
  it("runs with the same V8 flags and environment from npm start, the image and the benches", () => {
    const root = new URL("../../", import.meta.url);
    const start = (JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { scripts: Record<string, string> }).scripts.start;
    const assignments = Object.entries(PRODUCT_ENV).map(([k, v]) => `${k}=${v}`);
    expect(start).toBe([...assignments, "node", ...PRODUCT_NODE_FLAGS, "handlers/main.ts"].join(" "));
    const dockerfile = readFileSync(new URL("Dockerfile", root), "utf8");
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? "[]")).toEqual(["node", ...PRODUCT_NODE_FLAGS, "handlers/main.ts"]);
    // The final stage's ENV (after its FROM) sets each variable as npm start does.
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    for (const a of assignments) expect(finalStage).toMatch(new RegExp(`^\\s*(ENV\\s+)?${a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\s|$)`, "m"));
    for (const bench of ["bench/support/product.ts", "bench/startup.bench.ts", "bench/am-compare.bench.ts"]) {
      const text = readFileSync(new URL(bench, root), "utf8");
      expect(text).toContain("...PRODUCT_NODE_FLAGS");
      expect(text).toContain("...PRODUCT_ENV");
    }
    expect(PRODUCT_NODE_FLAGS.length).toBeGreaterThan(0);
  });

  it("starts with Node's compile cache on, so a TypeScript entry read from it does not load Node's TypeScript stripper", async () => {
    // A fresh entry (its own folder: a cache miss the first time), started twice with the product's environment.
    const dir = mkdtempSync(join(tmpdir(), "aisre-entry-"));
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, 'const loaded: string[] = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;\nprocess.stdout.write(JSON.stringify(loaded.filter((m) => m.includes("amaro"))));\n');
    const stripperLoaded = async () => {
      const run = runNode([entry], { ...PRODUCT_ENV });
      expect(await run.exited).toBe(0);
      return JSON.parse(run.output()) as string[];
    };
    // The first start strips the entry (the stripper loads) and leaves it in the cache…
    expect(await stripperLoaded()).toEqual(["NativeModule internal/deps/amaro/dist/index"]);
    // …the next reads it from there: without NODE_COMPILE_CACHE the cache is only enabled by the entry itself, after it was stripped.
    expect(await stripperLoaded()).toEqual([]);
  }, 60_000);

  it("writes each thread's compile cache once it is up, which releases the copies Node kept in memory", async () => {
    // Node writes (and drops) a thread's compile cache only at its exit or on flushCompileCache;
    // its debug output names the explicit writes. The main thread, the door's and the embedded database's.
    const env = { PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-")), LOG_LEVEL: "warn", NODE_COMPILE_CACHE: mkdtempSync(join(tmpdir(), "aisre-cc-")), NODE_DEBUG_NATIVE: "COMPILE_CACHE" };
    const run = runNode(["handlers/main.ts"], env);
    try {
      await untilReady(run, `http://127.0.0.1:${env.PORT}/readyz`, 300_000);
      const written = await eventually(
        async () => {
          const n = run.output().split("flushCompileCache() finished").length - 1;
          return n >= 3 ? n : undefined;
        },
        "three threads' compile caches written while the product runs",
        // A first start writes every module's cache (thousands of files) on a busy CI machine.
        240_000,
      );
      expect(written).toBeGreaterThanOrEqual(3);
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
  }, 600_000);

  it("stops at start-up with a clear message when a variable is wrong", async () => {
    const run = runNode(["handlers/main.ts"], { PORT: "not-a-port", AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-")) });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain("PORT: expected a port number (1-65535)");
    expect(run.output()).toContain("aisre did not start");
  });

  it("opens the embedded store in its worker: the main thread loads neither PGlite nor the Postgres driver, nor PagerDuty's client before anything pages", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-"));
    const modulesFile = join(dataDir, "loaded-modules.txt");
    const env = { PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: dataDir, LOG_LEVEL: "warn", LOADED_MODULES_FILE: modulesFile };
    const run = runNode(["--import", "./test/support/record-loaded-modules.ts", "handlers/main.ts"], env);
    await untilReady(run, `http://127.0.0.1:${env.PORT}/readyz`, 300_000);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const loaded = readFileSync(modulesFile, "utf8").split("\n");
    // The hook saw the product's modules (the store's among them)…
    expect(loaded.some((u) => u.endsWith("/src/store/pglite-worker.ts"))).toBe(true);
    // …and not the database libraries, which only the worker thread loads, nor a client loaded at its first call.
    expect(loaded.filter((u) => /node_modules\/(@electric-sql\/pglite|pg|pg-protocol|@pagerduty\/pdjs)\//.test(u))).toEqual([]);
  }, 600_000);

  it("comes up with no environment, answers /healthz, and keeps its data across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-"));
    const env = async () => ({ PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: dataDir, LOG_LEVEL: "warn" });
    const countIncidents = async () => {
      const db = await openDb({ dataDir });
      try {
        return (await createStore(db).incidents.listRecent()).map((i) => i.title);
      } finally {
        await db.close();
      }
    };

    const first = await env();
    // How fast it comes up is a benchmark's question (`npm run bench -- startup`), not this test's.
    let run = runNode(["handlers/main.ts"], first);
    await untilReady(run, `http://127.0.0.1:${first.PORT}/healthz`, 300_000);
    await untilReady(run, `http://127.0.0.1:${first.PORT}/readyz`, 300_000);
    expect(await (await fetch(`http://127.0.0.1:${first.PORT}/metrics`)).text()).toContain("aisre_process_resident_memory_bytes");
    expect(run.output()).toContain(`http://localhost:${first.SANDBOX_PORT}/`);

    const res = await fetch(`http://127.0.0.1:${first.PORT}/webhooks/generic`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alerts: [{ name: "RestartProbe", status: "firing", severity: "warning", service: "checkout", summary: "restart probe" }] }),
    });
    expect(res.status).toBe(202);
    // aisre's own health for Prometheus (deploy/monitoring): backlogs read from the store at scrape
    // time, and this replica leads the SLI poll.
    await eventually(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${first.PORT}/metrics`)).text();
        return /^aisre_sli_poll_leader 1$/m.test(text) ? text : undefined;
      },
      "the SLI poll leadership on /metrics",
      30_000,
    ).then((text) => {
      expect(text).toMatch(/^aisre_sli_poll_enabled 1$/m);
      expect(text).toMatch(/^aisre_outbox_pending \d+$/m);
      expect(text).toMatch(/^aisre_outbox_oldest_pending_seconds [\d.e+-]+$/m);
    });
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(await countIncidents()).toEqual(["restart probe"]);

    const second = await env();
    run = runNode(["handlers/main.ts"], second);
    await untilReady(run, `http://127.0.0.1:${second.PORT}/readyz`, 300_000);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(await countIncidents()).toEqual(["restart probe"]);
  }, 900_000);
});
