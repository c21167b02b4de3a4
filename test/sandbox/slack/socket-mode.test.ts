import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../../src/sandbox/server.ts";
import { envelopeOf } from "../../../src/sandbox/slack/socket-mode.ts";
import { BOT_TOKEN, SIGNING_SECRET } from "./harness.ts";
import { slackErrorCode as code } from "../../support/slack-error.ts";

/** apps.connections.open and the Socket Mode WebSocket's door: which token may open it, single-use URLs. */

const APP_TOKEN = "xapp-1-A0AISRE001-test";
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events", appToken: APP_TOKEN });
});

afterAll(async () => {
  await sandbox?.close();
});

const client = (token: string) => new WebClient(token, { slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } });

describe("Socket Mode's door", () => {
  it("opens only with the app-level token, which opens nothing else", async () => {
    expect(await code(client(BOT_TOKEN).apps.connections.open())).toBe("not_allowed_token_type");
    expect(await code(client(APP_TOKEN).chat.postMessage({ channel: "#sre", text: "hi" }))).toBe("not_allowed_token_type");
    const r = await client(APP_TOKEN).apps.connections.open();
    expect(r.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket-mode\/link\?ticket=[0-9a-f]+&app_id=A0AISRE001$/);
  });

  it("says hello on a good ticket, once; refuses a used or unknown one", async () => {
    const { url } = await client(APP_TOKEN).apps.connections.open();
    const first = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url!);
      ws.onmessage = (e) => {
        resolve(String(e.data));
        ws.close();
      };
      ws.onerror = () => reject(new Error("refused"));
    });
    expect(JSON.parse(first)).toMatchObject({ type: "hello", num_connections: 1, connection_info: { app_id: "A0AISRE001" } });
    const again = await new Promise<string>((resolve) => {
      const ws = new WebSocket(url!);
      ws.onopen = () => resolve("open");
      ws.onerror = () => resolve("refused");
    });
    expect(again).toBe("refused");
  });

  it("wraps each kind of request in its envelope type", () => {
    expect(envelopeOf("application/json", JSON.stringify({ type: "event_callback" }))).toEqual({ type: "events_api", payload: { type: "event_callback" } });
    expect(envelopeOf("application/x-www-form-urlencoded", "command=%2Faisre&text=help")).toEqual({ type: "slash_commands", payload: { command: "/aisre", text: "help" } });
    expect(envelopeOf("application/x-www-form-urlencoded", `payload=${encodeURIComponent('{"type":"block_actions"}')}`)).toEqual({ type: "interactive", payload: { type: "block_actions" } });
  });
});
