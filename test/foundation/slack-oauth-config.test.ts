import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultChannelOf, loadWorkspaces, routingWithWorkspaces, workspaceOfChannel } from "../../src/app/workspaces.ts";
import { DEFAULT_BOT_SCOPES, loadConfig } from "../../src/config.ts";
import { channelFor, routingSchema } from "../../src/incident/routing.ts";
import { parseChannelRef, WorkspaceSlack } from "../../src/integrations/slack/workspace-slack.ts";

const SECRET = "0".repeat(32);

describe("Slack OAuth installs in the config", () => {
  it("a bot token alone keeps single-token mode", () => {
    const c = loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: SECRET });
    expect(c.slack.mode).toBe("real");
    expect(c.slack.oauth).toBeUndefined();
  });

  it("client id + secret + state secret + signing secret: real Slack over OAuth, the manifest's scopes", () => {
    const c = loadConfig({ SLACK_CLIENT_ID: "123.456", SLACK_CLIENT_SECRET: "s", SLACK_STATE_SECRET: "a-long-state-secret", SLACK_SIGNING_SECRET: SECRET });
    expect(c.slack.mode).toBe("real");
    expect(c.slack.oauth).toMatchObject({ clientId: "123.456", clientSecret: "s", stateSecret: "a-long-state-secret" });
    expect(c.slack.oauth?.scopes).toEqual(DEFAULT_BOT_SCOPES);
    expect(loadConfig({ SLACK_CLIENT_ID: "123.456", SLACK_CLIENT_SECRET: "s", SLACK_STATE_SECRET: "a-long-state-secret", SLACK_SIGNING_SECRET: SECRET, SLACK_SCOPES: "chat:write, commands" }).slack.oauth?.scopes).toEqual(["chat:write", "commands"]);
  });

  it("half an OAuth configuration is an error, named", () => {
    expect(() => loadConfig({ SLACK_CLIENT_ID: "123.456" })).toThrow(/SLACK_CLIENT_SECRET: required when SLACK_CLIENT_ID is set/);
    expect(() => loadConfig({ SLACK_CLIENT_ID: "123.456", SLACK_CLIENT_SECRET: "s", SLACK_SIGNING_SECRET: SECRET })).toThrow(/SLACK_STATE_SECRET: required/);
    expect(() => loadConfig({ SLACK_CLIENT_ID: "123.456", SLACK_CLIENT_SECRET: "s", SLACK_STATE_SECRET: "a-long-state-secret" })).toThrow(/SLACK_SIGNING_SECRET: required when SLACK_CLIENT_ID/);
    expect(() => loadConfig({ SLACK_CLIENT_ID: "abc" })).toThrow(/SLACK_CLIENT_ID/);
    expect(() => loadConfig({ SLACK_OAUTH: "true", SLACK_SOCKET_MODE: "true" })).toThrow(/SLACK_OAUTH/);
  });

  it("SLACK_OAUTH installs into the sandbox workspace through the flow", () => {
    const c = loadConfig({ SLACK_OAUTH: "true" });
    expect(c.slack.mode).toBe("sandbox");
    expect(c.slack.oauth?.scopes).toContain("chat:write");
    expect(loadConfig({}).slack.oauth).toBeUndefined();
  });
});

describe("per-workspace settings", () => {
  const dir = mkdtempSync(join(tmpdir(), "aisre-ws-"));
  const file = join(dir, "workspaces.yaml");
  writeFileSync(file, ["default: T0MAIN01", "workspaces:", "  T0PAY001:", '    channel: "#pay-incidents"', "    services: [payments]", '    approvers: ["U_BOB"]', "  T0MAIN01:", '    channel: "#ops"'].join("\n"));

  it("routes a workspace's services to its channel, named with its team; the rest to the default workspace's", () => {
    const ws = loadWorkspaces(file);
    const routing = routingWithWorkspaces(routingSchema.parse({ services: { cart: "#cart" } }), ws, "#incidents");
    const fallback = defaultChannelOf(ws, "#incidents");
    expect(fallback).toBe("T0MAIN01/#ops");
    expect(channelFor(routing, ["payments"], fallback)).toBe("T0PAY001/#pay-incidents");
    expect(channelFor(routing, ["cart"], fallback)).toBe("#cart");
    expect(channelFor(routing, ["checkout"], fallback)).toBe("T0MAIN01/#ops");
    expect(workspaceOfChannel("T0PAY001/#pay-incidents")).toBe("T0PAY001");
    expect(workspaceOfChannel("#cart")).toBeUndefined();
  });

  it("parses workspace-qualified channel references and refuses a bad file", () => {
    expect(parseChannelRef("T0PAY001/C0123")).toEqual({ teamId: "T0PAY001", channel: "C0123" });
    expect(parseChannelRef("#incidents")).toEqual({ channel: "#incidents" });
    expect(loadWorkspaces(undefined)).toEqual({ workspaces: {} });
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "workspaces:\n  nope:\n    services: [x]\n");
    expect(() => loadWorkspaces(bad)).toThrow(/bad.yaml: workspaces/);
  });
});

describe("WorkspaceSlack: which install a call uses", () => {
  const maps = {
    channels: new Map([["C0PAY", { teamId: "T0PAY001" }]]),
    users: new Map([["U0PAYER", { teamId: "T0PAY001", enterpriseId: "E0ORG" }]]),
  };
  const port = new WorkspaceSlack({
    channelWorkspace: async (id) => maps.channels.get(id),
    userWorkspace: async (id) => maps.users.get(id),
    defaultWorkspace: async () => ({ teamId: "T0MAIN01", isEnterpriseInstall: false }),
  });

  it("the named workspace, else the channel's, else the person's, else the default", async () => {
    expect(await port.workspaceOf({ _team: "T0NAMED1", channel: "C0PAY" })).toEqual({ teamId: "T0NAMED1", isEnterpriseInstall: false });
    expect(await port.workspaceOf({ channel: "C0PAY" })).toEqual({ teamId: "T0PAY001", isEnterpriseInstall: false });
    expect(await port.workspaceOf({ user_id: "U0PAYER" })).toEqual({ teamId: "T0PAY001", enterpriseId: "E0ORG", isEnterpriseInstall: false });
    expect(await port.workspaceOf({ channel: "C0UNSEEN" })).toEqual({ teamId: "T0MAIN01", isEnterpriseInstall: false });
    expect(await port.workspaceOf({})).toEqual({ teamId: "T0MAIN01", isEnterpriseInstall: false });
  });

  it("answers not_installed (transient) before an install, and not_ready before Bolt is up", async () => {
    expect(await port.call("auth.test", {})).toEqual({ ok: false, error: { code: "not_ready", transient: true } });
    port.bind(async () => {
      throw new Error("no installation");
    });
    expect(await port.call("auth.test", {})).toEqual({ ok: false, error: { code: "not_installed", transient: true } });
  });
});
