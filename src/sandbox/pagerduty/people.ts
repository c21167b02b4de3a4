/**
 * The people of the sandbox, the same in the Slack workspace, Jira and PagerDuty: the product maps
 * a Jira account or a PagerDuty user to a Slack user by email, as it would in a real company.
 */
export interface SandboxPerson {
  /** Short handle used by the sandbox-only act routes ("alice"). */
  handle: string;
  slackUserId: string;
  name: string;
  email: string;
  role: string;
}

export const SANDBOX_PEOPLE: readonly SandboxPerson[] = [
  { handle: "alice", slackUserId: "U_ALICE", name: "Alice Chen", email: "alice@example.com", role: "On-call engineer" },
  { handle: "bob", slackUserId: "U_BOB", name: "Bob Martin", email: "bob@example.com", role: "Developer" },
  { handle: "carol", slackUserId: "U_CAROL", name: "Carol Diaz", email: "carol@example.com", role: "Incident commander" },
];

/** Finds a person by handle, Slack user id or email (case-insensitive). */
export function findSandboxPerson(who: string): SandboxPerson | undefined {
  const w = who.trim().toLowerCase();
  return SANDBOX_PEOPLE.find((p) => p.handle === w || p.slackUserId.toLowerCase() === w || p.email === w);
}
