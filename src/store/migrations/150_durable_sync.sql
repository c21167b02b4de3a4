-- Incident events as durable rows: written in the transaction that changed the incident, one row per
-- consumer (Jira sync, PagerDuty sync), handled in order per incident and consumer by whichever
-- replica holds the row's lease; a crash after the commit only delays the handling.
CREATE TABLE incident_events (
  id           BIGSERIAL PRIMARY KEY,
  incident_id  TEXT NOT NULL,
  consumer     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  payload      JSONB NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  attempts     INTEGER NOT NULL DEFAULT 0,
  not_before   TIMESTAMPTZ NOT NULL DEFAULT now(),
  lease_owner  TEXT,
  lease_until  TIMESTAMPTZ,
  done_at      TIMESTAMPTZ,
  parked_at    TIMESTAMPTZ,
  error        TEXT
);
CREATE INDEX incident_events_pending ON incident_events (incident_id, consumer, id) WHERE done_at IS NULL;

-- The Jira write outbox: per issue, the writes waiting (debounced, merged) and the batch being
-- written, leased to the replica writing it; a batch whose lease ran out is merged back and retried.
CREATE TABLE jira_writes (
  issue_key    TEXT PRIMARY KEY,
  slot         JSONB NOT NULL,
  batch        JSONB,
  due_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  lease_owner  TEXT,
  lease_until  TIMESTAMPTZ
);
CREATE INDEX jira_writes_due ON jira_writes (due_at);

-- Changes aisre just made in Jira or PagerDuty, so the webhook that comes back (to any replica) is
-- recognised as an echo: one remembered change absorbs one echo.
CREATE TABLE sync_echoes (
  id          BIGSERIAL PRIMARY KEY,
  echo_key    TEXT NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sync_echoes_key ON sync_echoes (echo_key, expires_at);

-- Verification of an executed remediation is owned by one live replica: it holds the action's lease
-- (renewed while it watches); when the lease runs out (the replica died) another takes it over.
ALTER TABLE actions ADD COLUMN lease_owner TEXT, ADD COLUMN lease_until TIMESTAMPTZ;
