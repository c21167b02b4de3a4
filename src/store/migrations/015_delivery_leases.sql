-- Continuous recovery of webhook deliveries: whoever processes a delivery holds a lease on it
-- (renewed while it works); any live replica claims pending deliveries whose lease ran out. A
-- delivery that keeps failing is parked with its error after a bounded number of attempts.
ALTER TABLE webhook_deliveries
  ADD COLUMN attempts    INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN lease_owner TEXT,
  ADD COLUMN lease_until TIMESTAMPTZ,
  ADD COLUMN parked_at   TIMESTAMPTZ;
CREATE INDEX webhook_deliveries_parked ON webhook_deliveries (parked_at) WHERE parked_at IS NOT NULL;
