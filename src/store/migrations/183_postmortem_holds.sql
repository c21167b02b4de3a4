-- Postmortem drafts due (issue #13): a resolution aisre made itself (its alerts went quiet) is drafted
-- only once it has held for a while of system time, since a flapping alert's lull resolves the
-- incident and its next flip reopens it; a person's resolution is due at once. The row is written in
-- the resolution's own transaction and deleted by a reopen in its own, so a replica that dies inside
-- the hold leaves it to any other: whoever claims a due row (under a lease) drafts it, then deletes it.
-- due_at is system time (the Clock port: the simulation's clock in the sandbox); lease_until is the
-- database's (a lease is a wall-clock duration, as everywhere else).
CREATE TABLE postmortem_holds (
  incident_id   TEXT PRIMARY KEY,
  resolved_at   TIMESTAMPTZ,
  resolved_by   TEXT NOT NULL,
  due_at        TIMESTAMPTZ NOT NULL,
  -- The postmortem's version when the hold was first claimed: a claim after a failed or abandoned
  -- attempt finds a draft saved past it and publishes that one instead of drafting a second.
  base_version  INTEGER,
  attempts      INTEGER NOT NULL DEFAULT 0,
  lease_owner   TEXT,
  lease_until   TIMESTAMPTZ,
  error         TEXT
);
CREATE INDEX postmortem_holds_due ON postmortem_holds (due_at);
