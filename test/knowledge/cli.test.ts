import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "aisre-kb-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each test runs the CLI (spawnSync waits up to 60 s): on a loaded machine that is more than the
// default 30 s a test gets.
describe("aisre kb / eval-kb", { timeout: 130_000 }, () => {
  it('kb search "pods oomkilled" ranks "OOMKilled containers" first', () => {
    const r = cli(["kb", "search", "pods oomkilled", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.results[0].title).toBe("OOMKilled containers and memory leaks");
    expect(out.results[1].title).toBe("Pods in CrashLoopBackOff");
  });

  it("kb search --alert builds the query from an alert's labels and annotations", () => {
    const file = join(tmp, "alert.json");
    writeFileSync(file, JSON.stringify({ labels: { alertname: "PostgresqlTooManyConnections", instance: "10.0.3.7:9187", pod: "orders-db-0" }, annotations: { summary: "orders-db uses 97% of max_connections", description: "clients wait for a pooled connection" } }));
    const r = cli(["kb", "search", "--alert", file, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.query).toBe("PostgresqlTooManyConnections. orders-db uses of max_connections. clients wait for a pooled connection");
    expect(out.results[0].id).toBe("runbook:db-connection-exhaustion");
    writeFileSync(file, "{");
    expect(cli(["kb", "search", "--alert", file]).code).toBe(2);
  });

  it("eval-kb prints recall@1, recall@3 and MRR for the in-repository set, against the Postgres ranking", () => {
    const r = cli(["eval-kb", join(root, "eval/kb/aisre.json"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const [set] = JSON.parse(r.stdout).sets;
    expect(set).toMatchObject({ set: "aisre-runbooks", runbooks: 18, aisre: { queries: 24 } });
    expect(set.aisre.recall1).toBeGreaterThanOrEqual(0.9);
    expect(set.aisre.mrr).toBeGreaterThanOrEqual(set.postgres.mrr);
  });
});
