-- Thread rendering as durable rows: an incident's root card and its thread digest are wanted again
-- (a counter bumped in the transaction that changed what they show) until a replica rendered them
-- up to that count. Any live replica claims a wanted render with a lease, so a replica that dies
-- between the commit and the edit leaves the render to another one, or to itself after a restart.
CREATE TABLE incident_renders (
  incident_id  TEXT NOT NULL,
  part         TEXT NOT NULL,
  wanted       BIGINT NOT NULL DEFAULT 1,
  rendered     BIGINT NOT NULL DEFAULT 0,
  rendered_at  TIMESTAMPTZ,
  not_before   TIMESTAMPTZ NOT NULL DEFAULT now(),
  lease_owner  TEXT,
  lease_until  TIMESTAMPTZ,
  PRIMARY KEY (incident_id, part)
);
CREATE INDEX incident_renders_wanted ON incident_renders (part) WHERE wanted > rendered;
