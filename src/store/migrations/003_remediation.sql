-- Remediation: what an action card needs beyond the actions row (evidence, hypothesis, policy
-- decision, progress steps), the key that stops one recommendation from being posted twice, and
-- an index for the circuit breaker (actions that ran in the last hour).
ALTER TABLE actions ADD COLUMN detail JSONB NOT NULL DEFAULT '{}';
ALTER TABLE actions ADD COLUMN dedupe_key TEXT;
CREATE INDEX actions_state_updated ON actions (state, updated_at);
CREATE INDEX actions_incident_dedupe ON actions (incident_id, dedupe_key);
