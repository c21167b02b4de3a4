import type { SlackPort } from "../integrations/slack/slack-port.ts";
import { TEAM_KEY } from "../integrations/slack/workspace-ref.ts";
import { inlineCode, mentionGroup, mentionUser } from "../text/slack-markup.ts";

/**
 * Who may approve, resolved when someone clicks (not when the button was posted): group membership
 * can change in between. Entries are user ids (U…/W…), user group ids (S…) or handles (@name).
 */
export interface ApproverCheck {
  allowed: boolean;
  /** The people the entries stand for now (for the refusal message). */
  members: string[];
  /** Groups that could not be read (missing scope, deleted group…). */
  problems: string[];
}

async function groupMembers(slack: SlackPort, entry: string, teamId?: string): Promise<{ users: string[]; problem?: string }> {
  const team = teamId ? { [TEAM_KEY]: teamId } : {};
  let id = entry;
  if (entry.startsWith("@")) {
    const handle = entry.slice(1).toLowerCase();
    const list = await slack.call("usergroups.list", { include_users: true, ...team });
    if (!list.ok) return { users: [], problem: `${entry}: usergroups.list failed (${list.error.code})` };
    const groups = (list.data.usergroups as Array<{ id: string; handle: string; users?: string[] }> | undefined) ?? [];
    const g = groups.find((x) => x.handle?.toLowerCase() === handle);
    if (!g) return { users: [], problem: `${entry}: no such user group` };
    if (g.users) return { users: g.users };
    id = g.id;
  }
  const r = await slack.call("usergroups.users.list", { usergroup: id, ...team });
  if (!r.ok) return { users: [], problem: `${entry}: usergroups.users.list failed (${r.error.code})` };
  return { users: (r.data.users as string[] | undefined) ?? [] };
}

/** `teamId`: the workspace whose groups the entries name (several OAuth installs); default the default one. */
export async function checkApprover(slack: SlackPort, entries: string[], user: string, teamId?: string): Promise<ApproverCheck> {
  const members = new Set<string>();
  const problems: string[] = [];
  for (const e of entries) {
    if (/^[UW]/.test(e)) {
      members.add(e);
      continue;
    }
    const g = await groupMembers(slack, e, teamId);
    for (const u of g.users) members.add(u);
    if (g.problem) problems.push(g.problem);
  }
  return { allowed: members.has(user), members: [...members], problems };
}

/** `@sre-approvers`, `<@U123>`: how the entries read in a message. */
export const approversText = (entries: string[]): string => entries.map((e) => (e.startsWith("@") ? inlineCode(e) : /^[UW]/.test(e) ? mentionUser(e) : mentionGroup(e))).join(", ");
