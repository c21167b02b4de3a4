-- A channel takes about one post a second (Slack's chat.postMessage limit), so when more incidents
-- open at once than that (an alert storm: ten services warning in the same second), their root
-- messages queue in the channel's lane of top-level posts, and they went in the order they were
-- queued: a SEV2 opened a second after ten SEV3 warnings had its root message ~10 s later. A
-- top-level post now carries its incident's severity as a priority (1 SEV1 … 4 SEV4, from the message
-- metadata every root post is queued with; 5 for a top-level post without one; 0 for every other call,
-- whose lanes keep their order), and each channel's lane head is the first by priority, then in order.
ALTER TABLE outbox ADD COLUMN priority SMALLINT GENERATED ALWAYS AS (
  CASE WHEN method = 'chat.postMessage' AND payload->>'thread_ts' IS NULL THEN
         CASE payload->'metadata'->'event_payload'->>'severity' WHEN 'sev1' THEN 1 WHEN 'sev2' THEN 2 WHEN 'sev3' THEN 3 WHEN 'sev4' THEN 4 ELSE 5 END
       ELSE 0 END) STORED;
DROP INDEX outbox_lane_heads;
CREATE INDEX outbox_lane_heads ON outbox (channel, lane, priority, id) WHERE sent_at IS NULL;
