import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OutboxSender, transientBackoffMs } from "../../src/incident/outbox-sender.ts";
import { WebApiSlack } from "../../src/integrations/slack/web-api-slack.ts";
import { silentLogger } from "../../src/log.ts";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { eventually } from "../support/eventually.ts";
import { BOT_TOKEN, SIGNING_SECRET } from "../sandbox/slack/harness.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

const databases = reusedDatabases();
let sandbox: RunningSandbox;
let slack: WebApiSlack;
let db: Db;
let store: Store;
let sender: OutboxSender | undefined;
let channel: string;
let seq = 0;

const faults = async (method: "POST" | "DELETE" | "GET", body?: unknown) => {
  const res = await fetch(`${sandbox.url}/sandbox/faults`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
/** The channel's messages as Slack's own history shows them, oldest first. */
const history = async () => {
  const r = await slack.call("conversations.history", { channel, limit: 999, include_all_metadata: true });
  if (!r.ok) throw new Error(r.error.code);
  return (r.data.messages as Array<{ text: string; ts: string; metadata?: { event_type: string; event_payload: Record<string, unknown> } }>).reverse();
};
const posts = async (prefix: string) => (await history()).filter((m) => m.text.startsWith(prefix)).map((m) => m.text);
const enqueue = (text: string) => store.outbox.enqueue({ channel: "#incidents", method: "chat.postMessage", payload: { text } });
const startSender = () => {
  sender = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 20 });
  sender.start();
  return sender;
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events", watch: { settleMs: 100, maxMs: 300 } });
  // A short client timeout: a held request fails fast instead of stalling the test.
  slack = new WebApiSlack({ token: BOT_TOKEN, slackApiUrl: `${sandbox.url}/api/`, timeoutMs: 1000 });
  db = await databases.open();
  store = createStore(db);
  channel = sandbox.workspace.channel("#incidents")!.id;
});
afterEach(async () => {
  await sender?.stop();
  sender = undefined;
  await faults("DELETE");
});
afterAll(async () => {
  await db.close();
  await sandbox.close();
});

describe("sandbox fault switch", () => {
  it("makes the Slack twin answer 5xx or 429 (with Retry-After) for a method, lists and clears faults, and validates the request", async () => {
    expect((await faults("POST", { target: "slack", method: "chat.postMessage", mode: "5xx", seconds: 30 })).status).toBe(200);
    const failed = await fetch(`${sandbox.url}/api/chat.postMessage`, { method: "POST", headers: { authorization: `Bearer ${BOT_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ channel, text: "x" }) });
    expect(failed.status).toBe(503);
    // Other methods still work.
    expect((await slack.call("conversations.history", { channel })).ok).toBe(true);
    expect((await faults("GET")).body.faults).toMatchObject([{ target: "slack", method: "chat.postMessage", mode: "5xx" }]);

    await faults("POST", { target: "slack", mode: "429", seconds: 30 });
    const limited = await slack.call("auth.test", {});
    expect(limited).toMatchObject({ ok: false, error: { code: "ratelimited", retryAfterMs: 1000, transient: true } });

    expect((await faults("DELETE")).body.faults).toEqual([]);
    expect((await slack.call("auth.test", {})).ok).toBe(true);
    expect((await faults("POST", { target: "email", mode: "5xx" })).status).toBe(400);
    expect((await faults("POST", { target: "slack", mode: "explode" })).status).toBe(400);
    expect((await faults("POST", { target: "slack", mode: "5xx", seconds: -1 })).status).toBe(400);
  });

  it("ends a fault by itself after its seconds", async () => {
    await faults("POST", { target: "slack", mode: "5xx", seconds: 0.3 });
    expect((await slack.call("auth.test", {})).ok).toBe(false);
    await eventually(async () => ((await slack.call("auth.test", {})).ok ? true : undefined), "the fault to end");
  });
});

describe("Slack outbox under a Slack outage", () => {
  it("posts a message once when Slack posted it but the response was lost (the outbox id travels in its metadata)", async () => {
    const prefix = `lost-${++seq}`;
    await faults("POST", { target: "slack", method: "chat.postMessage", mode: "drop-response", seconds: 1.5 });
    const id = await enqueue(`${prefix} first`);
    await enqueue(`${prefix} second`);
    startSender();
    await eventually(async () => ((await store.outbox.pendingCount()) === 0 ? true : undefined), "the outbox to drain", 20_000);
    expect(await posts(prefix)).toEqual([`${prefix} first`, `${prefix} second`]);
    const first = (await history()).find((m) => m.text === `${prefix} first`)!;
    expect(first.metadata).toEqual({ event_type: "aisre_outbox", event_payload: { outbox_id: String(id) } });
  });

  it("does not post again what a replica posted before it died, answer unrecorded", async () => {
    const prefix = `crash-${++seq}`;
    const id = (await enqueue(`${prefix} only`))!;
    // The dead replica's last act: marked in flight, posted, and nothing more.
    await store.outbox.markInFlight(id);
    expect((await slack.call("chat.postMessage", { channel, text: `${prefix} only`, metadata: { event_type: "aisre_outbox", event_payload: { outbox_id: String(id) } } })).ok).toBe(true);
    startSender();
    await eventually(async () => ((await store.outbox.pendingCount()) === 0 ? true : undefined), "the outbox to drain");
    expect(await posts(prefix)).toEqual([`${prefix} only`]);
  });

  it("keeps each message's backoff short during a long 5xx/timeout outage, then drains in order, each once", async () => {
    const prefix = `outage-${++seq}`;
    await faults("POST", { target: "slack", method: "chat.postMessage", mode: "5xx", seconds: 600 });
    for (let i = 1; i <= 4; i++) await enqueue(`${prefix} ${i}`);
    startSender();
    await eventually(
      async () => {
        const [row] = await db.query<{ attempts: number }>("SELECT attempts FROM outbox WHERE payload->>'text' = $1", [`${prefix} 1`]);
        return row && row.attempts >= 6 ? true : undefined;
      },
      "several failed attempts",
      30_000,
    );
    // However many attempts failed, the next one is at most the cap away: Slack is used again within seconds of recovering.
    const { wait_ms } = itemAt(await db.query<{ wait_ms: number }>("SELECT max(extract(epoch FROM (not_before - now())) * 1000)::float8 AS wait_ms FROM outbox WHERE sent_at IS NULL"), 0);
    expect(wait_ms).toBeLessThanOrEqual(transientBackoffMs(1000) + 50);
    expect(await posts(prefix)).toEqual([]);

    // Now a stretch where Slack holds requests unanswered, then recovery.
    await faults("DELETE");
    await faults("POST", { target: "slack", method: "chat.postMessage", mode: "timeout", seconds: 2 });
    await eventually(async () => ((await store.outbox.pendingCount()) === 0 ? true : undefined), "the outbox to drain after recovery", 30_000);
    expect(await posts(prefix)).toEqual([1, 2, 3, 4].map((i) => `${prefix} ${i}`));
  });
});
