import { describe, expect, it } from "vitest";
import { installKey } from "../../src/store/repos/slack-installations.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";

/** Slack installs (OAuth v2, org-wide installs, token rotation), the same on PGlite and Postgres. */
describe.each(testDatabases())("slack installations store contract on $name", ({ open }) => {
  let now = Date.parse("2026-12-05T10:00:00Z");
  const { store } = storePerBlock(open, () => now);

  it("keeps one install per workspace, a re-install (or a rotated token) replacing it", async () => {
    await store.slackInstallations.save({ teamId: "T1", isEnterpriseInstall: false }, { team: { id: "T1" }, bot: { token: "xoxe.xoxb-1", refreshToken: "xoxe-1-a", expiresAt: 1000 } }, 1000);
    now += 60_000;
    await store.slackInstallations.save({ teamId: "T1", isEnterpriseInstall: false }, { team: { id: "T1" }, bot: { token: "xoxe.xoxb-2", refreshToken: "xoxe-1-b", expiresAt: 2000 } }, 2000);
    await store.slackInstallations.save({ teamId: "T2", isEnterpriseInstall: false }, { team: { id: "T2" }, bot: { token: "xoxb-t2" } });
    const t1 = await store.slackInstallations.find<{ bot: { token: string } }>({ teamId: "T1", isEnterpriseInstall: false });
    expect(t1?.installation.bot.token).toBe("xoxe.xoxb-2");
    expect(t1?.botTokenExpiresAt).toBe(2000);
    expect(t1?.updatedAt).toBe(new Date(now).toISOString());
    expect(t1?.installedAt).toBe(new Date(now - 60_000).toISOString());
    expect((await store.slackInstallations.find({ teamId: "T2", isEnterpriseInstall: false }))?.botTokenExpiresAt).toBeUndefined();
    expect(await store.slackInstallations.count()).toBe(2);
    expect(await store.slackInstallations.find({ teamId: "T3", isEnterpriseInstall: false })).toBeUndefined();
  });

  it("finds an org-wide install for any of the organization's workspaces, a workspace's own install first", async () => {
    await store.slackInstallations.save({ enterpriseId: "E1", isEnterpriseInstall: true }, { enterprise: { id: "E1" }, bot: { token: "xoxb-org" } });
    const anyTeam = await store.slackInstallations.find<{ bot: { token: string } }>({ enterpriseId: "E1", teamId: "T9", isEnterpriseInstall: false });
    expect(anyTeam?.installation.bot.token).toBe("xoxb-org");
    expect(anyTeam?.key).toEqual({ enterpriseId: "E1", isEnterpriseInstall: true });
    await store.slackInstallations.save({ enterpriseId: "E1", teamId: "T9", isEnterpriseInstall: false }, { bot: { token: "xoxb-t9" } });
    expect((await store.slackInstallations.find<{ bot: { token: string } }>({ enterpriseId: "E1", teamId: "T9", isEnterpriseInstall: false }))?.installation.bot.token).toBe("xoxb-t9");
    expect((await store.slackInstallations.find<{ bot: { token: string } }>({ enterpriseId: "E1", isEnterpriseInstall: true }))?.installation.bot.token).toBe("xoxb-org");
  });

  it("deletes an install (uninstall), and refuses a key without the id it needs", async () => {
    expect(await store.slackInstallations.delete({ teamId: "T2", isEnterpriseInstall: false })).toBe(true);
    expect(await store.slackInstallations.delete({ teamId: "T2", isEnterpriseInstall: false })).toBe(false);
    expect(() => installKey({ isEnterpriseInstall: true })).toThrow(/enterprise id/);
    expect(() => installKey({ isEnterpriseInstall: false })).toThrow(/team id/);
  });

  it("remembers which workspace each channel and each person is in, the last one seen winning, channels and people apart", async () => {
    await store.slackChannelWorkspaces.put("C1", { teamId: "T1" });
    await store.slackChannelWorkspaces.put("C1", { teamId: "T9", enterpriseId: "E1" });
    await store.slackUserWorkspaces.put("U1", { teamId: "T2" });
    expect(await store.slackChannelWorkspaces.get("C1")).toEqual({ teamId: "T9", enterpriseId: "E1" });
    expect(await store.slackUserWorkspaces.get("U1")).toEqual({ teamId: "T2" });
    expect(await store.slackUserWorkspaces.get("C1")).toBeUndefined();
    expect(await store.slackChannelWorkspaces.get("U1")).toBeUndefined();
  });
});
