import { createHmac } from "node:crypto";
import type { RolloutInfo } from "../world/rollout.ts";

const ORG = "acme-shop";

function user(login: string, id: number): Record<string, unknown> {
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString("base64"),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: login.endsWith("[bot]") ? "Bot" : "User",
    site_admin: false,
  };
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** A GitHub `deployment_status` webhook body (same shape as GitHub sends; see shared fixtures). */
export function deploymentStatusPayload(r: RolloutInfo, state: "in_progress" | "success" | "failure", now: number, logUrl: string): Record<string, unknown> {
  const d = r.deploy!;
  const repo = `${ORG}/${r.deployment}`;
  const repoId = 186_000_000 + (Math.abs([...r.deployment].reduce((a, c) => a * 31 + c.charCodeAt(0), 7)) % 900_000);
  const creator = user(d.creator, 21_031_067);
  const statusId = d.id * 10 + (state === "in_progress" ? 1 : 2);
  const deployment = {
    url: `https://api.github.com/repos/${repo}/deployments/${d.id}`,
    id: d.id,
    node_id: Buffer.from(`010:Deployment${d.id}`).toString("base64"),
    sha: d.sha,
    ref: `v${r.version}`,
    task: "deploy",
    payload: { service: r.deployment, version: r.version, namespace: "shop", revision: r.revision },
    original_environment: "production",
    environment: "production",
    description: d.description,
    creator,
    created_at: iso(r.startedAt),
    updated_at: iso(now),
    statuses_url: `https://api.github.com/repos/${repo}/deployments/${d.id}/statuses`,
    repository_url: `https://api.github.com/repos/${repo}`,
    performed_via_github_app: null,
  };
  return {
    action: "created",
    deployment_status: {
      url: `https://api.github.com/repos/${repo}/deployments/${d.id}/statuses/${statusId}`,
      id: statusId,
      node_id: Buffer.from(`016:DeploymentStatus${statusId}`).toString("base64"),
      state,
      creator,
      description: state === "in_progress" ? `Rolling out ${r.deployment} ${r.version}` : state === "success" ? `${r.deployment} ${r.version} is live` : `Rollout of ${r.deployment} ${r.version} did not complete (ProgressDeadlineExceeded)`,
      environment: "production",
      target_url: logUrl,
      log_url: logUrl,
      environment_url: "https://shop.acme-shop.io",
      created_at: iso(now),
      updated_at: iso(now),
      deployment_url: deployment.url,
      repository_url: `https://api.github.com/repos/${repo}`,
      performed_via_github_app: null,
    },
    deployment,
    repository: {
      id: repoId,
      node_id: Buffer.from(`010:Repository${repoId}`).toString("base64"),
      name: r.deployment,
      full_name: repo,
      private: true,
      owner: { ...user(ORG, 9_919_001), type: "Organization" },
      html_url: `https://github.com/${repo}`,
      description: `${r.deployment} service`,
      fork: false,
      url: `https://api.github.com/repos/${repo}`,
      deployments_url: `https://api.github.com/repos/${repo}/deployments`,
      created_at: "2021-03-02T10:11:12Z",
      updated_at: iso(now),
      pushed_at: iso(r.startedAt),
      default_branch: "main",
      visibility: "private",
    },
    organization: { login: ORG, id: 9_919_001, url: `https://api.github.com/orgs/${ORG}` },
    sender: creator,
  };
}

/** Headers GitHub sends with a webhook, signed when a secret is configured. */
export function githubHeaders(event: string, deliveryId: string, body: string, secret: string | undefined): Record<string, string> {
  const h: Record<string, string> = {
    "user-agent": "GitHub-Hookshot/7b1e2d4",
    "x-github-event": event,
    "x-github-delivery": deliveryId,
    "x-github-hook-id": "482911734",
    "x-github-hook-installation-target-type": "organization",
    "x-github-hook-installation-target-id": "9919001",
  };
  if (secret) {
    h["x-hub-signature-256"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    h["x-hub-signature"] = `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`;
  }
  return h;
}
