-- Demo ERP (SQLite): base tables, as an ERP keeps them.
--
-- `immohub demo` creates these tables, fills them, then runs demo-sqlite-indexes.sql (indexes,
-- change-timestamp triggers) and demo-sqlite-views.sql (the ERP interface views v_*).
-- Internal ids (…_id) link the tables; the ERP numbers (…_no) are what users and partners see.
-- Decimals are stored as TEXT ('845.50') so that no binary floating point touches money.
-- Every table has updated_at: UTC text 'YYYY-MM-DD HH:MM:SS', set by triggers on UPDATE.

CREATE TABLE erp_clients (
    client_id   INTEGER PRIMARY KEY,
    client_no   TEXT NOT NULL,
    name        TEXT NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TABLE erp_properties (
    property_id INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES erp_clients (client_id),
    property_no TEXT NOT NULL,
    name        TEXT,
    is_weg      INTEGER NOT NULL DEFAULT 0, -- 1: condominium (WEG) administered for its owners
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TABLE erp_buildings (
    building_id INTEGER PRIMARY KEY,
    property_id INTEGER NOT NULL REFERENCES erp_properties (property_id),
    building_no TEXT NOT NULL,
    street      TEXT,
    house_no    TEXT,
    postal_code TEXT,
    city        TEXT,
    year_built  INTEGER,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TABLE erp_units (
    unit_id            INTEGER PRIMARY KEY,
    building_id        INTEGER NOT NULL REFERENCES erp_buildings (building_id),
    unit_no            TEXT NOT NULL,
    usage_type         TEXT NOT NULL,  -- WOHNUNG, GEWERBE, STELLPLATZ, GARAGE, LAGER, …
    rooms              TEXT,           -- decimal text: '2.5'
    floor_text         TEXT,           -- "Etage/Lage" as typed by staff
    area               TEXT,           -- m², decimal text
    features           TEXT,           -- comma-separated labels
    energy_cert_type   TEXT,           -- bedarf / verbrauch
    energy_value       TEXT,           -- kWh/(m²·a), decimal text
    energy_class       TEXT,
    energy_valid_until TEXT,           -- YYYY-MM-DD
    year_built         INTEGER,        -- only where it differs from the building's
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TABLE erp_persons (
    person_id    INTEGER PRIMARY KEY,
    client_id    INTEGER NOT NULL REFERENCES erp_clients (client_id),
    person_no    TEXT NOT NULL,
    salutation   TEXT,
    title        TEXT,
    first_name   TEXT,
    surname      TEXT,
    company_name TEXT,   -- companies and estates (Erbengemeinschaft) have no surname
    birth_date   TEXT,
    email        TEXT,
    phone        TEXT,
    mobile       TEXT,
    street       TEXT,
    house_no     TEXT,
    postal_code  TEXT,
    city         TEXT,
    anonymised   INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TABLE erp_leases (
    lease_id      INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES erp_clients (client_id),
    lease_no      TEXT NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES erp_units (unit_id),
    start_date    TEXT NOT NULL,
    end_date      TEXT,
    net_cold_rent TEXT,  -- euros, decimal text '845.50'
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

-- Persons of a lease: HM = Hauptmieter (main tenant), MB = Mitbewohner (co-resident),
-- VP = Vertragspartner (contract partner).
CREATE TABLE erp_lease_parties (
    lease_id  INTEGER NOT NULL REFERENCES erp_leases (lease_id),
    person_id INTEGER NOT NULL REFERENCES erp_persons (person_id),
    role      TEXT NOT NULL,
    PRIMARY KEY (lease_id, person_id)
) WITHOUT ROWID;

CREATE TABLE erp_ownerships (
    ownership_id    INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES erp_clients (client_id),
    ownership_no    TEXT NOT NULL,
    unit_id         INTEGER NOT NULL REFERENCES erp_units (unit_id),
    owner_person_id INTEGER NOT NULL REFERENCES erp_persons (person_id),
    start_date      TEXT NOT NULL,
    end_date        TEXT,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

-- Vacancies (Leerstände) offered for letting. Status OFFEN = on the market; VERMIETET and
-- ZURUECKGEZOGEN = ended (the view leaves them out, so the partner is told to remove them).
CREATE TABLE erp_vacancies (
    vacancy_id      INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES erp_units (unit_id),
    status          TEXT NOT NULL,  -- OFFEN, VERMIETET, ZURUECKGEZOGEN
    available_from  TEXT,           -- YYYY-MM-DD
    available_text  TEXT,           -- "sofort", "nach Vereinbarung", …
    net_cold_rent   TEXT,           -- euros, decimal text
    operating_costs TEXT,           -- Betriebskosten-Vorauszahlung
    heating_costs   TEXT,           -- Heizkosten-Vorauszahlung
    total_rent      TEXT,           -- Gesamtmiete as staff typed it (may not add up)
    deposit         TEXT,
    heating_type    TEXT,           -- ZENTRAL, FERN, ETAGE, OFEN, FUSSBODEN
    title           TEXT,
    description     TEXT,
    location_text   TEXT,
    equipment_text  TEXT,
    contact_name    TEXT,
    contact_email   TEXT,
    contact_phone   TEXT,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

-- Documents of a vacancy in the ERP's document store: photos, floor plans, energy
-- certificates. file_path is relative to the document root (`[erp] documents_dir`).
CREATE TABLE erp_vacancy_documents (
    document_id INTEGER PRIMARY KEY,
    vacancy_id  INTEGER NOT NULL REFERENCES erp_vacancies (vacancy_id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,  -- BILD, GRUNDRISS, ENERGIEAUSWEIS, DOKUMENT
    title       TEXT NOT NULL,
    file_path   TEXT NOT NULL
);
