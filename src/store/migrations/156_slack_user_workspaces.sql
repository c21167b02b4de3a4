-- Which Slack workspace a person is in (issue 21): with OAuth installs in several workspaces, calls
-- about a person (their Home tab's views.publish) go out with that workspace's token. Learnt from
-- the requests Slack sends. User ids are unique across Slack.
CREATE TABLE slack_user_workspaces (
  user_id       TEXT PRIMARY KEY,
  team_id       TEXT NOT NULL,
  enterprise_id TEXT,
  updated_at    TIMESTAMPTZ NOT NULL
);
