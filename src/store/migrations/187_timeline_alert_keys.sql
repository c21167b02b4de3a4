-- The key moments of an incident's timeline (the Jira ticket's timeline field, refreshed about once a
-- second for every incident a storm's alerts keep joining) were picked from all its entries each
-- time: two window sorts over every alert entry and its data, so the refresh of a storm's incident
-- cost in proportion to its alerts, and the product's CPU per delivery grew as its incidents did.
-- Now the alert entries a summary keeps (per incident and alert key: the first firing, the last
-- resolution) and how many alert entries there are are kept up to date as entries are inserted, by a
-- trigger on the insert statement, so the first and last key moments are read through indexes and
-- the counts from one row.
--
-- An alert entry's key is its fingerprint (else the first word of its text); `resolved` its status.
-- Alert entries are appended under the correlate lock (the incident service's decisions), so two
-- inserts never count the same new key concurrently.
CREATE TABLE timeline_alert_keys (
  incident_id  TEXT NOT NULL,
  k            TEXT NOT NULL,
  resolved     BOOLEAN NOT NULL,
  -- The kept entry: the earliest (at, id) of a firing key, the latest of a resolved one.
  entry_at     TIMESTAMPTZ NOT NULL,
  entry_id     BIGINT NOT NULL,
  PRIMARY KEY (incident_id, k, resolved)
);
CREATE INDEX timeline_alert_keys_order ON timeline_alert_keys (incident_id, entry_at, entry_id);

-- Per incident: its alert entries and its distinct (key, resolved) pairs.
CREATE TABLE timeline_alert_counts (
  incident_id  TEXT PRIMARY KEY,
  entries      BIGINT NOT NULL,
  keys         BIGINT NOT NULL
);

-- The entries other than alerts, in time order (all of them are key moments).
CREATE INDEX timeline_other_order ON timeline (incident_id, at, id) WHERE kind <> 'alert';

CREATE FUNCTION timeline_note_alert_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH n AS (
         SELECT incident_id, coalesce(data->>'fingerprint', split_part(text, ' ', 1)) AS k, coalesce(data->>'status', '') = 'resolved' AS resolved, at, id
           FROM new_entries WHERE kind = 'alert'),
       -- Per key of this statement: its first firing entry, its last resolved one.
       picked AS (
         SELECT DISTINCT ON (incident_id, k, resolved) incident_id, k, resolved, at, id FROM n
          ORDER BY incident_id, k, resolved, CASE WHEN NOT resolved THEN at END, CASE WHEN NOT resolved THEN id END, at DESC, id DESC),
       fresh AS (
         SELECT p.incident_id, count(*) AS keys FROM picked p
          WHERE NOT EXISTS (SELECT 1 FROM timeline_alert_keys x WHERE x.incident_id = p.incident_id AND x.k = p.k AND x.resolved = p.resolved)
          GROUP BY p.incident_id),
       entries AS (SELECT incident_id, count(*) AS entries FROM n GROUP BY incident_id),
       noted AS (
         INSERT INTO timeline_alert_keys (incident_id, k, resolved, entry_at, entry_id) SELECT incident_id, k, resolved, at, id FROM picked
         ON CONFLICT (incident_id, k, resolved) DO UPDATE SET entry_at = EXCLUDED.entry_at, entry_id = EXCLUDED.entry_id
          WHERE CASE WHEN EXCLUDED.resolved THEN (EXCLUDED.entry_at, EXCLUDED.entry_id) > (timeline_alert_keys.entry_at, timeline_alert_keys.entry_id)
                     ELSE (EXCLUDED.entry_at, EXCLUDED.entry_id) < (timeline_alert_keys.entry_at, timeline_alert_keys.entry_id) END)
  INSERT INTO timeline_alert_counts (incident_id, entries, keys)
  SELECT e.incident_id, e.entries, coalesce(f.keys, 0) FROM entries e LEFT JOIN fresh f ON f.incident_id = e.incident_id
  ON CONFLICT (incident_id) DO UPDATE SET entries = timeline_alert_counts.entries + EXCLUDED.entries, keys = timeline_alert_counts.keys + EXCLUDED.keys;
  RETURN NULL;
END
$$;

CREATE TRIGGER timeline_alert_keys_noted AFTER INSERT ON timeline REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION timeline_note_alert_keys();

-- The timelines already there.
INSERT INTO timeline_alert_keys (incident_id, k, resolved, entry_at, entry_id)
SELECT DISTINCT ON (incident_id, k, resolved) incident_id, k, resolved, at, id
  FROM (SELECT incident_id, coalesce(data->>'fingerprint', split_part(text, ' ', 1)) AS k, coalesce(data->>'status', '') = 'resolved' AS resolved, at, id FROM timeline WHERE kind = 'alert') n
 ORDER BY incident_id, k, resolved, CASE WHEN NOT resolved THEN at END, CASE WHEN NOT resolved THEN id END, at DESC, id DESC;
INSERT INTO timeline_alert_counts (incident_id, entries, keys)
SELECT t.incident_id, t.entries, (SELECT count(*) FROM timeline_alert_keys k WHERE k.incident_id = t.incident_id)
  FROM (SELECT incident_id, count(*) AS entries FROM timeline WHERE kind = 'alert' GROUP BY incident_id) t;
