-- Sent outcomes live on the feed items they sent (GEN-8, protocol without a row per send).
--
-- A plain "sent" outcome (status sent, no reason or rule) said no more than "run R put this
-- version into the feed": the feed item now carries R in `run_id`, and the protocol reads such
-- items back as outcomes. Skips, failures, deletions, warnings and push-delivery lines keep
-- their rows in `outcomes`. Feed items are never deleted, so no outcome is lost.
ALTER TABLE feed_items ADD COLUMN run_id BIGINT;
CREATE INDEX feed_items_by_run ON feed_items (run_id, seq) WHERE run_id IS NOT NULL;
CREATE INDEX feed_items_by_record ON feed_items (connection, feed, erp_key, seq)
    WHERE run_id IS NOT NULL;

-- Where an outcome row stands among the feed items: the connection's highest feed seq when it
-- was written (0 for rows from before this migration, which are older than any such item).
-- Rows and sent feed items of one run or record are merged in this order, newest first.
ALTER TABLE outcomes ADD COLUMN feed_seq BIGINT NOT NULL DEFAULT 0;
