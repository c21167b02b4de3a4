import { afterEach, describe, expect, it } from "vitest";
import type { Incident } from "../../src/domain/incident.ts";
import { eventually, startTestAisre, type SlackMessageShape, type TestAisre } from "../support/harness.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { defined } from "../support/defined.ts";

/**
 * The "Done when" for polling, on the whole product and its sandbox: the SLI poller (node-cron,
 * leader by advisory lock, the sandbox shop's default SLIs through the Prometheus port) sees the
 * memory-leak scenario's climb and opens a "detected" incident, with the detector's explanation and
 * the chart uploaded in its thread, before the simulation's memory alert fires; the alert then joins
 * that incident. The simulation runs at SIM_SPEED 60 and the test drives its clock further ahead.
 */

const M = 60_000;
const text = (m: { text?: string; blocks?: unknown[] }) => `${m.text ?? ""} ${JSON.stringify(m.blocks ?? [])}`;

describe("early detection on the sandbox", () => {
  let t: TestAisre | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("memory-leak: a detected incident with the chart and the explanation, before the memory alert fires", async () => {
    t = await startTestAisre({ env: { SIM_SPEED: "60", AISRE_POLL_CRON: "* * * * * *" } });
    const sim = t.aisre.sandbox!.sim!;
    const { store, polling } = t.aisre.services;
    expect(polling.poller, polling.disabled).toBeDefined();
    // The poller leads (one replica) and has warmed its detectors on the simulation's history.
    await eventually(async () => (polling.poller!.polls > 0 ? true : undefined), "the first poll (backfill)", 20_000);
    expect(polling.leader!.isLeader).toBe(true);
    expect(polling.poller!.last!.errors).toEqual([]);
    expect(polling.poller!.last!.series).toBe(24);

    const res = await fetch(`${t.sandboxUrl}/sandbox/scenarios/memory-leak`, { method: "POST" });
    expect(res.ok).toBe(true);
    const startedAt = sim.now();

    let detected: Incident | undefined;
    let detectedAt: number | undefined;
    let alertAt: number | undefined;
    const memoryAlert = () => sim.firingAlerts().find((a) => a.service === "order-processor" && ["ContainerMemoryNearLimit", "KubePodOOMKilled"].includes(a.alertname));
    for (let i = 0; i < 400 && (!detected || alertAt === undefined); i++) {
      sim.tick(30_000);
      await new Promise((r) => setTimeout(r, 100));
      if (!detected) {
        detected = (await store.incidents.listOpen()).find((x) => x.origin === "detected" && x.services.includes("order-processor"));
        if (detected) detectedAt = sim.now();
      }
      const a = memoryAlert();
      if (a && alertAt === undefined) alertAt = Date.parse(a.since);
    }
    expect(detected, "a detected incident on order-processor").toBeDefined();
    expect(alertAt, "the memory alert fires eventually").toBeDefined();
    // Detected while the alert had not fired yet, with simulated minutes to spare.
    expect(detectedAt!).toBeLessThan(alertAt!);
    const lead = (alertAt! - detectedAt!) / M;
    expect(lead).toBeGreaterThan(10);

    // The anomaly's own record: when it started, on which SLI, that it does not page.
    const [entry] = await store.db.query<{ data: { key: string; first: { explanation: { since: number; baseline: number; deviation: number } } } }>("SELECT data FROM timeline WHERE incident_id = $1 AND kind = 'anomaly' ORDER BY id LIMIT 1", [detected!.id]);
    defined(entry, "entry");
    expect(entry.data.key).toBe("order-processor/memory");
    expect(entry.data.first.explanation.since).toBeGreaterThanOrEqual(startedAt - 5 * M);
    expect(entry.data.first.explanation.deviation).toBeGreaterThan(0);
    const anomalyAlert = await store.alerts.get("anomaly:order-processor/memory");
    expect(anomalyAlert?.source).toBe("anomaly");
    expect(anomalyAlert?.labels.page).toBe("false");
    expect(anomalyAlert?.severity).toBe("sev3");

    // The thread: the digest (value against the usual, since when) and the chart as a PNG file reply.
    const root = await eventually(async () => store.slackMessages.get(detected!.id, "root"), "the root message");
    const replies = await eventually(
      async () => {
        const r = (await t!.replies(root.channel, root.ts)).filter((m) => m.ts !== root.ts);
        const msg = r.find((m) => text(m).includes("What the signals show") && text(m).includes("order-processor"));
        const chart = r.find((m) => Array.isArray(m.files) && m.files.length > 0);
        return msg && chart ? { msg, chart, all: r } : undefined;
      },
      "the digest and the chart in the thread",
      30_000,
    );
    const body = text(replies.msg);
    expect(body).toMatch(/`order-processor` memory [\d.]+ % vs [\d.]+ % usual/);
    expect(body).toMatch(/since <!date\^\d+\^\{time\}\|\d\d:\d\d UTC>/);
    const file = itemAt(replies.chart.files as Array<{ name: string; filetype?: string; mimetype?: string; url_private?: string }>, 0);
    expect(file.name).toMatch(/\.png$/);
    expect(replies.all.indexOf(replies.msg)).toBeLessThan(replies.all.indexOf(replies.chart));
    const png = await fetch(file.url_private!, { headers: { authorization: `Bearer ${t.aisre.sandbox!.botToken}` } });
    expect(png.ok).toBe(true);
    const bytes = new Uint8Array(await png.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);

    // The memory alert, once delivered, joins the detected incident (same service): one incident.
    await sim.flush();
    const joined = await eventually(
      async () => {
        const rows = await store.db.query<{ incident_id: string | null }>("SELECT incident_id FROM alerts WHERE name = 'ContainerMemoryNearLimit' AND service = 'order-processor'");
        return rows[0]?.incident_id ?? undefined;
      },
      "the memory alert to be ingested",
      20_000,
    );
    expect(joined).toBe(detected!.id);
    const roots = (await t.history("#incidents")).filter((m: SlackMessageShape) => text(m).includes("order-processor"));
    expect(roots.length).toBe(1);
  }, 180_000);
});
