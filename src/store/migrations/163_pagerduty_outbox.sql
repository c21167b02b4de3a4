-- PagerDuty writes a person or remediation waits for (escalations with their note) go through the
-- incident event rows like the rest of the outbound sync: leased, retried, parked. The outcome of
-- such a write is kept on its row for whoever asked for it (the Escalate button, remediation).
ALTER TABLE incident_events ADD COLUMN result JSONB;
