-- PRO-3 review list: prospects whose duplicate check landed between the two thresholds wait
-- here (inbox status 'review') until staff link them to an existing person or let a new one be
-- created. One row per inbox item; the decision sends the item back to 'received'.
CREATE TABLE match_reviews (
    item_id     INTEGER PRIMARY KEY REFERENCES inbox_items (id),
    connection  TEXT NOT NULL,
    client_no   TEXT NOT NULL,
    candidates  TEXT NOT NULL,   -- JSON: [{person_id, score, reasons}], best first
    summary     TEXT NOT NULL,   -- German: why the item waits
    status      TEXT NOT NULL,   -- open | decided
    decision    TEXT,            -- link | new
    person_no   TEXT,            -- the linked person (decision 'link')
    decided_by  TEXT,
    decided_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX match_reviews_open ON match_reviews (status, item_id);
