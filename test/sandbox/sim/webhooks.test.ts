import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningSim, startReceiver, startSim } from "./harness.ts";

let env: RunningSim | undefined;
let receivers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await env?.close();
  for (const r of receivers) await r.close();
  env = undefined;
  receivers = [];
});

function keysDeep(o: unknown, prefix = ""): string[] {
  if (!o || typeof o !== "object" || Array.isArray(o)) return [];
  return Object.entries(o).flatMap(([k, v]) => [`${prefix}${k}`, ...keysDeep(v, `${prefix}${k}.`)]);
}

describe("webhook deliveries", () => {
  it("sends GitHub deployment_status (in_progress then success) signed with X-Hub-Signature-256", async () => {
    const gh = await startReceiver();
    receivers.push(gh);
    env = await startSim({ githubWebhookUrl: `${gh.url}/webhooks/github`, githubSecret: "s3cret" });
    await env.sim.start("bad-deploy");
    env.sim.tick(3 * 60_000);
    await env.sim.flush();
    expect(gh.received).toHaveLength(2);
    const [first, second] = gh.received.map((c) => ({ c, body: JSON.parse(c.body) }));
    expect(first!.c.headers["x-github-event"]).toBe("deployment_status");
    expect(first!.c.headers["x-hub-signature-256"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(first!.c.body).digest("hex")}`);
    expect(first!.body.deployment_status.state).toBe("in_progress");
    expect(second!.body.deployment_status.state).toBe("success");
    expect(second!.body.deployment).toMatchObject({ ref: "v2.3.0", environment: "production", payload: { service: "inventory", version: "2.3.0" } });
    expect(second!.body.repository.full_name).toBe("acme-shop/inventory");
    // Same shape as the real GitHub payload in the shared fixtures.
    const fixturePath = join(import.meta.dirname, "../../../../shared/fixtures/github/deployment_status.json");
    let fixture: unknown;
    try {
      fixture = JSON.parse(readFileSync(fixturePath, "utf8"));
    } catch {
      return;
    }
    const ours = new Set(keysDeep(second!.body));
    const required = keysDeep(fixture).filter((k) => /^(action|deployment_status\.(state|id|environment|creator\.login|created_at)|deployment\.(id|sha|ref|environment|task|creator\.login)|repository\.(full_name|name|owner\.login)|sender\.login)$/.test(k));
    for (const k of required) expect(ours.has(k), k).toBe(true);
  });

  it("crashloop deploys end in a failure deployment_status after the progress deadline", async () => {
    const gh = await startReceiver();
    receivers.push(gh);
    env = await startSim({ githubWebhookUrl: `${gh.url}/gh` });
    await env.sim.start("crashloop-config");
    env.sim.tick(12 * 60_000);
    await env.sim.flush();
    expect(gh.received.map((c) => JSON.parse(c.body).deployment_status.state)).toEqual(["in_progress", "failure"]);
    expect(gh.received[0]!.headers["x-hub-signature-256"]).toBeUndefined();
  });

  it("retries failed alert deliveries until they succeed, in order", async () => {
    const am = await startReceiver({ failFirst: 3 });
    receivers.push(am);
    env = await startSim({ alertWebhookUrl: `${am.url}/webhooks/alertmanager` });
    await env.sim.start("bad-deploy");
    env.sim.tick(12 * 60_000);
    await env.sim.flush();
    expect(am.attempts).toBe(am.received.length + 3);
    expect(am.received.length).toBe(env.sim.notifications().length);
    expect(am.received.map((c) => c.body)).toEqual(env.sim.notifications().map((n) => JSON.stringify(n)));
  });

  it("groups alerts of one alertname and service and repeats an unchanged group after repeat_interval", async () => {
    env = await startSim({ alertmanager: { repeatIntervalMs: 20 * 60_000 } });
    await env.sim.start("crashloop-config");
    env.sim.tick(45 * 60_000);
    const crash = env.sim.notifications().filter((n) => n.groupLabels.alertname === "KubePodCrashLooping");
    expect(crash.length).toBeGreaterThanOrEqual(2);
    expect(crash[0]!.alerts.length).toBe(2);
    expect(crash[0]!.commonLabels).toMatchObject({ alertname: "KubePodCrashLooping", service: "cart", severity: "warning" });
    expect(crash[0]!.alerts[0]!.labels.pod).not.toBe(crash[0]!.alerts[1]!.labels.pod);
    expect(crash[1]!.alerts.map((a) => a.fingerprint)).toEqual(crash[0]!.alerts.map((a) => a.fingerprint));
  });
});
