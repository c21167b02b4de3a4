import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import type { PdjsAdapterOptions } from "./pdjs-adapter.ts";
import type { PagerDutyPort } from "./port.ts";
import { PAGERDUTY_SANDBOX } from "./sandbox-account.ts";

/**
 * Adapter options from configuration: real PagerDuty with PAGERDUTY_API_TOKEN, PAGERDUTY_ROUTING_KEY
 * and PAGERDUTY_FROM_EMAIL (PAGERDUTY_API_URL for another region); otherwise the local sandbox at
 * `<sandboxUrl>/pagerduty` with its seeded token, routing key and user.
 */
export function pagerDutyAdapterOptions(pd: Config["pagerduty"], sandboxUrl: string): PdjsAdapterOptions {
  if (pd.mode === "real") {
    const apiUrl = pd.apiUrl ?? "https://api.pagerduty.com";
    // The EU region's Events API lives beside its REST API (api.eu… → events.eu…).
    const eventsUrl = /^https:\/\/api\.([a-z0-9.-]+)\/?$/.test(apiUrl) ? apiUrl.replace("://api.", "://events.").replace(/\/+$/, "") : "https://events.pagerduty.com";
    return { apiUrl, eventsUrl, apiToken: pd.apiToken ?? "", routingKey: pd.routingKey ?? "", fromEmail: pd.fromEmail ?? "" };
  }
  const base = `${sandboxUrl.replace(/\/+$/, "")}/pagerduty`;
  return { apiUrl: base, eventsUrl: base, apiToken: PAGERDUTY_SANDBOX.apiToken, routingKey: PAGERDUTY_SANDBOX.routingKey, fromEmail: PAGERDUTY_SANDBOX.fromEmail, retryTimeoutMs: 1_000 };
}

/** The secrets webhooks may be signed with: PAGERDUTY_WEBHOOK_SECRET (comma-separated during a rotation), or the sandbox's. */
export function pagerDutyWebhookSecrets(pd: Config["pagerduty"]): string[] {
  if (pd.webhookSecret)
    return pd.webhookSecret
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return pd.mode === "sandbox" ? [PAGERDUTY_SANDBOX.webhookSecret] : [];
}

/**
 * The PagerDutyPort over `@pagerduty/pdjs`, loaded at its first call: the client and its HTTP stack
 * (cross-fetch, node-fetch, whatwg-url) cost ~30 ms of CPU and their source's memory to import, and
 * the product is ready (webhooks stored) before anything pages or asks who is on call.
 */
export function createPagerDutyPort(config: Config, sandboxUrl: string, logger: Logger): PagerDutyPort {
  const options = { ...pagerDutyAdapterOptions(config.pagerduty, sandboxUrl), logger: logger.child({ integration: "pagerduty" }) };
  let port: Promise<PagerDutyPort> | undefined;
  const pd = () => (port ??= import("./pdjs-adapter.ts").then((m) => m.createPdjsAdapter(options)));
  return {
    trigger: async (...a) => (await pd()).trigger(...a),
    acknowledge: async (...a) => (await pd()).acknowledge(...a),
    resolve: async (...a) => (await pd()).resolve(...a),
    findByDedupKey: async (...a) => (await pd()).findByDedupKey(...a),
    getIncident: async (...a) => (await pd()).getIncident(...a),
    listOncalls: async (...a) => (await pd()).listOncalls(...a),
    addNote: async (...a) => (await pd()).addNote(...a),
    listNotes: async (...a) => (await pd()).listNotes(...a),
    escalate: async (...a) => (await pd()).escalate(...a),
    retitle: async (...a) => (await pd()).retitle(...a),
    reassign: async (...a) => (await pd()).reassign(...a),
    getUser: async (...a) => (await pd()).getUser(...a),
    whoAmI: async (...a) => (await pd()).whoAmI(...a),
  };
}
