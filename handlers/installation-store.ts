import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import type { InstallationKey, SlackInstallationRepo } from "../src/store/repos/slack-installations.ts";

function keyOf(q: { enterpriseId?: string | undefined; teamId?: string | undefined; isEnterpriseInstall?: boolean | undefined }): InstallationKey {
  return { ...(q.enterpriseId ? { enterpriseId: q.enterpriseId } : {}), ...(q.teamId ? { teamId: q.teamId } : {}), isEnterpriseInstall: q.isEnterpriseInstall === true };
}

/**
 * Bolt's InstallationStore over the product's store: installs from the OAuth v2 flow (several
 * workspaces, org-wide installs), and the rotated tokens Bolt's InstallProvider saves back when it
 * refreshes one (`oauth.v2.access` with `grant_type=refresh_token`).
 */
export function storeInstallationStore(repo: SlackInstallationRepo): InstallationStore {
  return {
    async storeInstallation(installation: Installation) {
      await repo.save(keyOf({ enterpriseId: installation.enterprise?.id, teamId: installation.team?.id, isEnterpriseInstall: installation.isEnterpriseInstall }), installation, installation.bot?.expiresAt);
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const found = await repo.find<Installation>(keyOf(query));
      if (!found) throw new Error(`no Slack installation for ${query.isEnterpriseInstall ? `enterprise ${query.enterpriseId}` : `team ${query.teamId}`}`);
      return found.installation;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await repo.delete(keyOf(query));
    },
  };
}
