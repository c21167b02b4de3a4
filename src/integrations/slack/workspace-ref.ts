/**
 * A channel reference that names its workspace: `T0123ABCD/#incidents` or `T0123ABCD/C0456` (the
 * team id, a slash, then the channel as usual). Plain `#incidents` / `C0456` belong to the default
 * workspace (pure).
 */
export function parseChannelRef(ref: string): { teamId?: string; channel: string } {
  const m = /^(T[A-Z0-9]{2,})\/(.+)$/.exec(ref);
  return m?.[1] && m[2] ? { teamId: m[1], channel: m[2] } : { channel: ref };
}

export function channelRef(teamId: string | undefined, channel: string): string {
  return teamId ? `${teamId}/${channel}` : channel;
}

/** A payload key (never sent to Slack) naming the workspace a call is for, when its channel does not say. */
export const TEAM_KEY = "_team";

export function withoutTeamKey(payload: Record<string, unknown>): Record<string, unknown> {
  if (!(TEAM_KEY in payload)) return payload;
  const { [TEAM_KEY]: _drop, ...rest } = payload;
  return rest;
}
