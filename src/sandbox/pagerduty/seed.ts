import { createHash } from "node:crypto";
import { PAGERDUTY_SANDBOX } from "../../integrations/pagerduty/sandbox-account.ts";
import type { PdEscalationPolicy, PdSchedule, PdService, PdUser } from "./model.ts";
import { SANDBOX_PEOPLE } from "./people.ts";

/**
 * The sandbox PagerDuty account: one service per service of the simulated shop, the people of the
 * sandbox plus aisre's own user, one escalation policy (primary on-call schedule, then the incident
 * commander) and a weekly rotation that starts with Alice when the sandbox starts.
 */

export const SHOP_SERVICES = ["frontend", "checkout", "payments", "inventory", "cart", "orders-db", "order-processor", "cache", "queue", "reporting", "payment-provider"];

/** Events for a component the routing key cannot place land here. */
export const DEFAULT_SERVICE_NAME = "shop";

export const ESCALATION_POLICY_ID = "PSHOPEP";
export const PRIMARY_SCHEDULE_ID = "PSHOPPR";
export const TEAM = { id: "PTEAMSR", name: "Site Reliability" };

const pdId = (seed: string) =>
  `P${createHash("sha1")
    .update(seed)
    .digest("hex")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .slice(0, 6)}`;

export function seedUsers(): PdUser[] {
  const byHandle = (h: string) => SANDBOX_PEOPLE.find((p) => p.handle === h)!;
  const person = (h: string, id: string, role: string): PdUser => {
    const p = byHandle(h);
    return { id, name: p.name, email: p.email, role, jobTitle: p.role, slackUserId: p.slackUserId };
  };
  return [person("alice", "PALICE1", "user"), person("bob", "PBOB001", "limited_user"), person("carol", "PCAROL1", "admin"), { id: "PAISRE1", name: "aisre", email: PAGERDUTY_SANDBOX.fromEmail, role: "user", jobTitle: "AI SRE bot" }];
}

export function seedServices(): PdService[] {
  return [...SHOP_SERVICES, DEFAULT_SERVICE_NAME].map((name) => ({
    id: pdId(`service:${name}`),
    name,
    description: name === DEFAULT_SERVICE_NAME ? "Everything in the shop that no other service claims" : `The ${name} service of the shop`,
    escalationPolicyId: ESCALATION_POLICY_ID,
    integrationKey: createHash("md5").update(`integration:${name}`).digest("hex"),
    integrationId: pdId(`integration:${name}`),
  }));
}

export function seedSchedules(startedAt: number): PdSchedule[] {
  return [{ id: PRIMARY_SCHEDULE_ID, name: "Shop primary on-call", timeZone: "UTC", layer: { userIds: ["PALICE1", "PBOB001"], rotationStart: startedAt, rotationMs: 7 * 86_400_000 } }];
}

export function seedEscalationPolicies(): PdEscalationPolicy[] {
  return [
    {
      id: ESCALATION_POLICY_ID,
      name: "Shop on-call",
      description: "Primary on-call first, then the incident commander",
      numLoops: 0,
      rules: [
        { id: "PRULE01", delayMinutes: 30, targets: [{ type: "schedule_reference", id: PRIMARY_SCHEDULE_ID }] },
        { id: "PRULE02", delayMinutes: 30, targets: [{ type: "user_reference", id: "PCAROL1" }] },
      ],
    },
  ];
}
