-- Reads that a storm (thousands of alerts in one incident) turned into scans, made index lookups:
-- when each service of an incident first alerted (grouping, every batch of deliveries), and an
-- incident's timeline entries of one kind (recoveries, status and action history) without reading
-- its thousands of alert entries.
CREATE INDEX alerts_incident_service_start ON alerts (incident_id, service, starts_at);
CREATE INDEX timeline_alert_onset ON timeline (incident_id, (data->>'service'), at) WHERE kind = 'alert' AND data->>'status' = 'firing';
CREATE INDEX timeline_incident_kind ON timeline (incident_id, kind, id);
