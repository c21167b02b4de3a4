import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runbookAction } from "../../src/remediate/catalog.ts";
import { parsePolicy } from "../../src/remediate/policy-schema.ts";
import { defaultRunbookRunner, transportOf } from "../../src/remediate/runbook-runner.ts";

describe("runbook actions", () => {
  let server: Server;
  let url = "";
  const seen: Array<{ path: string; body: Record<string, unknown> }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (d: Buffer) => (raw += d.toString()));
      req.on("end", () => {
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        seen.push({ path: req.url ?? "", body });
        if (req.url?.startsWith("/broken")) {
          res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, error: "no running query with id 7" }));
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body.dryRun ? { ok: true, dryRun: true, wouldKill: { queryId: "7" } } : { ok: true, summary: "terminated pid 7" }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const spec = (extra: Record<string, unknown>) => {
    const p = parsePolicy({ runbooks: { kill_db_query: { title: "Kill query", blastRadius: "one session", reversible: false, args: { queryId: { type: "string", pattern: "^[0-9]+$" } }, ...extra } } });
    if (!p.ok) throw new Error(p.error);
    const runbook = p.policy.runbooks.kill_db_query;
    if (!runbook) throw new Error("the policy lost its kill_db_query runbook");
    return runbook;
  };

  it("an HTTP hook: `{sandbox}` resolved, dry run flagged in the body, the answer summarised", async () => {
    const s = spec({ http: { url: "{sandbox}/sim/hooks/kill-query" } });
    const t = transportOf(s, url);
    const dry = await defaultRunbookRunner.run(t, { queryId: "7" }, { dryRun: true });
    expect(seen.at(-1)).toEqual({ path: "/sim/hooks/kill-query", body: { queryId: "7", dryRun: true } });
    // Words, not the hook's raw JSON.
    expect(dry.summary).toMatch(/^the hook \(POST \/[^)]*\) answered 200 to the dry run: would kill query id 7$/);
    expect(dry.summary).not.toMatch(/[{}"]/);
    const real = await defaultRunbookRunner.run(t, { queryId: "7" }, { dryRun: false });
    expect(seen.at(-1)!.body).toEqual({ queryId: "7" });
    expect(real.summary).toBe("terminated pid 7");
  });

  it("an HTTP error becomes a failure naming the status and the hook's error", async () => {
    const t = transportOf(spec({ http: { url: `${url}/broken` } }), undefined);
    await expect(defaultRunbookRunner.run(t, { queryId: "7" }, { dryRun: true })).rejects.toThrow(/answered 404: no running query with id 7/);
  });

  it("a `{sandbox}` hook without a sandbox is refused, not sent somewhere odd", async () => {
    const t = transportOf(spec({ http: { url: "{sandbox}/sim/hooks/kill-query" } }), undefined);
    await expect(defaultRunbookRunner.run(t, {}, { dryRun: true })).rejects.toThrow(/sandbox, which is not running/);
  });

  it("a script: argv without a shell, `--dry-run` for the dry run, the last line as the summary", async () => {
    const s = spec({ script: { command: [process.execPath, "-e", "console.log('pid', process.argv[1], process.argv.includes('--dry-run') ? 'dry' : 'real')", "{queryId}"] } });
    const t = transportOf(s, undefined);
    expect((await defaultRunbookRunner.run(t, { queryId: "7" }, { dryRun: true })).summary).toBe("pid 7 dry");
    expect((await defaultRunbookRunner.run(t, { queryId: "7" }, { dryRun: false })).summary).toBe("pid 7 real");
  });

  it("validates arguments strictly and describes the change for the card", () => {
    const a = runbookAction("kill_db_query", spec({ http: { url: `${url}/x` } }));
    expect(a.validate({ queryId: "12" })).toEqual({ ok: true, params: { queryId: "12" } });
    expect(a.validate({ queryId: "12 OR 1=1" }).ok).toBe(false);
    expect(a.validate({}).ok).toBe(false);
    expect(a.validate({ queryId: "1", extra: true }).ok).toBe(false);
    expect(a.describe({ service: "orders-db" }, { queryId: "12" }).change).toMatch(/runbook kill_db_query, HTTP POST hook; queryId=12/);
    expect(a).toMatchObject({ risk: "caution", reversible: false, blastRadius: "one session" });
  });
});
