-- The embedded store gathers the deliveries' statistics every 10 s (vacuumBusyTables: PGlite runs no
-- autovacuum) so that a claim walks the pending index instead of sorting the backlog. ANALYZE also
-- computed statistics of the bodies' JSON (and the errors), which no statement filters or sorts on:
-- the most expensive columns of its sample. Left out, a pass at 60,000 deliveries takes 31-34 ms of
-- CPU rather than 40-49 (PGlite, its statistics target 10; at the default 100, 360-420 ms rather
-- than 35-50 at 120,000 deliveries). The claim's plan is the same.
ALTER TABLE webhook_deliveries
  ALTER COLUMN body SET STATISTICS 0,
  ALTER COLUMN error SET STATISTICS 0;
