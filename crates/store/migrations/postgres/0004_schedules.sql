-- Schedules and run leases (GEN-6). Times are TIMESTAMPTZ (UTC); keys use the "C" collation.

-- At most one run per connection and use case at a time, across processes and hosts. A lease is
-- taken over only once it has expired (a holder that died); `generation` counts the holders, so
-- a holder that lost its lease cannot renew or release its successor's. A released lease keeps
-- its row with `expires_at` set to the release time.
CREATE TABLE run_leases (
    connection  TEXT COLLATE "C" NOT NULL,
    use_case    TEXT COLLATE "C" NOT NULL,
    holder      TEXT NOT NULL,
    generation  BIGINT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection, use_case)
);

-- The next due time of each scheduled use case of a connection. Instances claim a due run by
-- compare-and-set on `next_due_at`, so two instances never both start it.
CREATE TABLE schedule_states (
    connection      TEXT COLLATE "C" NOT NULL,
    use_case        TEXT COLLATE "C" NOT NULL,
    -- The schedule (canonical text) `next_due_at` was computed from.
    schedule        TEXT NOT NULL,
    next_due_at     TIMESTAMPTZ,
    last_claimed_at TIMESTAMPTZ,
    claimed_by      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection, use_case)
);
