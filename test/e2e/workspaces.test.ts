import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Installation } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The app installed in two workspaces of the sandbox's organization through the OAuth flow
 * (T0SANDBOX1, the default, and T0OTHER01), with per-workspace settings (AISRE_WORKSPACES_FILE):
 * an incident of a service T0OTHER01 claims is posted in its channel with T0OTHER01's token (the
 * sandbox stamps each message with the poster's workspace), the others with the default
 * workspace's; remediations of its incidents follow its approvers and its policy.
 */

const OTHER = "T0OTHER01";
let t: TestAisre;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "aisre-workspaces-"));
  const policy = join(dir, "policy-other.yaml");
  writeFileSync(policy, ["version: 1", "environment: production", "defaults:", "  autonomy: approve", '  approvers: ["U_DAVE"]', "rules:", "  - match: { action: scale }", "    forbidden: true", ""].join("\n"));
  const file = join(dir, "workspaces.yaml");
  writeFileSync(file, ["default: T0SANDBOX1", "workspaces:", `  ${OTHER}:`, '    channel: "#payments-ops"', "    services: [ledger]", '    approvers: ["U_BOB"]', `    policy: ${policy}`, ""].join("\n"));
  t = await startTestAisre({ env: { SLACK_OAUTH: "true", AISRE_WORKSPACES_FILE: file } });
}, 240_000);

afterAll(async () => {
  await t?.close();
});

async function install(team: string): Promise<void> {
  const start = await fetch(`${t.botUrl}/slack/install`, { redirect: "manual" });
  const cookie = (start.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const approved = await fetch(`${start.headers.get("location")}&team=${team}`, { redirect: "manual" });
  expect(approved.status).toBe(302);
  expect((await fetch(approved.headers.get("location") ?? "", { headers: { cookie } })).status).toBe(200);
}

async function incidentOf(service: string) {
  const alerts = [{ name: "HighErrorRate", status: "firing", severity: "critical", service, summary: `HighErrorRate on ${service}` }];
  expect((await t.postWebhook("generic", { alerts })).status).toBe(202);
  return eventually(async () => (await t.aisre.services.store.incidents.listOpen()).find((i) => i.services.includes(service)), `the ${service} incident`);
}

describe("several workspaces", () => {
  it("installs in both workspaces of the organization", async () => {
    await install("T0SANDBOX1");
    await install(OTHER);
    const store = t.aisre.services.store.slackInstallations;
    const other = await store.find<Installation>({ teamId: OTHER, isEnterpriseInstall: false });
    const main = await store.find<Installation>({ teamId: "T0SANDBOX1", isEnterpriseInstall: false });
    expect(other?.installation.team?.id).toBe(OTHER);
    expect(main?.installation.team?.id).toBe("T0SANDBOX1");
    expect(other?.installation.bot?.token).not.toBe(main?.installation.bot?.token);
  });

  it("posts each incident in its workspace's channel with that workspace's token", async () => {
    const ledger = await incidentOf("ledger");
    const wiki = await incidentOf("wiki");
    expect(ledger.id).not.toBe(wiki.id);
    expect(ledger.channel).toBe(`${OTHER}/#payments-ops`);
    const store = t.aisre.services.store;
    const ledgerRoot = await eventually(() => store.slackMessages.get(ledger.id, "root"), "the ledger card", 60_000);
    const wikiRoot = await eventually(() => store.slackMessages.get(wiki.id, "root"), "the wiki card", 60_000);
    expect(ledgerRoot.channel).toBe(await t.channelId("payments-ops"));
    expect(wikiRoot.channel).toBe(await t.channelId("incidents"));
    const inOther = (await t.history("#payments-ops")).find((m) => m.ts === ledgerRoot.ts);
    const inIncidents = (await t.history("#incidents")).find((m) => m.ts === wikiRoot.ts);
    expect(inOther?.team).toBe(OTHER);
    expect(inIncidents?.team).toBe("T0SANDBOX1");
    // Thread posts follow the root: the workspace of the channel is remembered.
    expect(await store.slackChannelWorkspaces.get(ledgerRoot.channel)).toMatchObject({ teamId: OTHER });
  }, 120_000);

  it("Home is published with the token of the person's workspace (learnt from their requests)", async () => {
    const res = await fetch(`${t.sandboxUrl}/sandbox/users/U_CAROL/home`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(JSON.stringify(((await res.json()) as { view?: unknown }).view ?? null)).toContain("ledger");
    expect(await t.aisre.services.store.slackUserWorkspaces.get("U_CAROL")).toMatchObject({ teamId: "T0SANDBOX1" });
  }, 60_000);

  it("remediations follow the workspace's approvers and policy", async () => {
    const store = t.aisre.services.store;
    const rem = t.aisre.services.remediation;
    const ledger = (await store.incidents.listOpen()).find((i) => i.services.includes("ledger"))!;
    const wiki = (await store.incidents.listOpen()).find((i) => i.services.includes("wiki"))!;
    // T0OTHER01's policy forbids scaling; the default policy offers it.
    expect((await rem.recommend(ledger.id, { type: "scale", target: { service: "ledger" }, params: { replicas: 3 }, reason: "test" })).offered).toBe(false);
    expect((await rem.recommend(wiki.id, { type: "scale", target: { service: "wiki" }, params: { replicas: 3 }, reason: "test" })).offered).toBe(true);
    // Its catalog is its policy's too: T0OTHER01's file has no runbooks, so the default policy's `flush_cache_prefix` is not offered there.
    const flush = (service: string) => ({ type: "flush_cache_prefix", target: { service }, params: { prefix: `${service}:` }, reason: "test" });
    const flushLedger = await rem.recommend(ledger.id, flush("ledger"));
    expect(flushLedger.offered).toBe(false);
    expect(flushLedger.reason).toContain(`unknown action type flush_cache_prefix in the policy of workspace ${OTHER}`);
    expect((await rem.recommend(wiki.id, flush("wiki"))).offered).toBe(true);
    expect(rem.catalog(OTHER).has("flush_cache_prefix")).toBe(false);
    expect(rem.catalog().has("flush_cache_prefix")).toBe(true);
    // Its approvers are T0OTHER01's (Bob), not the default's (@sre-approvers: Alice, Carol).
    const onLedger = await rem.recommend(ledger.id, { type: "rollout_restart", target: { service: "ledger" }, reason: "test" });
    const onWiki = await rem.recommend(wiki.id, { type: "rollout_restart", target: { service: "wiki" }, reason: "test" });
    expect(onLedger.offered && onWiki.offered).toBe(true);
    const aliceOnLedger = await rem.approve(onLedger.actionId!, "U_ALICE");
    expect(aliceOnLedger.ok).toBe(false);
    expect(aliceOnLedger.message).toContain("<@U_BOB>");
    const bobOnWiki = await rem.approve(onWiki.actionId!, "U_BOB");
    expect(bobOnWiki.ok).toBe(false);
    expect(bobOnWiki.message).toContain("sre-approvers");
    // The action card is in T0OTHER01's channel, posted with its token.
    const root = (await store.slackMessages.get(ledger.id, "root"))!;
    const card = await eventually(async () => (await t.replies("#payments-ops", root.ts)).find((m) => JSON.stringify(m.blocks ?? []).includes(onLedger.actionId!)), "the action card in the ledger thread", 60_000);
    expect(card.team).toBe(OTHER);
  }, 120_000);

  it("a person in T0OTHER01's channel: the @mention, the slash command and the button click are answered with T0OTHER01's token", async () => {
    const store = t.aisre.services.store;
    const ledger = (await store.incidents.listOpen()).find((i) => i.services.includes("ledger"))!;
    const root = (await store.slackMessages.get(ledger.id, "root"))!;
    const channel = await t.channelId("payments-ops");
    const bot = t.aisre.sandbox!.workspace.botUserId;
    // @mention in the ledger thread: Bolt authorizes the event with T0OTHER01's install, and its reply carries that workspace.
    const before = Math.max(...(await t.replies("#payments-ops", root.ts)).map((m) => Number(m.ts)));
    await t.message("U_BOB", "#payments-ops", `<@${bot}> what is going on with ledger?`, root.ts);
    const reply = await eventually(async () => (await t.replies("#payments-ops", root.ts)).find((m) => m.bot_id !== undefined && Number(m.ts) > before && /Looking into it|Rules-based answer|ai_feedback/.test(JSON.stringify(m))), "the answer to the @mention", 60_000);
    expect(reply.team).toBe(OTHER);
    // A slash command there opens its modal with T0OTHER01's token (the view's team_id is the opener's workspace).
    await t.command("U_BOB", "#payments-ops", "incident declare");
    const declare = await eventually(async () => ((await t.views("U_BOB")) as Array<{ callback_id?: string; team_id?: string }>).find((v) => v.callback_id === "declare_incident"), "the declare modal", 30_000);
    expect(declare.team_id).toBe(OTHER);
    // A click on the digest's Timeline button there (a second alert joining the incident brings the digest): its modal is opened with T0OTHER01's token too.
    const joining = [{ name: "HighLatency", status: "firing", severity: "warning", service: "ledger", summary: "HighLatency on ledger" }];
    expect((await t.postWebhook("generic", { alerts: joining })).status).toBe(202);
    const digest = await eventually(async () => (await t.replies("#payments-ops", root.ts)).find((m) => JSON.stringify(m.blocks ?? []).includes("incident_timeline")), "the digest in the ledger thread", 60_000);
    await t.click("U_BOB", channel, digest.ts, "incident_timeline");
    const timeline = await eventually(async () => ((await t.views("U_BOB")) as Array<{ title?: { text: string }; team_id?: string }>).find((v) => v.title?.text === "Incident timeline"), "the timeline modal", 30_000);
    expect(timeline.team_id).toBe(OTHER);
    // The requests taught the product the person's workspace (Home is then published with that token).
    expect(await store.slackUserWorkspaces.get("U_BOB")).toMatchObject({ teamId: OTHER });
  }, 120_000);

  it("the kill switch is per workspace: off in T0OTHER01 stops its incidents' actions only; its approvers turn it back on; Home and the audit name the workspace", async () => {
    const store = t.aisre.services.store;
    const rem = t.aisre.services.remediation;
    const said = (ms: Array<{ text?: string }>) => ms.map((m) => m.text ?? "").join("\n");
    // Anyone may pull it, in the workspace it is run in.
    expect(said(await t.command("U_ALICE", "#payments-ops", "autonomy off ledger freeze"))).toContain(`Automation is *off* in workspace ${OTHER}`);
    expect((await rem.automation(OTHER)).enabled).toBe(false);
    expect((await rem.automation("T0SANDBOX1")).enabled).toBe(true);
    expect((await rem.automation()).enabled).toBe(true);
    const status = async (channel: string) => JSON.stringify(await t.command("U_CAROL", channel, "autonomy status"));
    expect(await status("#payments-ops")).toContain(`*Automation is off* in workspace ${OTHER}`);
    expect(await status("#sre")).toContain("*Automation is on*:");
    // The ledger incident's pending action is refused by its workspace's switch; the default workspace's are not.
    const pending = await rem.pending();
    const onLedger = pending.find((a) => a.target.service === "ledger")!;
    const onWiki = pending.find((a) => a.target.service === "wiki")!;
    const refused = await rem.approve(onLedger.id, "U_BOB");
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain(`switched off in workspace ${OTHER}`);
    const notThere = await rem.approve(onWiki.id, "U_BOB");
    expect(notThere.message).not.toContain("switched off");
    // Home shows the switch of the person's workspace.
    const home = async (user: string) => JSON.stringify(((await (await fetch(`${t.sandboxUrl}/sandbox/users/${user}/home`, { method: "POST" })).json()) as { view?: unknown }).view ?? null);
    expect(await home("U_BOB")).toContain(`*Automation is off* in workspace ${OTHER}`);
    const carol = await home("U_CAROL");
    expect(carol).toContain("*Automation is on*");
    expect(carol).not.toContain(`in workspace ${OTHER}`);
    // Only T0OTHER01's approvers (Bob) turn it back on there: Alice (an approver of the default workspace) may not.
    expect(said(await t.command("U_ALICE", "#payments-ops", "autonomy on"))).toContain(`may turn automation back on in workspace ${OTHER}`);
    expect((await rem.automation(OTHER)).enabled).toBe(false);
    expect(said(await t.command("U_BOB", "#payments-ops", "autonomy on"))).toContain(`Automation is *on* in workspace ${OTHER}`);
    expect((await rem.automation(OTHER)).enabled).toBe(true);
    // The audit trail records which workspace.
    const switched = (await store.audit.list()).filter((e) => e.action.startsWith("automation."));
    expect(switched.map((e) => [e.action, e.actor, (e.detail as { workspace?: string }).workspace])).toEqual([
      ["automation.off", "U_ALICE", OTHER],
      ["automation.on_refused", "U_ALICE", OTHER],
      ["automation.on", "U_BOB", OTHER],
    ]);
  }, 120_000);

  it("uninstalled from a workspace (app_uninstalled, tokens_revoked): its install is forgotten, the other one stays", async () => {
    const res = await fetch(`${t.sandboxUrl}/sandbox/apps/uninstall`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ team: OTHER }) });
    const out = (await res.json()) as { revoked: number; events: string[] };
    expect(out.revoked).toBeGreaterThan(0);
    expect(out.events).toEqual(["tokens_revoked", "app_uninstalled"]);
    const store = t.aisre.services.store.slackInstallations;
    await eventually(async () => ((await store.find({ teamId: OTHER, isEnterpriseInstall: false })) ? undefined : true), "the T0OTHER01 install forgotten");
    expect(await store.find({ teamId: "T0SANDBOX1", isEnterpriseInstall: false })).toBeDefined();
    expect(await t.aisre.services.slack.call("auth.test", { _team: OTHER })).toMatchObject({ ok: false, error: { code: "not_installed" } });
    const main = await t.aisre.services.slack.call("auth.test", {});
    expect(main.ok && main.data.team_id).toBe("T0SANDBOX1");
  }, 60_000);
});
