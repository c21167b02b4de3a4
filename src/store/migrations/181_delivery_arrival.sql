-- Deliveries are processed in arrival order. received_at has millisecond resolution, and a storm
-- stores many deliveries in one millisecond (one group commit): ties were broken by delivery_id, a
-- hash, so a "resolved" could be processed before the "firing" stored just ahead of it. `arrival`
-- is the insertion order (a group's rows are inserted in the order they were acknowledged).
ALTER TABLE webhook_deliveries ADD COLUMN arrival BIGSERIAL;
DROP INDEX webhook_deliveries_pending;
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (received_at, arrival) WHERE processed_at IS NULL;
