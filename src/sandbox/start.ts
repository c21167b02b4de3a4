import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { SandboxPart, ScenarioControl } from "./part.ts";
import { pagerDutyWebhookSecrets } from "../integrations/pagerduty/config.ts";
import { createJiraSandbox } from "./jira/jira-sandbox.ts";
import { createPagerDutySandbox } from "./pagerduty/pagerduty-sandbox.ts";
import { freePort } from "../http/free-port.ts";
import { createGateway } from "./gateway.ts";
import { startSandbox } from "./server.ts";
import { topologyViewPart } from "./topology-view.ts";
import { persistWorkspace } from "./slack/persist.ts";
import { persistSnapshots, type SnapshotFile } from "./persist-file.ts";
import { createSimulatedSystem, type SimulatedSystem } from "./sim/system.ts";
import type { SocketModeHub } from "./slack/socket-mode.ts";
import type { OAuthApp } from "./slack/oauth.ts";
import type { SlackWorkspace } from "./slack/workspace.ts";
import { github } from "../ingest/sources/github.ts";

/** The sandbox app's OAuth client id and secret: the data folder's, else new ones. */
function sandboxOAuthClient(file: string): { clientId: string; clientSecret: string } {
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { clientId?: unknown; clientSecret?: unknown };
    if (typeof saved.clientId === "string" && typeof saved.clientSecret === "string") return { clientId: saved.clientId, clientSecret: saved.clientSecret };
  } catch {
    // none yet, or unreadable: new ones
  }
  return { clientId: `${randomInt(1e9, 9e9)}.${randomInt(1e9, 9e9)}`, clientSecret: randomBytes(16).toString("hex") };
}

export interface LocalSandbox {
  url: string;
  /** The bot token the sandbox workspace accepts (the bot's own token in sandbox mode). */
  botToken: string;
  workspace: SlackWorkspace;
  /** Socket Mode's connections and envelopes, when the app uses Socket Mode. */
  socketMode?: SocketModeHub;
  /** The app's OAuth client (its Basic Information), when it installs through OAuth. */
  oauthClient?: { clientId: string; clientSecret: string };
  parts: SandboxPart[];
  scenarios?: ScenarioControl;
  /** The simulated production system, when any of Kubernetes / Prometheus / CloudWatch is sandboxed. */
  sim?: SimulatedSystem;
  close(): Promise<void>;
}

/**
 * Starts the local sandbox on SANDBOX_PORT: the Slack workspace (when Slack is not configured) and
 * the simulated system, Jira and PagerDuty (each only when its real counterpart is not configured).
 */
export async function startLocalSandbox(options: {
  config: Config;
  botUrl?: string;
  signingSecret: string;
  botToken: string;
  appToken?: string;
  logger: Logger;
  shared?: boolean;
  /** OAuth installs: the app's Redirect URLs and install link; its client id and secret are the sandbox's (kept in the data folder). */
  oauth?: Pick<OAuthApp, "redirectUrls" | "installUrl">;
}): Promise<LocalSandbox> {
  const { config, logger } = options;
  const parts: SandboxPart[] = [];
  // The simulation writes its URL into a kubeconfig and alert links, so the port is chosen first.
  const port = config.sandboxPort === 0 ? await freePort(config.host === "0.0.0.0" ? "127.0.0.1" : config.host) : config.sandboxPort;
  const publicUrl = `http://127.0.0.1:${port}`;
  // Shared by several replicas (`npx aisre sandbox`): everything for the app goes through the gateway.
  const gateway = options.shared ? createGateway({ info: () => ({ botToken: options.botToken, signingSecret: options.signingSecret, kubeconfigPath: sim?.kubeconfigPath, simSpeed: config.env.SIM_SPEED }), now: () => sim?.now() ?? Date.now(), logger: logger.child({ part: "gateway" }) }) : undefined;
  const botUrl = gateway ? `${publicUrl}${gateway.prefix}` : options.botUrl;
  if (!botUrl) throw new Error("startLocalSandbox: botUrl is required unless the sandbox is shared");
  if (gateway) parts.push(gateway);
  let sim: SimulatedSystem | undefined;
  if ([config.kubernetes, config.prometheus, config.cloudwatch].some((p) => p.mode === "sandbox")) {
    sim = createSimulatedSystem({
      speed: config.env.SIM_SPEED,
      seed: config.env.SIM_SEED,
      startTime: config.env.SIM_START,
      dataDir: join(config.dataDir, "sandbox"),
      publicUrl,
      alertWebhookUrl: config.env.SIM_ALERT_DELIVERY === false ? undefined : `${botUrl}/webhooks/alertmanager`,
      githubWebhookUrl: `${botUrl}/webhooks/github`,
      githubSecret: config.webhookSecrets[github.secrets.githubSecret.env],
      logger,
      // The world, its scenario and clock continue after a restart of the sandbox.
      persist: true,
    });
    parts.push(sim);
  }
  parts.push(topologyViewPart({ botUrl, apiToken: config.env.AISRE_API_TOKEN }));
  const scenarios: ScenarioControl | undefined = sim;
  // The sandbox's own URL is known once it listens (SANDBOX_PORT may be 0): links in Jira and
  // PagerDuty bodies (`self`, `html_url`, browse pages) use it from then on. Webhooks are signed
  // with the secrets the bot verifies (PAGERDUTY_WEBHOOK_SECRET / JIRA_WEBHOOK_SECRET when set).
  let sandboxUrl: string | undefined;
  const site = (prefix: string) => () => (sandboxUrl ? `${sandboxUrl}${prefix}` : undefined);
  // Jira's tickets and PagerDuty's incidents outlive restarts too (what the bot linked stays there).
  const files: SnapshotFile[] = [];
  const keep = (what: string, name: string, store: { snapshot(): string; restore(json: string): void }) => files.push(persistSnapshots({ file: join(config.dataDir, "sandbox", name), what, snapshot: () => store.snapshot(), restore: (j) => store.restore(j), logger }));
  if (config.jira.mode === "sandbox") {
    const jira = createJiraSandbox({ webhookUrl: `${botUrl}/webhooks/jira`, webhookSecret: config.jira.webhookSecret, siteUrl: site("/jira"), logger: logger.child({ part: "jira" }) });
    keep("Jira", "jira.json", jira.store);
    parts.push(jira);
  }
  if (config.pagerduty.mode === "sandbox") {
    const pd = createPagerDutySandbox({ webhookUrl: `${botUrl}/webhooks/pagerduty`, webhookSecret: pagerDutyWebhookSecrets(config.pagerduty), siteUrl: site("/pagerduty"), logger: logger.child({ part: "pagerduty" }) });
    keep("PagerDuty", "pagerduty.json", pd.store);
    parts.push(pd);
  }
  // The app's OAuth client and the tokens issued outlive restarts (the bot keeps its installs in its database).
  const oauthFile = join(config.dataDir, "sandbox", "slack-oauth.json");
  const oauthApp = options.oauth ? { ...sandboxOAuthClient(oauthFile), tokenRotation: true, ...options.oauth } : undefined;
  const running = await startSandbox({
    port,
    host: config.host,
    signingSecret: options.signingSecret,
    botToken: options.botToken,
    eventsUrl: `${botUrl}/slack/events`,
    // aisre's incident links are on its public URL's host: the domain registered for unfurls.
    unfurlDomains: [new URL(config.env.PUBLIC_URL ?? botUrl).hostname],
    ...(options.appToken ? { appToken: options.appToken } : {}),
    ...(oauthApp ? { oauth: oauthApp } : {}),
    timeFactor: config.env.SIM_SPEED,
    parts,
    scenarios,
    logger,
  });
  sandboxUrl = running.url;
  // The workspace outlives restarts: messages posted before are still there to edit and read.
  const workspaceFile = persistWorkspace(running.workspace, join(config.dataDir, "sandbox", "slack-workspace.json"), logger);
  // Faults switched on (`/sandbox/faults`) go on until their end across a restart.
  keep("fault switch", "faults.json", running.faults);
  const grants = running.slack.core.oauth;
  if (oauthApp && grants) files.push(persistSnapshots({ file: oauthFile, what: "Slack OAuth installs", snapshot: () => JSON.stringify({ clientId: oauthApp.clientId, clientSecret: oauthApp.clientSecret, ...grants.snapshot() }), restore: (j) => grants.restore(JSON.parse(j) as object), logger }));
  for (const p of parts) await p.start?.();
  logger.debug({ dataDir: join(config.dataDir, "sandbox") }, "sandbox started");
  return {
    url: running.url,
    botToken: options.botToken,
    workspace: running.workspace,
    ...(running.slack.core.socketMode ? { socketMode: running.slack.core.socketMode } : {}),
    ...(oauthApp ? { oauthClient: { clientId: oauthApp.clientId, clientSecret: oauthApp.clientSecret } } : {}),
    parts,
    scenarios,
    sim,
    async close() {
      for (const p of parts) await p.stop?.();
      workspaceFile.close();
      for (const f of files) f.close();
      await running.close();
    },
  };
}
