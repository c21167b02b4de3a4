import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blockKitAnomalyPresenter } from "../../../blocks/anomaly.ts";
import { blockKitIncidentPresenter } from "../../../blocks/incident-thread.ts";
import type { AnomalyFinding } from "../../../src/detect/detection-service.ts";
import { AnomalyReporter } from "../../../src/detect/polling/reporter.ts";
import { parseSliConfig, type ResolvedSli } from "../../../src/detect/sli-config.ts";
import type { Alert } from "../../../src/domain/alert.ts";
import { IncidentService } from "../../../src/incident/incident-service.ts";
import { OutboxSender } from "../../../src/incident/outbox-sender.ts";
import type { SlackCallResult } from "../../../src/integrations/slack/slack-port.ts";
import { silentLogger } from "../../../src/log.ts";
import type { Db } from "../../../src/store/db.ts";
import { createStore, type Store } from "../../../src/store/store.ts";
import { MemorySlack } from "../../support/memory-slack.ts";
import { clockOf } from "../../../src/domain/clock.ts";
import { itemAt } from "../../../src/domain/indexed.ts";
import { defined } from "../../support/defined.ts";
import { decodePng } from "../../support/png.ts";
import { dyingAfterCommit } from "../../support/dying-db.ts";
import { reusedDatabases } from "../../support/reused-databases.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0);

/** MemorySlack plus Slack's external upload flow (getUploadURLExternal → POST → completeUploadExternal). */
class UploadSlack extends MemorySlack {
  readonly uploads = new Map<string, { filename: string; length: number; bytes?: Uint8Array }>();
  readonly completed: Array<Record<string, unknown>> = [];
  private files = 0;
  override async call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult> {
    if (method === "files.getUploadURLExternal") {
      this.calls.push({ method, payload, at: Date.now() });
      const id = `F${++this.files}`;
      this.uploads.set(id, { filename: String(payload.filename), length: Number(payload.length) });
      return { ok: true, data: { upload_url: `https://files.example/upload/${id}`, file_id: id } };
    }
    if (method === "files.completeUploadExternal") {
      this.calls.push({ method, payload, at: Date.now() });
      const [file] = JSON.parse(String(payload.files)) as Array<{ id: string }>;
      defined(file, "file");
      if (!this.uploads.get(file.id)?.bytes) return { ok: false, error: { code: "file_not_found", transient: false } };
      this.completed.push(payload);
      return { ok: true, data: { files: [{ id: file.id }] } };
    }
    return super.call(method, payload);
  }
  /** The fetch the reporter POSTs the bytes with. */
  fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const id = String(url).split("/").pop()!;
    const u = this.uploads.get(id);
    if (!u) return new Response("no such upload", { status: 404 });
    u.bytes = new Uint8Array(await new Response(init?.body as BodyInit).arrayBuffer());
    return new Response(`OK - ${u.bytes.byteLength}`);
  }) as typeof fetch;
}

const SLIS = parseSliConfig({
  services: {
    "order-processor": { slis: [{ name: "memory", direction: "up", unit: "ratio", prometheus: { query: "mem" } }] },
    payments: {
      page: true,
      slis: [
        { name: "p99-latency", direction: "up", unit: "seconds", prometheus: { query: "lat" } },
        { name: "error-ratio", direction: "up", unit: "ratio", prometheus: { query: "err" } },
      ],
    },
  },
});
const sliOf = (key: string) => SLIS.find((s) => s.key === key);

/** A finding as DetectionService makes them, with a short history for the chart. */
function finding(sli: ResolvedSli, over: Partial<AnomalyFinding> & { deviation?: number; baseline?: number } = {}): AnomalyFinding {
  const baseline = over.baseline ?? 0.38;
  const deviation = over.deviation ?? 0.08;
  const at = over.at ?? T0;
  const since = at - 3 * MIN;
  const points = Array.from({ length: 60 }, (_, i) => {
    const t = at - (59 - i) * 30_000;
    return { t, value: baseline + (t >= since ? (deviation * (t - since + 30_000)) / (at - since + 30_000) : 0.004 * Math.sin(i)), baseline, spread: 0.004, score: t >= since ? 0.6 : 0.05 };
  });
  return {
    key: sli.key,
    service: sli.service,
    sli: sli.name,
    at,
    score: 0.66,
    threshold: sli.threshold,
    explanation: { baseline, deviation, spread: 0.004, z: deviation / 0.004, since, kind: "level-shift", model: "level", feature: "short", surprise: 10, rawSurprise: 10 },
    points,
    quiet: false,
    page: sli.page,
    escalation: false,
    ...over,
  };
}

describe("AnomalyReporter", () => {
  let db: Db;
  let store: Store;
  let slack: UploadSlack;
  let outbox: OutboxSender;
  let incidents: IncidentService;
  let now = T0;
  const databases = reusedDatabases();
  const reporter = (severity: "sev3" | "sev4" = "sev4") => new AnomalyReporter({ store, incidents, slack, presenter: blockKitAnomalyPresenter, severity, defaultChannel: "#incidents", clock: clockOf(() => now), fetchImpl: slack.fetch, uploadWaitMs: 5_000, chartSettleMs: 0 });
  /** Sends what the outbox holds (several rounds: roots first, then thread replies and edits). */
  const send = async () => {
    for (let i = 0; i < 6; i++) {
      await incidents.tick();
      await outbox.sendDue();
    }
  };
  const threadOf = (rootTs: string) => slack.replies(rootTs) as Array<{ ts: string; text: string; edits?: number; blocks?: unknown[] }>;

  beforeEach(async () => {
    now = T0;
    db = await databases.open();
    store = createStore(
      db,
      clockOf(() => now),
    );
    slack = new UploadSlack();
    outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 0 });
    incidents = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", outbox, threadFlushMs: 0, clock: clockOf(() => now) });
  });
  afterEach(async () => {
    await db.close();
  });

  it("opens a detected incident that does not page; the thread's digest shows it, then the chart", async () => {
    const r = reporter();
    const sli = sliOf("order-processor/memory")!;
    expect(await r.report(finding(sli), sli)).toBe("opened");
    // A deploy of another service five minutes before, known by the time the chart is drawn: a marker on it.
    await store.changes.record({ id: "d1", source: "github", kind: "deploy", service: "inventory", version: "4.2.0", at: new Date(T0 - 5 * MIN).toISOString() });
    const [incident] = await store.incidents.listOpen();
    defined(incident, "incident");
    expect(incident).toMatchObject({ origin: "detected", severity: "sev4", services: ["order-processor"] });
    const alert = await store.alerts.get("anomaly:order-processor/memory");
    expect(alert).toMatchObject({ source: "anomaly", status: "firing", severity: "sev4", service: "order-processor", incidentId: incident.id });
    expect(alert!.labels).toMatchObject({ alertname: "AnomalyDetected", page: "false", sli: "memory" });
    expect(alert!.startsAt).toBe(new Date(T0 - 3 * MIN).toISOString());

    await send();
    await r.idle();
    const [root] = slack.roots();
    defined(root, "root");
    const thread = threadOf(root.ts);
    const msg = thread.find((m) => m.text.startsWith("What the signals show"))!;
    expect(msg.text).toBe("What the signals show: 1 alert firing, 1 anomaly");
    const body = JSON.stringify(msg.blocks);
    expect(body).toContain("`order-processor` memory 46.0 % vs 38.0 % usual (+21 % over the usual), shifted up since <!date^");
    expect(body).not.toMatch(/spreads|robust|score/);

    // The chart: uploaded in three steps into the incident's thread, as a PNG.
    expect(slack.calls.map((c) => c.method).filter((m) => m.startsWith("files."))).toEqual(["files.getUploadURLExternal", "files.completeUploadExternal"]);
    const [done] = slack.completed;
    expect(done).toMatchObject({ channel_id: "C_INCIDENTS", thread_ts: root.ts });
    const [upload] = [...slack.uploads.values()];
    defined(upload, "upload");
    expect(upload.filename).toMatch(/^order-processor-memory-.*\.png$/);
    expect(upload.bytes!.byteLength).toBe(upload.length);
    expect([...upload.bytes!.slice(0, 4)]).toEqual([137, 80, 78, 71]);
    expect(r.uploaded).toBe(1);
    // Drawn at a size Slack shows well, with the deploy marker (purple) and the anomaly (red).
    const png = decodePng(Buffer.from(upload.bytes!));
    expect([png.width, png.height]).toEqual([2000, 1000]);
    let purple = 0;
    let red = 0;
    for (let y = 0; y < png.height; y += 2)
      for (let x = 0; x < png.width; x += 2) {
        const [pr, pg, pb] = png.pixel(x, y);
        if (pb > 180 && pr > 100 && pr < 170 && pg < 120) purple++;
        if (pr > 150 && pg < 90 && pb < 100) red++;
      }
    expect(purple).toBeGreaterThan(50);
    expect(red).toBeGreaterThan(50);

    const entries = await store.timeline.list(incident.id);
    expect(entries.filter((e) => e.kind === "anomaly").map((e) => e.data.state)).toEqual(["detected"]);
    // In the engineer's terms (the postmortem's timeline quotes it): no detector score, no threshold.
    const detected = entries.find((e) => e.kind === "anomaly")?.text ?? "";
    expect(detected).toMatch(/^Anomaly on /);
    expect(detected).not.toMatch(/score|alerting at/);
  });

  it("the digest's re-render is wanted with the anomaly's timeline entry: a replica killed right after that commit leaves it to another", async () => {
    const sli = sliOf("order-processor/memory")!;
    // An incident on the service, its digest posted (this test's replica).
    const firing = (name: string): Alert => ({ fingerprint: `fp-${name}`, source: "alertmanager", name, status: "firing", severity: "sev3", service: "order-processor", summary: name, labels: { alertname: name, service: "order-processor" }, startsAt: new Date(T0 - 5 * MIN).toISOString() });
    await incidents.ingest({ alerts: [firing("HighMemory"), firing("PodRestarts")], changes: [] });
    await send();
    const [root] = slack.roots();
    defined(root, "root");
    const digest = () => threadOf(root.ts).find((m) => m.text.startsWith("What the signals show"));
    expect(digest()?.text).toBe("What the signals show: 2 alerts firing");
    // Replica A's reporter enriches the incident with an anomaly, on a database handle that dies once its timeline entry commits.
    const dying = dyingAfterCommit(db, (sql, params) => /^INSERT INTO timeline/.test(sql) && params[2] === "anomaly");
    const a = createStore(
      dying.db,
      clockOf(() => now),
    );
    const aIncidents = new IncidentService({ store: a, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", threadFlushMs: 0, clock: clockOf(() => now) });
    const dyingReporter = new AnomalyReporter({ store: a, incidents: aIncidents, presenter: blockKitAnomalyPresenter, defaultChannel: "#incidents", clock: clockOf(() => now), charts: false });
    await dyingReporter.report(finding(sli), sli).catch(() => undefined);
    expect(dying.dead()).toBe(true);
    // This test's replica renders the digest A left wanted.
    await send();
    expect(digest()?.text).toBe("What the signals show: 2 alerts firing, 1 anomaly");
    expect(await store.renders.pendingCount("digest")).toBe(0);
  });

  it("edits the digest when the anomaly worsens and when it is over; no message of its own; the anomaly alert resolves", async () => {
    const r = reporter();
    const sli = sliOf("order-processor/memory")!;
    await r.report(finding(sli), sli);
    await send();
    now = T0 + 10 * MIN;
    expect(await r.report(finding(sli, { at: now, score: 0.85, deviation: 0.2, escalation: true }), sli)).toBe("updated");
    await r.flush();
    await send();
    const [root] = slack.roots();
    defined(root, "root");
    let thread = threadOf(root.ts);
    expect(thread.filter((m) => m.text.startsWith("What the signals show")).length).toBe(1);
    expect(JSON.stringify(itemAt(thread, 0).blocks)).toContain("58.0 % vs 38.0 % usual (+53 % over the usual), shifted up since");
    expect(JSON.stringify(itemAt(thread, 0).blocks)).toContain("worsening");
    expect(itemAt(thread, 0).edits).toBeGreaterThanOrEqual(1);

    now = T0 + 90 * MIN;
    await r.resolve("order-processor/memory", now);
    await send();
    thread = threadOf(root.ts);
    expect(itemAt(thread, 0).text).toBe("What the signals show: 0 alerts firing, 1 resolved, 0 anomalies going on, 1 over");
    expect(JSON.stringify(itemAt(thread, 0).blocks)).toContain("back to normal");
    expect(r.activeKeys()).toEqual([]);
    expect((await store.alerts.get("anomaly:order-processor/memory"))!.status).toBe("resolved");
    // No message of the anomaly's own: the digest, edited in place.
    expect(slack.calls.filter((c) => c.method === "chat.postMessage" && c.payload.thread_ts).length).toBe(1);
  });

  it("enriches the incident already open on the service: no second incident, no anomaly alert", async () => {
    const alert: Alert = { fingerprint: "fp-pay", source: "alertmanager", name: "HighErrorRate", status: "firing", severity: "sev2", service: "payments", summary: "payments failing", labels: { alertname: "HighErrorRate" }, startsAt: new Date(T0 - 5 * MIN).toISOString() };
    await incidents.ingest({ alerts: [alert], changes: [] });
    const r = reporter();
    const sli = sliOf("payments/p99-latency")!;
    expect(await r.report(finding(sli, { baseline: 0.5, deviation: 0.9 }), sli)).toBe("enriched");
    const open = await store.incidents.listOpen();
    expect(open).toHaveLength(1);
    expect(await store.alerts.get("anomaly:payments/p99-latency")).toBeUndefined();
    await send();
    await r.idle();
    const [root] = slack.roots();
    defined(root, "root");
    const msg = threadOf(root.ts).find((m) => m.text.startsWith("What the signals show"))!;
    expect(JSON.stringify(msg.blocks)).toContain("`payments` p99 latency 1.4 s vs 500 ms usual (2.8× the usual)");
    expect(slack.completed).toHaveLength(1);
    // A second anomaly in the same incident: a line in the digest, no second chart.
    const err = sliOf("payments/error-ratio")!;
    expect(await r.report(finding(err, { baseline: 0.01, deviation: 0.04 }), err)).toBe("enriched");
    await send();
    await r.idle();
    expect(slack.completed).toHaveLength(1);
    expect(JSON.stringify(itemAt(threadOf(root.ts), 0).blocks)).toContain("`payments` error ratio 5.00 % vs 1.00 % usual (5× the usual)");
  });

  it("the incident's one chart waits for the anomaly to take shape, then shows its strongest signal with the latest points", async () => {
    const alert: Alert = { fingerprint: "fp-pay", source: "alertmanager", name: "HighErrorRate", status: "firing", severity: "sev2", service: "payments", summary: "payments failing", labels: { alertname: "HighErrorRate" }, startsAt: new Date(T0 - 5 * MIN).toISOString() };
    await incidents.ingest({ alerts: [alert], changes: [] });
    const asked: string[] = [];
    const r = new AnomalyReporter({
      store,
      incidents,
      slack,
      presenter: blockKitAnomalyPresenter,
      defaultChannel: "#incidents",
      clock: clockOf(() => now),
      fetchImpl: slack.fetch,
      uploadWaitMs: 5_000,
      chartSettleMs: 5 * MIN,
      recentPoints: (key) => {
        asked.push(key);
        return finding(sliOf(key)!, { at: now, baseline: 0.5, deviation: 0.9 }).points;
      },
    });
    const err = sliOf("payments/error-ratio")!;
    const lat = sliOf("payments/p99-latency")!;
    // The error ratio is reported first (a mild anomaly), the latency next (far off its usual).
    expect(await r.report(finding(err, { baseline: 0.01, deviation: 0.004 }), err)).toBe("enriched");
    expect(await r.report(finding(lat, { baseline: 0.5, deviation: 0.9 }), lat)).toBe("enriched");
    await send();
    // Three minutes into the anomaly: no chart yet.
    await new Promise((res) => setTimeout(res, 600));
    expect(slack.completed).toHaveLength(0);
    // Six minutes in: the chart, of the latency, drawn from the detector's latest points.
    now = T0 + 3 * MIN;
    await r.idle();
    expect(slack.completed).toHaveLength(1);
    const [upload] = [...slack.uploads.values()];
    expect(upload?.filename).toMatch(/^payments-p99-latency-/);
    expect(asked).toEqual(["payments/p99-latency"]);
    expect(String(itemAt(slack.completed, 0).initial_comment)).toContain("`payments` p99 latency");
  });

  it.each([
    // The chart waits for the anomaly to take shape; meanwhile the incident is merged into another.
    ["merged into another", "no chart in its closed thread", (id: string) => store.incidents.mergeCard(id, { mergedInto: "INC-OTHER" })],
    ["resolved", "no chart beside its resolution", (id: string) => incidents.changeStatus(id, "resolved", "U_ALICE", "restarted order-processor")],
  ] as const)("an incident %s while its chart waited gets %s", async (_what, _gets, change) => {
    const r = new AnomalyReporter({ store, incidents, slack, presenter: blockKitAnomalyPresenter, defaultChannel: "#incidents", clock: clockOf(() => now), fetchImpl: slack.fetch, uploadWaitMs: 5_000, chartSettleMs: 5 * MIN });
    const sli = sliOf("order-processor/memory")!;
    expect(await r.report(finding(sli), sli)).toBe("opened");
    await send();
    const [incident] = await store.incidents.listOpen();
    defined(incident, "incident");
    await change(incident.id);
    now = T0 + 3 * MIN;
    await r.idle();
    expect(slack.calls.map((c) => c.method).filter((m) => m.startsWith("files."))).toEqual([]);
    expect(r.uploaded).toBe(0);
  });

  it("a replica taking over follows the open anomaly instead of reporting it again", async () => {
    const sli = sliOf("order-processor/memory")!;
    const first = reporter();
    await first.report(finding(sli), sli);
    await send();
    await first.idle();
    const posts = () => slack.calls.filter((c) => c.method === "chat.postMessage" && String(c.payload.text).startsWith("What the signals show")).length;
    expect(posts()).toBe(1);

    // With recovery (the poller recovers at its first poll after taking the lead).
    const second = reporter();
    expect(await second.recover(sliOf)).toBe(1);
    expect(second.activeKeys()).toEqual(["order-processor/memory"]);
    now = T0 + 5 * MIN;
    expect(await second.report(finding(sli, { at: now }), sli)).toBe("updated");

    // Without it: the stored alert and the timeline say it is already reported.
    const third = reporter();
    expect(await third.report(finding(sli, { at: now }), sli)).toBe("resumed");
    await third.flush();
    await send();
    await third.idle();
    expect(posts()).toBe(1);
    expect(slack.completed).toHaveLength(1);
    expect(await store.incidents.listOpen()).toHaveLength(1);
    // And the end is reported by whoever follows it.
    await third.resolve("order-processor/memory", T0 + 60 * MIN);
    expect((await store.alerts.get("anomaly:order-processor/memory"))!.status).toBe("resolved");
  });

  it("labels an anomaly of an SLI configured to page, unless it is in quiet hours", async () => {
    const r = reporter("sev3");
    const sli = sliOf("payments/p99-latency")!;
    await r.report(finding(sli, { baseline: 0.5, deviation: 0.9 }), sli);
    expect((await store.alerts.get("anomaly:payments/p99-latency"))!.labels.page).toBe("true");
    const quiet = sliOf("order-processor/memory")!;
    await r.report(finding({ ...quiet, page: true }, { quiet: true, page: false }), { ...quiet, page: true });
    expect((await store.alerts.get("anomaly:order-processor/memory"))!.labels.page).toBe("false");
  });
});
