import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Router, sendJson } from "../../../src/http/router.ts";
import type { SandboxPart, ScenarioControl, ScenarioInfo } from "../../../src/sandbox/part.ts";
import { startSandbox, type RunningSandbox } from "../../../src/sandbox/server.ts";
import { BOT_TOKEN, control, SIGNING_SECRET } from "./harness.ts";

const info: ScenarioInfo = { name: "bad-deploy", description: "checkout v42 throws 5xx", rootCause: "checkout", fault: "bad deploy", fix: "rollback checkout" };

class FakeScenarios implements ScenarioControl {
  current: string | null = null;
  list() {
    return [info];
  }
  active() {
    return this.current;
  }
  async start(name: string) {
    this.current = name;
    return info;
  }
  async stop() {
    this.current = null;
  }
}

const part: SandboxPart = {
  name: "sim",
  router: new Router().add("GET", "/k8s/version", (_req, res) => sendJson(res, 200, { major: "1" })),
  state: () => ({ deployments: [{ name: "checkout", replicas: 3 }], kubeconfig: "/tmp/kubeconfig" }),
};

let sandbox: RunningSandbox;
let bare: RunningSandbox;

beforeAll(async () => {
  const common = { port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events", watch: { settleMs: 100, maxMs: 300 } };
  sandbox = await startSandbox({ ...common, parts: [part], scenarios: new FakeScenarios() });
  bare = await startSandbox(common);
});

afterAll(async () => {
  await sandbox.close();
  await bare.close();
});

describe("control API", () => {
  it("GET /sandbox/state merges the workspace's channels with each part's state", async () => {
    await control(sandbox, "/sandbox/users/U_BOB/messages", { channel: "#sre", text: "hello" });
    const r = await control(sandbox, "/sandbox/state", undefined, "GET");
    expect(r.status).toBe(200);
    expect(r.json.deployments).toEqual([{ name: "checkout", replicas: 3 }]);
    expect(r.json.kubeconfig).toBe("/tmp/kubeconfig");
    expect(r.json.activeScenario).toBeNull();
    const sre = r.json.channels.find((c: { name: string }) => c.name === "sre");
    expect(sre).toMatchObject({ id: sandbox.workspace.channel("sre")!.id, message_count: 1 });
    expect(sre.members).toEqual(expect.arrayContaining(["U_ALICE", "U_BOB", "U_CAROL", sandbox.workspace.botUserId]));
  });

  it("serves each part's routes", async () => {
    const r = await fetch(`${sandbox.url}/k8s/version`);
    expect(await r.json()).toEqual({ major: "1" });
  });

  it("starts and stops scenarios; unknown names list the known ones", async () => {
    expect((await control(sandbox, "/sandbox/scenarios", undefined, "GET")).json).toMatchObject({ scenarios: [info], active: null });
    const started = await control(sandbox, "/sandbox/scenarios/bad-deploy");
    expect(started.json).toMatchObject({ ok: true, scenario: info, active: "bad-deploy" });
    expect((await control(sandbox, "/sandbox/state", undefined, "GET")).json.activeScenario).toBe("bad-deploy");
    expect((await control(sandbox, "/sandbox/scenarios/bad-deploy", undefined, "DELETE")).json).toMatchObject({ ok: true, active: null });
    const unknown = await control(sandbox, "/sandbox/scenarios/meteor");
    expect(unknown.status).toBe(404);
    expect(unknown.json.scenarios).toEqual(["bad-deploy"]);
    expect((await control(bare, "/sandbox/scenarios/bad-deploy")).status).toBe(503);
  });

  it("accepts a channel id or #name, refuses unknown people and channels", async () => {
    const id = sandbox.workspace.channel("incidents")!.id;
    expect((await control(sandbox, "/sandbox/users/U_ALICE/messages", { channel: id, text: "by id" })).json.message.channel).toBe(id);
    expect((await control(sandbox, "/sandbox/users/alice/messages", { channel: "#incidents", text: "by name" })).json.message.user).toBe("U_ALICE");
    expect((await control(sandbox, "/sandbox/users/U_NOBODY/messages", { channel: "#incidents", text: "x" })).status).toBe(404);
    expect((await control(sandbox, "/sandbox/users/U_ALICE/messages", { channel: "#nowhere", text: "x" })).status).toBe(404);
    expect((await control(sandbox, "/sandbox/users/U_ALICE/messages", { channel: "#incidents" })).status).toBe(400);
  });

  it("turns typed @names, @groups and #channels into Slack markup", async () => {
    const r = await control(sandbox, "/sandbox/users/U_CAROL/messages", { channel: "#incidents", text: "@alice and @sre-approvers please look in #sre" });
    const sre = sandbox.workspace.channel("sre")!.id;
    expect(r.json.message.text).toBe(`<@U_ALICE> and <!subteam^S0SREAPPRV|@sre-approvers> please look in <#${sre}|sre>`);
    expect(r.json.message.blocks[0].type).toBe("rich_text");
  });

  it("gives out user tokens for scripts that read as a person", async () => {
    const r = await control(sandbox, "/sandbox/users/U_BOB/token");
    const res = await fetch(`${sandbox.url}/api/auth.test`, { headers: { authorization: `Bearer ${r.json.token}` } });
    expect(await res.json()).toMatchObject({ ok: true, user_id: "U_BOB" });
  });

  it("pushes changes to the page over server-sent events", async () => {
    const controller = new AbortController();
    const res = await fetch(`${sandbox.url}/sandbox/events`, { signal: controller.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    await control(sandbox, "/sandbox/users/U_BOB/messages", { channel: "#sre", text: "pushed" });
    let text = "";
    while (!text.includes("message_posted")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toContain(`"channel":"${sandbox.workspace.channel("sre")!.id}"`);
  });

  it("serves the page", async () => {
    const html = await (await fetch(`${sandbox.url}/`)).text();
    expect(html).toContain("<title>");
    expect((await fetch(`${sandbox.url}/web/app.js`)).headers.get("content-type")).toContain("javascript");
  });
});

describe("a bot that is not in the channel", () => {
  it("is not told about mentions there (Slackbot offers /invite), and /invite adds it", async () => {
    const ch = sandbox.workspace.createChannel({ name: "war-room", creator: "U_CAROL", members: ["U_ALICE"] });
    const r = await control(sandbox, "/sandbox/users/U_ALICE/messages", { channel: "#war-room", text: "@aisre help" });
    expect(r.json.messages).toEqual([expect.objectContaining({ user: "USLACKBOT", is_ephemeral: true })]);
    expect(r.json.messages[0].text).toContain("/invite");
    await control(sandbox, "/sandbox/users/U_ALICE/commands", { channel: "#war-room", command: "/invite", text: "@aisre" });
    expect(ch.members.has(sandbox.workspace.botUserId)).toBe(true);
  });
});
