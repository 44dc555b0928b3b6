-- PRO-3 review list: prospects whose duplicate check landed between the two thresholds wait
-- here (inbox status 'review') until staff link them to an existing person or let a new one be
-- created. One row per inbox item; the decision sends the item back to 'received'.
CREATE TABLE match_reviews (
    item_id     BIGINT PRIMARY KEY REFERENCES inbox_items (id),
    connection  TEXT COLLATE "C" NOT NULL,
    client_no   TEXT COLLATE "C" NOT NULL,
    candidates  TEXT NOT NULL,
    summary     TEXT NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    decision    TEXT COLLATE "C",
    person_no   TEXT COLLATE "C",
    decided_by  TEXT,
    decided_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX match_reviews_open ON match_reviews (status, item_id);
