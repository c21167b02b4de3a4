import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startAisre } from "../../handlers/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger, silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";
import { eventually } from "../support/eventually.ts";
import { freePort } from "../support/ports.ts";

/**
 * /readyz is what the banner, the image's probes and a load balancer trust: ready means a webhook
 * is stored durably before its 2xx. Until the store is open the server is alive (/healthz) but not
 * ready, and webhooks are refused with 503 (a sender retries) rather than accepted into memory.
 */
describe("readiness at start", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-ready-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("answers /healthz but /readyz 503 and webhooks 503 until the store is open; then ready, a webhook is durable at its 202 and then stored, and readiness does not wait on a busy embedded store", async () => {
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), SANDBOX_PORT: "0", HOST: "127.0.0.1", AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    let openStore: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openStore = resolve));
    let opened: Db | undefined;
    const db = gate.then(async () => (opened = await openDb({ dataDir: "memory" })));
    const phases: Record<string, number> = {};
    const starting = startAisre(config, { logger: silentLogger, db, phases });
    const base = `http://127.0.0.1:${port}`;
    try {
      await eventually(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), "/healthz while the store is closed", 120_000);
      // The sandbox comes up meanwhile; readiness still waits for the store.
      await eventually(async () => ("sandbox" in phases ? true : undefined), "the sandbox to be up", 120_000);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      const refused = await fetch(`${base}/webhooks/generic`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: [{ name: "Early", status: "firing", service: "checkout", summary: "too early" }] }) });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBeTruthy();
      expect(opened).toBeUndefined();

      openStore();
      const aisre = await starting;
      try {
        const ready = await fetch(`${base}/readyz`);
        expect(ready.status).toBe(200);
        expect(((await ready.json()) as { detail: string }).detail).toContain("migrations applied");
        expect(Object.keys(phases)).toEqual(expect.arrayContaining(["listening", "sandbox", "store", "services", "ready"]));
        const accepted = await fetch(`${base}/webhooks/generic`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: [{ name: "OnTime", status: "firing", service: "checkout", summary: "ready now" }] }) });
        expect(accepted.status).toBe(202);
        // Durable at the 202 (in the door journal: test/webhooks/door-journal.test.ts), then in the store.
        await eventually(async () => ((await opened!.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_deliveries WHERE source = 'generic'"))[0]?.n === 1 ? true : undefined), "the delivery in the store");
        // Readiness does not queue behind work holding the embedded store's one connection (the
        // start's own work, a long transaction): migrated by this process, it stays current.
        let release: () => void = () => undefined;
        const held = opened!.transaction(() => new Promise<void>((resolve) => (release = resolve)));
        try {
          const probe = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(20_000) });
          expect(probe.status).toBe(200);
        } finally {
          release();
          await held;
        }
      } finally {
        await aisre.close();
      }
    } finally {
      openStore();
      await starting.then(
        (a) => a.close(),
        () => undefined,
      );
    }
  }, 300_000);

  it("with a configured port the sandbox starts while the door thread comes up; a door that cannot listen fails the start and the sandbox is closed", async () => {
    // The public port is taken: the door thread loads its modules, then cannot listen.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    const sandboxPort = await freePort();
    const lines: string[] = [];
    const logger = createLogger({ level: "info", format: "json", destination: { write: (l: string) => lines.push(l) } });
    const config = loadConfig({ PORT: String(port), SANDBOX_PORT: String(sandboxPort), HOST: "127.0.0.1", AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-taken-")), LOG_LEVEL: "info" });
    try {
      await expect(startAisre(config, { logger, db: openDb({ dataDir: "memory" }) })).rejects.toThrow();
      // The sandbox did not wait for the door thread to listen…
      expect(lines.some((l) => l.includes("sandbox Slack workspace is up"))).toBe(true);
      // …and went with the failed start: its port is free again.
      const again = createServer();
      await new Promise<void>((resolve, reject) => {
        again.once("error", reject);
        again.listen(sandboxPort, "127.0.0.1", resolve);
      });
      await new Promise((r) => again.close(r));
    } finally {
      await new Promise((r) => taken.close(r));
    }
  }, 120_000);
});

/**
 * Ready comes before what webhooks do not need: the simulation's history is generated and the first
 * topology found after /readyz answers 200. A delivery accepted right then is stamped with the
 * system's time as it stands (not an instant of the history being generated) and is processed once
 * the rest is warm: grouped on the topology, an incident opened and posted.
 */
describe("what comes after ready", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-ready-warm-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("a webhook accepted at ready, before the history and the topology, is processed once they are in place", async () => {
    const port = await freePort();
    const simStart = Date.parse("2026-11-24T18:00:00Z");
    const config = loadConfig({ PORT: String(port), SANDBOX_PORT: "0", HOST: "127.0.0.1", AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent", SIM_START: new Date(simStart).toISOString() });
    const opened = await openDb({ dataDir: "memory" });
    const aisre = await startAisre(config, { logger: silentLogger, db: Promise.resolve(opened) });
    const base = `http://127.0.0.1:${port}`;
    try {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      // Left for after ready: the simulation's history (seconds of CPU).
      expect(aisre.sandbox?.sim?.warmed()).toBe(false);
      const accepted = await fetch(`${base}/webhooks/generic`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: [{ name: "CheckoutErrors", status: "firing", service: "checkout", severity: "critical", summary: "checkout 5xx at ready" }] }) });
      expect(accepted.status).toBe(202);
      await aisre.warm;
      expect(aisre.sandbox?.sim?.warmed()).toBe(true);
      expect(aisre.services.topology().services.length).toBeGreaterThan(0);
      const delivery = async () => (await opened.query<{ processed: boolean; received_at: string }>("SELECT processed_at IS NOT NULL AS processed, body->>'receivedAt' AS received_at FROM webhook_deliveries WHERE source = 'generic'"))[0];
      await eventually(async () => ((await delivery())?.processed ? true : undefined), "the delivery accepted at ready processed");
      // Stamped with the system's time at ready: where the simulation's history ends, not an instant inside it.
      expect(Date.parse((await delivery())!.received_at)).toBeGreaterThanOrEqual(simStart - 15_000);
      const incident = await eventually(async () => (await opened.query<{ id: string; services: string[] }>("SELECT id, services FROM incidents"))[0], "an incident opened for it");
      expect(incident.services).toContain("checkout");
      // Posted in the sandbox workspace (the outbox runs from ready on).
      await eventually(async () => ((await aisre.services.store.slackMessages.get(incident.id, "root")) ? true : undefined), "the incident's root message posted");
    } finally {
      await aisre.close();
    }
  }, 300_000);
});
