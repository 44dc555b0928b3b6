-- Push delivery (webhooks): the outbox is the feed itself (feed_items, written in the same
-- transaction as the change); each endpoint has its own delivered position (cursor), moved only
-- by what the partner confirmed with a 2xx. Failed records end in dead_letters.

-- Webhook endpoints a partner registered. The signing secrets live in `secrets`
-- (owner = connection, name = `webhook:<id>` and `webhook:<id>:previous`).
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY,
    connection      TEXT NOT NULL,
    url             TEXT NOT NULL,
    feeds           TEXT NOT NULL DEFAULT '[]',
    description     TEXT,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    -- Highest feed seq the partner confirmed (or that was dead-lettered); never moves back.
    cursor          INTEGER NOT NULL DEFAULT 0,
    -- Failed attempts of the record at the head (cursor + 1).
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    previous_secret_until TEXT,
    -- Claim by one immohub instance (lease with fencing token).
    claimed_by      TEXT,
    claimed_until   TEXT,
    claim_token     INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_by_connection ON webhook_endpoints (connection, id);

-- Records that could not be delivered (after the last retry, or rejected by the partner).
CREATE TABLE dead_letters (
    id          INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL,
    connection  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    feed        TEXT NOT NULL,
    erp_key     TEXT NOT NULL,
    partner_id  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    last_status INTEGER,
    error       TEXT NOT NULL,
    -- open, queued (retry requested), delivered, superseded
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (endpoint_id, seq)
);
CREATE INDEX dead_letters_by_connection ON dead_letters (connection, id);
CREATE INDEX dead_letters_by_status ON dead_letters (endpoint_id, status, seq);

-- An endpoint reads its connection's feed in seq order across feeds.
CREATE INDEX feed_items_by_connection ON feed_items (connection, seq);
