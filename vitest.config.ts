import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Three projects, sorted by what a test file does (read from its text, so a new file lands in the
 * right one by itself):
 * - e2e: starts the whole product, a child process, a browser or Prometheus/Alertmanager;
 * - integration: opens a database (also through the listener tests' real services or
 *   incidentServiceOnMemory), runs the simulation or a sandbox part, or serves HTTP in-process;
 * - unit: everything else — pure logic; `npm run test:unit` runs it alone, in seconds.
 * `npm test` runs all three.
 */
const root = fileURLToPath(new URL(".", import.meta.url));
const E2E = /startTestAisre|support\/process|prometheus-stack|playwright|startAisre\(|chaos\/cases/;
const INTEGRATION = /startSim\(|webhookDoor|incidentServiceOnMemory|sandbox\/[a-z]+\/harness|openDb|openPgliteDb|listenerServices|testDatabases|support\/databases|serveRouter|createServer|\.listen\(|startSandbox|[hH]arness\(|FakeOpenAI|createSimulatedSystem|spawn|execFile/;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return testFiles(p);
    return p.endsWith(".test.ts") ? [relative(root, p)] : [];
  });
}

const kinds: Record<"unit" | "integration" | "e2e", string[]> = { unit: [], integration: [], e2e: [] };
for (const f of testFiles(join(root, "test"))) {
  const text = readFileSync(join(root, f), "utf8");
  kinds[f.startsWith("test/e2e/") || E2E.test(text) ? "e2e" : f.startsWith("test/sandbox/") || INTEGRATION.test(text) ? "integration" : "unit"].push(f);
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One migrated PGlite database, dumped once; each test database starts from it (no initdb per test).
    // The same for Postgres (TEST_DATABASE_URL): a migrated template database on its server.
    globalSetup: ["test/support/pglite-template.ts", "test/support/postgres-template.ts"],
    setupFiles: ["test/support/compile-cache-setup.ts", "test/support/pglite-setup.ts"],
    reporters: ["default"],
    // Vitest runs (cores − 1) files at once by default: one on a 2-core machine. Much of an integration
    // or e2e file is waiting (HTTP, the outbox's pacing, a storm's seconds, child processes), so more
    // run at once: four on 2 cores (full suite, fresh clone, quiet machine: 505 s with two, 404 s with
    // three at 13a93a4; at e578c0e, once files share their databases, 301 s with three, 254 s with four;
    // `--maxWorkers` overrides; one file alone still takes one worker).
    maxWorkers: 4,
    // Files share their worker process: the product's modules are imported once per worker, not once
    // per file (each file still builds its own product, databases and servers). No test sets
    // process.env, mocks a module or fakes timers, so nothing leaks between files but module caches.
    isolate: false,
    projects: (["unit", "integration", "e2e"] as const).map((name) => ({ extends: true, test: { name, include: kinds[name] } })),
  },
});
