-- Slack events handled, by event_id: Slack retries an event it thinks was not acknowledged and may
-- deliver it to any replica; the first replica to insert the id handles it, the others skip it.
CREATE TABLE slack_events (
  event_id     TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX slack_events_received ON slack_events (received_at);
