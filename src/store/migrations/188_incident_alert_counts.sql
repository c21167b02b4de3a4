-- An incident's root card shows how many alerts it has, how many fire, and their first few names.
-- In a storm the card is rendered about once a second for every incident whose alerts keep coming,
-- and each render counted all of the incident's alerts and sorted their names: a cost that grew
-- with the incident. The counts are now kept up to date as alerts are written, by triggers on the
-- statements (alerts are written under the correlate lock: the incident service's decisions, a
-- merge, a split), and the names are read by skipping through an index, one step per name shown.
CREATE TABLE incident_alert_counts (
  incident_id  TEXT PRIMARY KEY,
  total        BIGINT NOT NULL,
  firing       BIGINT NOT NULL
);

CREATE INDEX alerts_incident_name ON alerts (incident_id, name);

CREATE FUNCTION alerts_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO incident_alert_counts (incident_id, total, firing)
  SELECT incident_id, count(*), count(*) FILTER (WHERE status = 'firing') FROM added_alerts WHERE incident_id IS NOT NULL GROUP BY incident_id
  ON CONFLICT (incident_id) DO UPDATE SET total = incident_alert_counts.total + EXCLUDED.total, firing = incident_alert_counts.firing + EXCLUDED.firing;
  RETURN NULL;
END
$$;

CREATE FUNCTION alerts_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO incident_alert_counts (incident_id, total, firing)
  SELECT incident_id, sum(n), sum(f) FROM (
      SELECT incident_id, 1 AS n, CASE WHEN status = 'firing' THEN 1 ELSE 0 END AS f FROM new_alerts WHERE incident_id IS NOT NULL
      UNION ALL
      SELECT incident_id, -1, CASE WHEN status = 'firing' THEN -1 ELSE 0 END FROM old_alerts WHERE incident_id IS NOT NULL) d
   GROUP BY incident_id HAVING sum(n) <> 0 OR sum(f) <> 0
  ON CONFLICT (incident_id) DO UPDATE SET total = incident_alert_counts.total + EXCLUDED.total, firing = incident_alert_counts.firing + EXCLUDED.firing;
  RETURN NULL;
END
$$;

CREATE FUNCTION alerts_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE incident_alert_counts c SET total = c.total - d.total, firing = c.firing - d.firing
    FROM (SELECT incident_id, count(*) AS total, count(*) FILTER (WHERE status = 'firing') AS firing FROM removed_alerts WHERE incident_id IS NOT NULL GROUP BY incident_id) d
   WHERE c.incident_id = d.incident_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER alerts_counted_insert AFTER INSERT ON alerts REFERENCING NEW TABLE AS added_alerts FOR EACH STATEMENT EXECUTE FUNCTION alerts_count_inserted();
CREATE TRIGGER alerts_counted_update AFTER UPDATE ON alerts REFERENCING OLD TABLE AS old_alerts NEW TABLE AS new_alerts FOR EACH STATEMENT EXECUTE FUNCTION alerts_count_updated();
CREATE TRIGGER alerts_counted_delete AFTER DELETE ON alerts REFERENCING OLD TABLE AS removed_alerts FOR EACH STATEMENT EXECUTE FUNCTION alerts_count_deleted();

-- The alerts already there.
INSERT INTO incident_alert_counts (incident_id, total, firing)
SELECT incident_id, count(*), count(*) FILTER (WHERE status = 'firing') FROM alerts WHERE incident_id IS NOT NULL GROUP BY incident_id;
