-- Incidents and what happened in them.
CREATE TABLE incidents (
  id            TEXT PRIMARY KEY,
  title         TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  severity      TEXT NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
  origin        TEXT NOT NULL DEFAULT 'alert',
  services      JSONB NOT NULL DEFAULT '[]',
  channel       TEXT,
  acknowledged_by TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  resolved_at   TIMESTAMPTZ
);
CREATE INDEX incidents_open ON incidents (status) WHERE status <> 'resolved';

CREATE TABLE alerts (
  fingerprint   TEXT PRIMARY KEY,
  incident_id   TEXT REFERENCES incidents (id),
  source        TEXT NOT NULL,
  name          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
  severity      TEXT NOT NULL,
  service       TEXT,
  summary       TEXT NOT NULL DEFAULT '',
  labels        JSONB NOT NULL DEFAULT '{}',
  starts_at     TIMESTAMPTZ NOT NULL,
  ends_at       TIMESTAMPTZ,
  flaps         INTEGER NOT NULL DEFAULT 0,
  join_reason   TEXT,
  last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alerts_incident ON alerts (incident_id);

CREATE TABLE change_events (
  id            TEXT PRIMARY KEY,
  source        TEXT NOT NULL,
  kind          TEXT NOT NULL,
  service       TEXT NOT NULL,
  version       TEXT,
  data          JSONB NOT NULL DEFAULT '{}',
  at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX change_events_service_at ON change_events (service, at);

CREATE TABLE timeline (
  id            BIGSERIAL PRIMARY KEY,
  incident_id   TEXT NOT NULL REFERENCES incidents (id),
  at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  kind          TEXT NOT NULL,
  actor         TEXT NOT NULL,
  text          TEXT NOT NULL,
  data          JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

-- Where each incident lives in Slack: one root message, one thread.
CREATE TABLE slack_messages (
  incident_id   TEXT NOT NULL REFERENCES incidents (id),
  purpose       TEXT NOT NULL,
  channel       TEXT NOT NULL,
  ts            TEXT NOT NULL,
  thread_ts     TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, purpose)
);
CREATE UNIQUE INDEX slack_messages_ts ON slack_messages (channel, ts);

-- Every inbound delivery, stored before it is acknowledged; the id makes redeliveries no-ops.
CREATE TABLE webhook_deliveries (
  source        TEXT NOT NULL,
  delivery_id   TEXT NOT NULL,
  received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  body          JSONB NOT NULL,
  processed_at  TIMESTAMPTZ,
  error         TEXT,
  PRIMARY KEY (source, delivery_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (received_at) WHERE processed_at IS NULL;

-- Slack calls waiting to be made; survives restarts so no post is lost.
CREATE TABLE outbox (
  id            BIGSERIAL PRIMARY KEY,
  channel       TEXT NOT NULL,
  method        TEXT NOT NULL,
  payload       JSONB NOT NULL,
  dedupe_key    TEXT UNIQUE,
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before    TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  sent_at       TIMESTAMPTZ,
  result        JSONB,
  error         TEXT
);
CREATE INDEX outbox_pending ON outbox (not_before, id) WHERE sent_at IS NULL;

-- Remediation.
CREATE TABLE actions (
  id            TEXT PRIMARY KEY,
  incident_id   TEXT REFERENCES incidents (id),
  type          TEXT NOT NULL,
  target        JSONB NOT NULL,
  params        JSONB NOT NULL DEFAULT '{}',
  state         TEXT NOT NULL,
  risk          TEXT NOT NULL,
  required_approvals INTEGER NOT NULL DEFAULT 1,
  proposed_by   TEXT NOT NULL,
  reason        TEXT NOT NULL DEFAULT '',
  result        JSONB,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX actions_incident ON actions (incident_id);

CREATE TABLE approvals (
  action_id     TEXT NOT NULL REFERENCES actions (id),
  approver      TEXT NOT NULL,
  at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (action_id, approver)
);

-- Append-only and hash-chained: each row's hash covers the previous row's hash.
CREATE TABLE audit_log (
  seq           BIGINT PRIMARY KEY,
  at            TIMESTAMPTZ NOT NULL,
  actor         TEXT NOT NULL,
  action        TEXT NOT NULL,
  incident_id   TEXT,
  target        TEXT,
  detail        JSONB NOT NULL DEFAULT '{}',
  prev_hash     TEXT NOT NULL,
  hash          TEXT NOT NULL
);

-- Links to Jira issues and PagerDuty incidents, with the field values last written by each side.
CREATE TABLE external_links (
  incident_id   TEXT NOT NULL REFERENCES incidents (id),
  system        TEXT NOT NULL,
  external_id   TEXT NOT NULL,
  url           TEXT,
  synced        JSONB NOT NULL DEFAULT '{}',
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, system)
);
CREATE UNIQUE INDEX external_links_external ON external_links (system, external_id);

-- Knowledge base: runbooks and the postmortems the product wrote (never raw Slack history).
CREATE TABLE kb_entries (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('runbook', 'postmortem', 'incident')),
  title         TEXT NOT NULL,
  body          TEXT NOT NULL,
  meta          JSONB NOT NULL DEFAULT '{}',
  content_hash  TEXT NOT NULL,
  search        TSVECTOR,
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX kb_entries_search ON kb_entries USING GIN (search);

CREATE TABLE feedback (
  id            BIGSERIAL PRIMARY KEY,
  incident_id   TEXT REFERENCES incidents (id),
  subject       TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  verdict       TEXT NOT NULL,
  comment       TEXT,
  at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Small durable switches such as the automation kill switch.
CREATE TABLE settings (
  key           TEXT PRIMARY KEY,
  value         JSONB NOT NULL,
  updated_by    TEXT,
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
