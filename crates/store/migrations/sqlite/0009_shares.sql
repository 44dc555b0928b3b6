-- Share rooms (immoCloud, SHR-1..SHR-10) and staff accounts. Times as in 0001 (UTC RFC 3339
-- text). Tokens and staff keys are stored only as SHA-256 hex digests, never in clear.

-- Staff accounts with their own API keys (the staff API `/staff/v1`, not the partner API).
CREATE TABLE staff_users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    email      TEXT,
    key_hash   TEXT NOT NULL UNIQUE,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- SHR-1: at most one room per object (property, unit or listing).
CREATE TABLE share_rooms (
    id                    INTEGER PRIMARY KEY,
    object_kind           TEXT NOT NULL,
    object_id             TEXT NOT NULL,
    title                 TEXT NOT NULL,
    -- SHR-4: consent gate (cancellation policy with version, optional terms with version).
    consent_required      INTEGER NOT NULL DEFAULT 0,
    policy_text           TEXT,
    policy_version        TEXT,
    terms_text            TEXT,
    terms_version         TEXT,
    -- SHR-10: the first access of a recipient creates an activity.
    first_access_activity INTEGER NOT NULL DEFAULT 0,
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (object_kind, object_id)
);

CREATE TABLE share_folders (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES share_rooms (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (room_id, name)
);

-- Files: `storage_key` is the generated file name on disk (never user input).
CREATE TABLE share_files (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES share_rooms (id) ON DELETE CASCADE,
    folder_id    INTEGER REFERENCES share_folders (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX share_files_by_room ON share_files (room_id, id);

-- SHR-2: recipients with a personal link (token hash), SHR-8 revocation, SHR-10 expiry.
CREATE TABLE share_recipients (
    id              INTEGER PRIMARY KEY,
    room_id         INTEGER NOT NULL REFERENCES share_rooms (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    source_ref      TEXT,
    name            TEXT NOT NULL,
    email           TEXT,
    token_hash      TEXT NOT NULL UNIQUE,
    expires_at      TEXT,
    revoked_at      TEXT,
    first_access_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX share_recipients_by_room ON share_recipients (room_id, id);

-- SHR-4: accepted consents with the versions accepted.
CREATE TABLE share_consents (
    id             INTEGER PRIMARY KEY,
    recipient_id   INTEGER NOT NULL REFERENCES share_recipients (id) ON DELETE CASCADE,
    policy_version TEXT NOT NULL,
    terms_version  TEXT,
    accepted_at    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX share_consents_by_recipient ON share_consents (recipient_id, id);

-- SHR-7: one row per event (open, view, download, first_access); `exported_at` is set once
-- the event is in the ERP's activity interface table.
CREATE TABLE share_events (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES share_rooms (id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL REFERENCES share_recipients (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    file_id      INTEGER,
    at           TEXT NOT NULL,
    exported_at  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX share_events_by_room ON share_events (room_id, recipient_id, id);
CREATE INDEX share_events_unexported ON share_events (id) WHERE exported_at IS NULL;
