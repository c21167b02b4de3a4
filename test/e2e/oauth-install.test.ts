import type { Installation } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The product installs itself through Slack's OAuth v2 flow (SLACK_OAUTH=true against the sandbox):
 * `/slack/install` (Bolt's install path) redirects to the sandbox's authorize page with a signed
 * state; the page approves and redirects to `/slack/oauth_redirect` with `code` and `state`; Bolt
 * exchanges the code with `oauth.v2.access` and stores the install in the store. Then everything runs
 * on the installed (rotating) token: Bolt's listeners and the services' posts; a token close to
 * expiry is refreshed (`grant_type=refresh_token`) and saved back.
 */

let t: TestAisre;

beforeAll(async () => {
  t = await startTestAisre({ env: { SLACK_OAUTH: "true" } });
}, 240_000);

afterAll(async () => {
  await t?.close();
});

/** A person clicks "Add to Slack" and approves: the browser's redirects, the state cookie carried. */
async function install(extra = ""): Promise<Response> {
  const start = await fetch(`${t.botUrl}/slack/install`, { redirect: "manual" });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get("location") ?? "");
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${t.sandboxUrl}/oauth/v2/authorize`);
  expect(authorize.searchParams.get("state")).toBeTruthy();
  expect(authorize.searchParams.get("scope")).toContain("chat:write");
  const cookie = (start.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const approved = await fetch(`${authorize}${extra}`, { redirect: "manual" });
  expect(approved.status, `${authorize}: ${approved.status === 302 ? "" : await approved.text()}`).toBe(302);
  const back = new URL(approved.headers.get("location") ?? "");
  expect(`${back.origin}${back.pathname}`).toBe(`${t.botUrl}/slack/oauth_redirect`);
  expect(back.searchParams.get("state")).toBe(authorize.searchParams.get("state"));
  return fetch(back, { headers: { cookie } });
}

describe("the OAuth v2 install flow, run by the product", () => {
  it("refuses a callback whose state it did not issue", async () => {
    const approved = await fetch(`${t.sandboxUrl}/oauth/v2/authorize?client_id=nope&scope=chat:write&redirect_uri=${encodeURIComponent(`${t.botUrl}/slack/oauth_redirect`)}`, { redirect: "manual" });
    expect(approved.status).toBe(400);
    const forged = await fetch(`${t.botUrl}/slack/oauth_redirect?code=123.abc&state=forged`);
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(await t.aisre.services.store.slackInstallations.count()).toBe(0);
  });

  it("installs into the workspace and stores the install (a rotating token with its refresh token)", async () => {
    const done = await install();
    expect(done.status).toBe(200);
    const store = t.aisre.services.store;
    const team = t.aisre.sandbox!.workspace.team.id;
    const stored = await store.slackInstallations.find<Installation>({ teamId: team, isEnterpriseInstall: false });
    expect(stored?.installation.bot?.token).toMatch(/^xoxe\.xoxb-/);
    expect(stored?.installation.bot?.refreshToken).toMatch(/^xoxe-1-/);
    expect(stored?.installation.bot?.scopes).toContain("chat:write");
  });

  it("answers Slack with the installed token (Bolt authorizes each request from the store)", async () => {
    const seen = await t.command("U_ALICE", "#incidents", "status checkout");
    expect(seen.some((m) => JSON.stringify(m.blocks ?? []).includes("Share in channel"))).toBe(true);
  }, 60_000);

  it("the services post with it: an alert's incident card lands in #incidents", async () => {
    const alerts = [{ name: "HighErrorRate", status: "firing", severity: "critical", service: "payments", summary: "HighErrorRate on payments" }];
    expect((await t.postWebhook("generic", { alerts })).status).toBe(202);
    const incident = await eventually(async () => (await t.aisre.services.store.incidents.listOpen()).find((i) => i.services.includes("payments")), "the payments incident");
    const root = await eventually(() => t.aisre.services.store.slackMessages.get(incident.id, "root"), "the root card posted", 60_000);
    const posted = (await t.history("#incidents")).find((m) => m.ts === root.ts);
    expect(posted?.bot_id).toBeTruthy();
  }, 120_000);

  it("rotates a token close to expiry when the services next call Slack, and saves the new one", async () => {
    const store = t.aisre.services.store;
    const team = t.aisre.sandbox!.workspace.team.id;
    const key = { teamId: team, isEnterpriseInstall: false } as const;
    const before = (await store.slackInstallations.find<Installation>(key))!.installation;
    // As if eleven hours had passed: the token expires within Bolt's two-hour window.
    const soon = Math.floor(Date.now() / 1000) + 600;
    await store.slackInstallations.save(key, { ...before, bot: { ...before.bot!, expiresAt: soon } }, soon);
    const r = await t.aisre.services.slack.call("auth.test", {});
    expect(r.ok).toBe(true);
    const after = (await store.slackInstallations.find<Installation>(key))!.installation;
    expect(after.bot?.token).toMatch(/^xoxe\.xoxb-/);
    expect(after.bot?.token).not.toBe(before.bot?.token);
    expect(after.bot?.refreshToken).not.toBe(before.bot?.refreshToken);
    expect(after.bot?.expiresAt).toBeGreaterThan(soon);
  });

  it("an org-wide install (is_enterprise_install) is stored for the organization", async () => {
    expect((await install("&org=1")).status).toBe(200);
    const org = await t.aisre.services.store.slackInstallations.find<Installation>({ enterpriseId: "E0SANDBOX1", isEnterpriseInstall: true });
    expect(org?.installation.isEnterpriseInstall).toBe(true);
    expect(org?.installation.enterprise?.id).toBe("E0SANDBOX1");
  });

  it("after a restart (same data folder) the install still works: the sandbox keeps its client and the tokens it issued", async () => {
    const dataDir = t.aisre.services.config.dataDir;
    await t.close();
    t = await startTestAisre({ env: { SLACK_OAUTH: "true", AISRE_DATA_DIR: dataDir } });
    expect(await t.aisre.services.store.slackInstallations.count()).toBe(2);
    const r = await t.aisre.services.slack.call("auth.test", {});
    expect(r.ok && r.data.team_id).toBe("T0SANDBOX1");
    const seen = await t.command("U_ALICE", "#incidents", "status checkout");
    expect(seen.some((m) => JSON.stringify(m.blocks ?? []).includes("Share in channel"))).toBe(true);
  }, 240_000);
});
