-- A delivery's body is stored as `json` (its text, checked), not `jsonb`: no statement looks into it
-- (it is read back whole, to parse the delivery again), and building jsonb's binary form was a fifth
-- of the server's CPU per row of the webhook door's group insert (Postgres 15, 16-row groups: 50 µs
-- rather than 41-45). Statistics stay off for it (see 191).
ALTER TABLE webhook_deliveries
  ALTER COLUMN body TYPE json USING body::json,
  ALTER COLUMN body SET STATISTICS 0;
