-- Demo ERP (SQLite): the interface tables immohub writes into (docs/ERP-INTERFACE.md,
-- "Interface tables"). The ERP's own import reads them; immohub never reads the ERP's base
-- tables for writing. `immohub demo` creates them (also in an existing demo ERP: IF NOT EXISTS).
--
-- immohub_in_prospects: prospects (Interessenten) sent in by partners (PRO-1, PRO-2).
--   external_ref   unique: a repeated write of the same prospect finds the existing row (GEN-11)
--   technical_user the partner's technical ERP user, on every row (GEN-3)
--   import_* …     filled by the ERP's import: status 'neu' (new), 'importiert', 'abgelehnt'
CREATE TABLE IF NOT EXISTS immohub_in_prospects (
    id             INTEGER PRIMARY KEY,
    external_ref   TEXT NOT NULL UNIQUE,
    technical_user TEXT NOT NULL CHECK (technical_user <> ''),
    partner        TEXT NOT NULL,
    received_at    TEXT NOT NULL,   -- UTC 'YYYY-MM-DD HH:MM:SS'
    written_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    unit_id        TEXT NOT NULL,   -- the unit as the partner named it (composite ID, GEN-1)
    client_no      TEXT NOT NULL,
    property_no    TEXT NOT NULL,
    building_no    TEXT NOT NULL,
    unit_no        TEXT NOT NULL,
    salutation     TEXT,
    first_name     TEXT,
    surname        TEXT NOT NULL,
    birth_date     TEXT,            -- 'YYYY-MM-DD'
    email          TEXT,
    phone          TEXT,
    street         TEXT,
    house_no       TEXT,
    postal_code    TEXT,
    city           TEXT,
    country        TEXT,            -- ISO 3166-1 alpha-2
    message        TEXT,
    source         TEXT NOT NULL,   -- api, openimmo, …
    payload_hash   TEXT NOT NULL,
    linked_person_no TEXT,          -- PRO-3: existing business partner to link (no new one)
    match_score    TEXT,            -- PRO-3: duplicate-check score, decimal text '0.93'
    match_note     TEXT,            -- PRO-3: decision and reasons (German)
    import_status  TEXT NOT NULL DEFAULT 'neu',
    import_message TEXT,
    person_no      TEXT,            -- business partner created or linked by the import
    offer_no       TEXT,            -- offer for the unit (PRO-4)
    imported_at    TEXT
);
CREATE INDEX IF NOT EXISTS immohub_in_prospects_open
    ON immohub_in_prospects (import_status, id);

-- immohub_in_activities: tracking events of share rooms as activities (SHR-7, SHR-10): room
-- opened, file viewed, file downloaded, first access; per recipient (address) and object.
--   external_ref   unique ('share-event:<id>'): a repeated push finds the existing row
--   import_* …     filled by the ERP's import, as for prospects
CREATE TABLE IF NOT EXISTS immohub_in_activities (
    id              INTEGER PRIMARY KEY,
    external_ref    TEXT NOT NULL UNIQUE,
    technical_user  TEXT NOT NULL CHECK (technical_user <> ''),
    activity_type   TEXT NOT NULL,   -- immocloud_open, immocloud_view, immocloud_download, immocloud_first_access
    occurred_at     TEXT NOT NULL,   -- UTC 'YYYY-MM-DD HH:MM:SS'
    written_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    object_kind     TEXT NOT NULL,   -- property, unit, listing
    object_id       TEXT NOT NULL,
    room_title      TEXT NOT NULL,
    recipient_kind  TEXT NOT NULL,   -- person, prospect, address
    recipient_ref   TEXT,            -- person's composite ID or inbox item
    recipient_name  TEXT NOT NULL,
    recipient_email TEXT,
    file_name       TEXT,
    description     TEXT NOT NULL,
    import_status   TEXT NOT NULL DEFAULT 'neu',
    import_message  TEXT,
    imported_at     TEXT
);
CREATE INDEX IF NOT EXISTS immohub_in_activities_open
    ON immohub_in_activities (import_status, id);

-- immohub_in_tenants: tenants accepted at a partner without a lease yet ("Mieter ohne
-- Vertrag", TEN-1). One row per tenant: the main tenant, who becomes the business partner
-- (TEN-2); the other household members are in `household` (JSON) and the dossier only.
--   external_ref   unique: a repeated write finds the existing row (GEN-11)
--   dossier_path   the dossier's directory below the ERP's dossier directory
--   import_* …     filled by staff / the ERP when the lease is created
CREATE TABLE IF NOT EXISTS immohub_in_tenants (
    id               INTEGER PRIMARY KEY,
    external_ref     TEXT NOT NULL UNIQUE,
    technical_user   TEXT NOT NULL CHECK (technical_user <> ''),
    partner          TEXT NOT NULL,
    received_at      TEXT NOT NULL,   -- UTC 'YYYY-MM-DD HH:MM:SS'
    written_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    unit_id          TEXT NOT NULL,
    client_no        TEXT NOT NULL,
    property_no      TEXT NOT NULL,
    building_no      TEXT NOT NULL,
    unit_no          TEXT NOT NULL,
    salutation       TEXT,
    first_name       TEXT,
    surname          TEXT NOT NULL,
    birth_date       TEXT,
    email            TEXT,
    phone            TEXT,
    street           TEXT,
    house_no         TEXT,
    postal_code      TEXT,
    city             TEXT,
    country          TEXT,
    message          TEXT,
    move_in          TEXT,            -- wished lease start 'YYYY-MM-DD'
    household        TEXT NOT NULL,   -- JSON: [{first_name, surname, birth_date, relation}]
    household_count  INTEGER NOT NULL,
    document_count   INTEGER NOT NULL,
    dossier_path     TEXT NOT NULL,
    source           TEXT NOT NULL,
    payload_hash     TEXT NOT NULL,
    linked_person_no TEXT,            -- PRO-3 for the main tenant
    match_score      TEXT,
    match_note       TEXT,
    import_status    TEXT NOT NULL DEFAULT 'neu',
    import_message   TEXT,
    person_no        TEXT,
    imported_at      TEXT
);
CREATE INDEX IF NOT EXISTS immohub_in_tenants_open ON immohub_in_tenants (import_status, id);

-- immohub_in_tenant_documents: the dossier's files (proof of income, credit report, ID,
-- household), one row per file; `path` is relative to the ERP's dossier directory.
CREATE TABLE IF NOT EXISTS immohub_in_tenant_documents (
    id           INTEGER PRIMARY KEY,
    tenant_ref   TEXT NOT NULL REFERENCES immohub_in_tenants (external_ref),
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,       -- income_proof, credit_report, id_document, household, other
    kind_label   TEXT NOT NULL,       -- German: Einkommensnachweis, …
    file_name    TEXT NOT NULL,
    content_type TEXT,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    path         TEXT NOT NULL,
    UNIQUE (tenant_ref, position)
);
