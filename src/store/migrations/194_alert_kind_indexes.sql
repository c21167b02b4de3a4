-- The diagnosis samples an incident's alerts at every ranking (sampleForDiagnosis): of each kind
-- (service, name, status, severity) the first and the last by start, the one that ended last, and
-- the first and the last pod. It numbered every alert of the incident five times over (window
-- functions), so a ranking of a storm's incident read and sorted all of its alerts: 53 ms a sample
-- in a 5-minute storm at 200 deliveries/s on the embedded database, 72 ms in its last third, and the
-- database fell behind the storm (npm run bench -- storm). These indexes let each pick be a short
-- index scan per kind; the kinds themselves are found by skipping through the first one. A missing
-- service is its own kind: coalesce(service, '') (a service is never empty). The name comes first:
-- (incident_id, name) is then a prefix of each, so the planner takes one of them for a pick (with
-- the other index on (incident_id, name) beside them it read and sorted the kind instead), and that
-- index goes (namesByIncident's skip through the names uses alerts_kind_start).
CREATE INDEX alerts_kind_start ON alerts (incident_id, name, (coalesce(service, '')), status, severity, starts_at, fingerprint);
CREATE INDEX alerts_kind_ended ON alerts (incident_id, name, (coalesce(service, '')), status, severity, ends_at DESC NULLS LAST, fingerprint);
CREATE INDEX alerts_kind_pod ON alerts (incident_id, name, (coalesce(service, '')), status, severity, (labels->>'pod'), fingerprint);
DROP INDEX alerts_incident_name;
