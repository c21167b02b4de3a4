import type { SandboxUser } from "./types.ts";

/** The sandbox team and app identity, as auth.test and event envelopes report them. */
export const TEAM = { id: "T0SANDBOX1", domain: "aisre-sandbox", name: "aisre sandbox" } as const;
/**
 * A second workspace of the sandbox's organization (E0SANDBOX1), for installs in several
 * workspaces: the app can be installed there (`/oauth/v2/authorize?team=T0OTHER01`) and what it posts
 * with that install's token carries `team: "T0OTHER01"`. It shares the sandbox's people; `#payments-ops`
 * is its channel (events, commands and clicks there carry `T0OTHER01`), the others are T0SANDBOX1's.
 */
export const OTHER_TEAM = { id: "T0OTHER01", domain: "aisre-payments", name: "aisre payments" } as const;
export const SANDBOX_TEAMS = [TEAM, OTHER_TEAM] as const;
export const APP_ID = "A0AISRE001";
export const DEFAULT_BOT_USER_ID = "U0AISREBOT";
export const DEFAULT_BOT_ID = "B0AISREBOT";

/** The people who exist from the start (BRIEF contract). */
export const PEOPLE: SandboxUser[] = [
  { id: "U_ALICE", name: "alice", realName: "Alice Chen", title: "On-call engineer", email: "alice@example.com", isBot: false, isAdmin: false, tz: "Europe/London", color: "9f69e7" },
  { id: "U_BOB", name: "bob", realName: "Bob Martin", title: "Developer", email: "bob@example.com", isBot: false, isAdmin: false, tz: "America/New_York", color: "4bbe2e" },
  { id: "U_CAROL", name: "carol", realName: "Carol Diaz", title: "Incident commander", email: "carol@example.com", isBot: false, isAdmin: true, tz: "Europe/Berlin", color: "e7392d" },
];

export const SLACKBOT: SandboxUser = { id: "USLACKBOT", name: "slackbot", realName: "Slackbot", title: "", email: "", isBot: true, isAdmin: false, tz: "America/Los_Angeles", color: "757575" };

/** The channels that exist from the start; `#payments-ops` belongs to the organization's second workspace (T0OTHER01). */
export const DEFAULT_CHANNELS: ReadonlyArray<{ name: string; purpose: string; team?: string }> = [
  { name: "incidents", purpose: "Production incidents: one thread per incident" },
  { name: "sre", purpose: "SRE team chat" },
  { name: "payments-ops", purpose: "Payments team operations (workspace aisre payments, T0OTHER01)", team: OTHER_TEAM.id },
];

export const DEFAULT_USERGROUPS = [{ id: "S0SREAPPRV", handle: "sre-approvers", name: "SRE approvers", description: "May approve risky remediations", users: ["U_ALICE", "U_CAROL"] }] as const;
