-- Accepted tenants (TEN-1..TEN-3): staff subscriptions and the e-mails sent for inbox items.
-- Times as in 0001 (UTC RFC 3339 text).

-- TEN-3: which staff want an e-mail for what. topic: 'tenants' (a new tenant without lease);
-- connection NULL means every partner connection.
CREATE TABLE staff_subscriptions (
    id         INTEGER PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff_users (id),
    topic      TEXT NOT NULL,
    connection TEXT NOT NULL DEFAULT '',   -- '' = every connection
    created_at TEXT NOT NULL,
    UNIQUE (staff_id, topic, connection)
);

-- One e-mail per inbox item and recipient: queued in the transaction that marks the item
-- written, sent afterwards; status pending | sent | dead. The unique key makes a repeated
-- queueing (a retried item) a no-op, so nobody gets the same notice twice from the queue.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES inbox_items (id),
    topic           TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    error           TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (item_id, recipient)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
