-- A stored delivery is written three times: inserted by the door, leased by a claim (lease owner,
-- lease end, attempts), marked processed; the heartbeat rewrites the lease of those a replica holds.
-- Its pages were filled to the brim, so each lease was written as a new row version on another page
-- with new entries in every index (the primary key and the pending deliveries'). Half of each page
-- is now left free: a lease's new version stays on its page, and as it changes no indexed column
-- (nor the pending index's condition) it is a heap-only update, no index touched. In a drain of
-- 5,000 pending single-alert deliveries (PGlite, worker thread): 604-702 deliveries/s rather than
-- 487-562, 10 % less CPU per delivery. It applies to the pages written from now on.
ALTER TABLE webhook_deliveries SET (fillfactor = 50);
