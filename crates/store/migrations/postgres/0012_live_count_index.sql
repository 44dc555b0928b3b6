-- The deletion check of every incremental run (GEN-10) counts a connection's live records per
-- feed. With `status` in the partner-ID index that count reads the index alone instead of
-- every record row (100,000 units: about 90 ms → 35 ms over all feeds on SQLite).
DROP INDEX record_states_by_partner_id;
CREATE INDEX record_states_by_partner_id ON record_states (connection, feed, partner_id, status);
