-- The thread digest folded as the timeline grows, not read from the whole timeline at each render:
-- per incident, the last timeline entry folded in, the alert counts and the small rest (anomalies,
-- changes, services named, newest entry's time); per alert of the incident, its line. A render folds
-- only the entries after `folded_to` and reads only the alerts it shows.
CREATE TABLE incident_digests (
  incident_id  TEXT PRIMARY KEY,
  folded_to    BIGINT NOT NULL,
  firing       INTEGER NOT NULL,
  resolved     INTEGER NOT NULL,
  rest         JSONB NOT NULL
);
CREATE TABLE incident_digest_alerts (
  incident_id  TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  firing       BOOLEAN NOT NULL,
  since        TEXT NOT NULL,
  seq          BIGINT NOT NULL,
  alert        JSONB NOT NULL,
  PRIMARY KEY (incident_id, fingerprint)
);
CREATE INDEX incident_digest_alerts_shown ON incident_digest_alerts (incident_id, firing DESC, since DESC, seq);
