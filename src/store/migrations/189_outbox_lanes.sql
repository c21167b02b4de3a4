-- The outbox's due calls were picked by comparing every unsent call with every other of its
-- channel, each comparison reading both payloads' JSON to tell their lanes: a cost that grew with the
-- square of the unsent calls (40 unsent: 10 ms a pass; 200: 143 ms; 800: 2.1 s), and in a storm
-- Slack's pacing lets them pile up while the sender looks several times a second. A call's lane is
-- now computed once, when it is written (a stored generated column: a replaced payload recomputes
-- it), and the first unsent call of each channel and lane is read through an index.
-- Lanes: 0 top-level posts, 1 root card edits, 2 other edits (chat.update), 3 the rest (thread replies).
ALTER TABLE outbox ADD COLUMN lane SMALLINT GENERATED ALWAYS AS (
  CASE WHEN method = 'chat.postMessage' AND payload->>'thread_ts' IS NULL THEN 0
       WHEN method = 'chat.update' AND payload->>'ts' LIKE '$root:%' THEN 1
       WHEN method = 'chat.update' THEN 2
       ELSE 3 END) STORED;
CREATE INDEX outbox_lane_heads ON outbox (channel, lane, id) WHERE sent_at IS NULL;
