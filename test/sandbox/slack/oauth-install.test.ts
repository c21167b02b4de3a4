import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Installation } from "@slack/bolt";
import { InstallProvider } from "@slack/oauth";
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeInstallationStore } from "../../../handlers/installation-store.ts";
import { startSandbox, type RunningSandbox } from "../../../src/sandbox/server.ts";
import { OAuthGrants } from "../../../src/sandbox/slack/oauth.ts";
import type { Db } from "../../../src/store/db.ts";
import { createStore, type Store } from "../../../src/store/store.ts";
import { testDatabases } from "../../support/databases.ts";
import { BOT_TOKEN, SIGNING_SECRET } from "./harness.ts";
import { slackErrorCode as code } from "../../support/slack-error.ts";

/**
 * OAuth v2 installs against the emulated Slack, through Bolt's own InstallProvider and the product's
 * InstallationStore (the store): the authorize page, the callback's oauth.v2.access, a workspace
 * and an org-wide install, token rotation (a token near expiry is refreshed with
 * grant_type=refresh_token and saved back), and oauth.v2.access's errors.
 */

const CLIENT = { clientId: "1234.5678", clientSecret: "s3cret" };
const CREDS = { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret };
let sandbox: RunningSandbox;
let db: Db;
let store: Store;
let callback: Server;
let callbackUrl: string;
let provider: InstallProvider;

beforeAll(async () => {
  // Tokens live an hour: under Bolt's two-hour window, so the next authorize rotates them.
  sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events", oauth: { ...CLIENT, tokenRotation: true, tokenLifetimeS: 3600 } });
  const pglite = testDatabases()[0];
  if (!pglite) throw new Error("no test database");
  db = await pglite.open();
  store = createStore(db);
  provider = new InstallProvider({
    ...CLIENT,
    stateSecret: "state-secret",
    stateVerification: false,
    installationStore: storeInstallationStore(store.slackInstallations),
    authorizationUrl: `${sandbox.url}/oauth/v2/authorize`,
    clientOptions: { slackApiUrl: `${sandbox.url}/api/` },
  });
  callback = createServer((req, res) => void provider.handleCallback(req, res));
  await new Promise<void>((r) => callback.listen(0, "127.0.0.1", r));
  callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/slack/oauth_redirect`;
}, 60_000);

afterAll(async () => {
  callback?.close();
  await db?.close();
  await sandbox?.close();
});

/** A person goes through the install page; the callback exchanges the code. */
async function install(extra = ""): Promise<number> {
  const url = await provider.generateInstallUrl({ scopes: ["chat:write", "commands"], redirectUri: callbackUrl }, false);
  const approve = await fetch(`${url}${extra}`, { redirect: "manual" });
  expect(approve.status).toBe(302);
  const back = approve.headers.get("location") ?? "";
  expect(back.startsWith(callbackUrl)).toBe(true);
  return (await fetch(back)).status;
}

describe("OAuth v2 installs against the emulated Slack", () => {
  it("installs into the workspace: a rotating bot token the Web API accepts, stored with its refresh token", async () => {
    expect(await install()).toBe(200);
    const team = sandbox.workspace.team.id;
    const stored = await store.slackInstallations.find<Installation>({ teamId: team, isEnterpriseInstall: false });
    const bot = stored?.installation.bot;
    expect(bot?.token).toMatch(/^xoxe\.xoxb-/);
    expect(bot?.refreshToken).toMatch(/^xoxe-1-/);
    expect(bot?.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(stored?.botTokenExpiresAt).toBe(bot?.expiresAt);
    const who = await new WebClient(bot?.token, { slackApiUrl: `${sandbox.url}/api/` }).auth.test();
    expect(who.user_id).toBe(sandbox.workspace.botUserId);
  });

  it("rotates a token close to expiry when Bolt authorizes a request, and saves the new one", async () => {
    const team = sandbox.workspace.team.id;
    const before = (await store.slackInstallations.find<Installation>({ teamId: team, isEnterpriseInstall: false }))?.installation.bot;
    const auth = await provider.authorize({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false });
    expect(auth.botToken).toMatch(/^xoxe\.xoxb-/);
    expect(auth.botToken).not.toBe(before?.token);
    const after = (await store.slackInstallations.find<Installation>({ teamId: team, isEnterpriseInstall: false }))?.installation.bot;
    expect(after?.token).toBe(auth.botToken);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    // A refresh token is good once.
    const anon = new WebClient(undefined, { slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } });
    expect(await code(anon.oauth.v2.access({ ...CREDS, grant_type: "refresh_token", refresh_token: before?.refreshToken ?? "" }))).toBe("invalid_refresh_token");
    expect(await code(new WebClient(auth.botToken, { slackApiUrl: `${sandbox.url}/api/` }).auth.test())).toBe("ok");
  });

  it("an org-wide install serves every workspace of the organization", async () => {
    expect(await install("&org=1")).toBe(200);
    const org = await store.slackInstallations.find<Installation>({ enterpriseId: "E0SANDBOX1", teamId: "T0OTHER01", isEnterpriseInstall: false });
    expect(org?.key.isEnterpriseInstall).toBe(true);
    expect(org?.installation.enterprise?.id).toBe("E0SANDBOX1");
    expect(await store.slackInstallations.count()).toBe(2);
  });

  it("answers oauth.v2.access's errors as Slack documents them", async () => {
    const anon = new WebClient(undefined, { slackApiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } });
    expect(await code(anon.oauth.v2.access({ client_id: "nope", client_secret: "x", code: "c" }))).toBe("invalid_client_id");
    expect(await code(anon.oauth.v2.access({ client_id: CLIENT.clientId, client_secret: "wrong", code: "c" }))).toBe("bad_client_secret");
    expect(await code(anon.oauth.v2.access({ ...CREDS, code: "made-up" }))).toBe("invalid_code");
    expect(await code(anon.oauth.v2.access({ ...CREDS, grant_type: "password" } as never))).toBe("invalid_grant_type");
    const approve = await fetch(`${sandbox.url}/oauth/v2/authorize?client_id=${CLIENT.clientId}&scope=chat:write&redirect_uri=${encodeURIComponent("http://127.0.0.1:9/cb")}`, { redirect: "manual" });
    const c = new URL(approve.headers.get("location") ?? "").searchParams.get("code") ?? "";
    expect(await code(anon.oauth.v2.access({ ...CREDS, code: c, redirect_uri: "http://127.0.0.1:9/other" }))).toBe("bad_redirect_uri");
    expect(await code(anon.oauth.v2.access({ ...CREDS, code: c }))).toBe("ok");
    expect(await code(anon.oauth.v2.access({ ...CREDS, code: c }))).toBe("code_already_used");
  });

  it("refuses an expired rotating token (token_expired)", () => {
    const g = new OAuthGrants({ ...CLIENT, tokenRotation: true, tokenLifetimeS: 60 });
    const t = g.issue("chat:write", false, 1000);
    expect(g.check(t.access_token, 1059)).toBe("ok");
    expect(g.check(t.access_token, 1060)).toBe("expired");
    expect(g.check("xoxb-unknown", 1000)).toBeUndefined();
  });
});
