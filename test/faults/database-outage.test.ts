import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createScratchDatabase, dropScratchDatabase } from "../support/scratch-databases.ts";
import { eventually } from "../support/eventually.ts";
import { freePort } from "../support/ports.ts";
import { runNode, type Spawned } from "../support/process.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const baseUrl = process.env.TEST_DATABASE_URL;

/** `npm start` on a database of its own, which the test terminates and closes. */
describe.skipIf(!baseUrl)("the database goes away under a running bot", () => {
  let db: { name: string; url: string };
  let run: Spawned;
  let botUrl: string;
  const terminate = () => adminQuery(baseUrl!, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [db.name]);
  const allowConnections = (allow: boolean) => adminQuery(baseUrl!, `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS ${allow}`);
  let seq = 0;
  let accepted = 0;
  const webhook = async () => {
    const res = await fetch(`${botUrl}/webhooks/generic`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alerts: [{ name: `Outage${++seq}`, status: "firing", severity: "warning", service: "checkout", summary: `outage probe ${seq}` }] }),
      // Never a hang: the answer comes well within the sender's timeout.
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 202) accepted++;
    return res;
  };
  const ready = async () => (await fetch(`${botUrl}/readyz`, { signal: AbortSignal.timeout(10_000) })).status;

  beforeAll(async () => {
    db = await createScratchDatabase(baseUrl!);
    const port = await freePort();
    botUrl = `http://127.0.0.1:${port}`;
    run = runNode(["handlers/main.ts"], { PORT: String(port), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-outage-")), DATABASE_URL: db.url, LOG_LEVEL: "warn" });
    await eventually(async () => ((await ready()) === 200 ? true : undefined), "readyz", 60_000);
  });
  afterAll(async () => {
    run?.child.kill("SIGKILL");
    await run?.exited;
    await allowConnections(true).catch(() => undefined);
    await dropScratchDatabase(baseUrl!, db.name);
  });

  it("survives every backend being terminated and keeps storing webhooks", async () => {
    expect((await webhook()).status).toBe(202);
    await terminate();
    await new Promise((r) => setTimeout(r, 1000));
    expect(run.child.exitCode, run.output().slice(-2000)).toBeNull();
    // The pool reconnects on its own: the next deliveries are stored again.
    await eventually(async () => ((await webhook()).status === 202 ? true : undefined), "a webhook stored after the termination");
    await eventually(async () => ((await ready()) === 200 ? true : undefined), "ready again");
  });

  it("answers 503 with Retry-After while the database refuses connections, and recovers without a restart", async () => {
    await allowConnections(false);
    await terminate();
    await eventually(async () => ((await ready()) === 503 ? true : undefined), "readyz 503");
    const refused = await webhook();
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toBe("store_unavailable");

    await allowConnections(true);
    await eventually(async () => ((await ready()) === 200 ? true : undefined), "readyz 200 after the database returns");
    await eventually(async () => ((await webhook()).status === 202 ? true : undefined), "a webhook stored after recovery");
    expect(run.child.exitCode).toBeNull();

    // Everything answered 2xx is in the store, and nothing else.
    const { n } = itemAt(await adminQuery(db.url, "SELECT count(*)::int AS n FROM webhook_deliveries WHERE source = 'generic'"), 0);
    expect(n).toBe(accepted);
  });
});
