-- Feedback on aisre's AI output (issue 21).
-- The native 👍/👎 feedback buttons under an answer or a diagnosis post: one rating per person and
-- message (a second click replaces the first).
CREATE TABLE ai_ratings (
  channel      TEXT NOT NULL,
  message_ts   TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  subject      TEXT NOT NULL CHECK (subject IN ('answer', 'diagnosis')),
  incident_id  TEXT,
  sentiment    TEXT NOT NULL CHECK (sentiment IN ('positive', 'negative')),
  at           TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (channel, message_ts, user_id)
);
CREATE INDEX ai_ratings_at ON ai_ratings (at);

-- "Was this the cause?" on resolve: one grade per person and incident (a second click replaces the
-- first), with the leading cause and the confidence aisre stated when the incident was resolved.
CREATE TABLE cause_grades (
  incident_id  TEXT NOT NULL REFERENCES incidents (id),
  user_id      TEXT NOT NULL,
  grade        TEXT NOT NULL CHECK (grade IN ('right', 'partly', 'wrong', 'unknown')),
  score        INTEGER NOT NULL,
  service      TEXT,
  cause        TEXT,
  confidence   DOUBLE PRECISION,
  at           TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX cause_grades_at ON cause_grades (at);

-- Who has opened aisre's Home tab: their Home is republished when incidents, approvals or the
-- automation switch change.
CREATE TABLE app_home_viewers (
  user_id    TEXT PRIMARY KEY,
  opened_at  TIMESTAMPTZ NOT NULL
);
