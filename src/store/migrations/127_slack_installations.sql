-- Slack installs through OAuth v2 (issue 21): one row per workspace, or per organization for an
-- org-wide (Enterprise Grid) install, holding Bolt's Installation (tokens, refresh tokens and their
-- expiry as token rotation renews them). Single-token mode (SLACK_BOT_TOKEN) does not use it.
CREATE TABLE slack_installations (
  install_key           TEXT PRIMARY KEY,
  enterprise_id         TEXT,
  team_id               TEXT,
  is_enterprise_install BOOLEAN NOT NULL,
  installation          JSONB NOT NULL,
  bot_token_expires_at  BIGINT,
  installed_at          TIMESTAMPTZ NOT NULL,
  updated_at            TIMESTAMPTZ NOT NULL
);
