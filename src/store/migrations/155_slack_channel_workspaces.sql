-- Which Slack workspace (team, and its Enterprise Grid organization) a channel belongs to (issue 21):
-- with OAuth installs in several workspaces, a post to a channel goes out with that workspace's
-- token. Learnt when a workspace-qualified channel (`T…/#incidents`) is resolved and from the
-- requests Slack sends. Channel ids are unique across Slack.
CREATE TABLE slack_channel_workspaces (
  channel_id    TEXT PRIMARY KEY,
  team_id       TEXT NOT NULL,
  enterprise_id TEXT,
  updated_at    TIMESTAMPTZ NOT NULL
);
