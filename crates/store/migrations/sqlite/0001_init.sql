-- immohub hub store, SQLite schema.
-- Times are UTC RFC 3339 text with microseconds at most ("2024-05-01T12:00:00.123456+00:00"),
-- written by the application only; with one fixed offset they sort chronologically as text.
-- JSON columns hold serialized JSON text. Booleans are 0/1.

-- Partner connections. The API key is stored only as its SHA-256 hash.
CREATE TABLE connections (
    name         TEXT NOT NULL PRIMARY KEY,
    profile      TEXT NOT NULL,
    api_key_hash TEXT NOT NULL UNIQUE,
    clients      TEXT NOT NULL DEFAULT '[]',
    config       TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Protocol: one row per run of a use case.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    use_case    TEXT NOT NULL,
    connection  TEXT NOT NULL,
    direction   TEXT NOT NULL,
    "trigger"   TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    status      TEXT NOT NULL,
    read        INTEGER NOT NULL DEFAULT 0,
    sent        INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    errors      TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_connection ON runs (connection, started_at);

-- Canonical ERP entities with content hash and version.
CREATE TABLE entities (
    entity     TEXT NOT NULL,
    erp_key    TEXT NOT NULL,
    client_no  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    payload    TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (entity, erp_key)
);

-- What each partner has of each record, and why.
CREATE TABLE record_states (
    connection  TEXT NOT NULL,
    feed        TEXT NOT NULL,
    erp_key     TEXT NOT NULL,
    partner_id  TEXT,
    status      TEXT NOT NULL,
    hash        TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    reason      TEXT,
    rule        TEXT,
    version     INTEGER NOT NULL,
    run_id      INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (connection, feed, erp_key)
);
CREATE INDEX record_states_by_partner_id ON record_states (connection, feed, partner_id);

-- The change feeds partners read. seq is global, increasing and never reused.
CREATE TABLE feed_items (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    connection TEXT NOT NULL,
    feed       TEXT NOT NULL,
    erp_key    TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    op         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX feed_items_by_feed ON feed_items (connection, feed, seq);

-- Acknowledged feed position per partner and feed.
CREATE TABLE cursors (
    connection TEXT NOT NULL,
    feed       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (connection, feed)
);

-- Highest ERP change timestamp read per connection and ERP entity.
CREATE TABLE watermarks (
    connection TEXT NOT NULL,
    entity     TEXT NOT NULL,
    at         TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (connection, entity)
);

-- Scratch: ERP keys seen by a run, for deletion detection by anti-join.
CREATE TABLE seen_keys (
    run_id  INTEGER NOT NULL,
    feed    TEXT NOT NULL,
    erp_key TEXT NOT NULL,
    PRIMARY KEY (run_id, feed, erp_key)
) WITHOUT ROWID;

-- Protocol: one row per record and run (what happened and why).
CREATE TABLE outcomes (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL,
    connection TEXT NOT NULL,
    feed       TEXT NOT NULL,
    erp_key    TEXT NOT NULL,
    partner_id TEXT,
    status     TEXT NOT NULL,
    reason     TEXT,
    rule       TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX outcomes_by_record ON outcomes (connection, feed, erp_key, id);
CREATE INDEX outcomes_by_run ON outcomes (run_id, id);
