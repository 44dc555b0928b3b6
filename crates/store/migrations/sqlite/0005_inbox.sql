-- The inbox: what partners send in (prospects, …), kept until it is written into the ERP.
-- Idempotent by (connection, kind, idempotency_key); payload_hash tells a repeated delivery
-- (same hash) from a conflicting one. Workers claim due items (claimed_by/claimed_until);
-- status: received | written | failed | dead. Times as in 0001 (UTC RFC 3339 text).
CREATE TABLE inbox_items (
    id              INTEGER PRIMARY KEY,
    connection      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    source          TEXT NOT NULL,
    payload         TEXT NOT NULL,
    payload_hash    TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    erp_id          TEXT,
    error           TEXT,
    rule            TEXT,
    run_id          INTEGER,
    received_at     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (connection, kind, idempotency_key)
);
-- Due work: only items still to be written.
CREATE INDEX inbox_items_due ON inbox_items (kind, next_attempt_at) WHERE status = 'received';
-- Listing per connection.
CREATE INDEX inbox_items_by_connection ON inbox_items (connection, kind, id);
