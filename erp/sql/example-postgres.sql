-- Example ERP schema and interface views for PostgreSQL.
--
-- The same base tables as the demo ERP, with real column types (NUMERIC, DATE, TIMESTAMP,
-- BOOLEAN), and the interface views v_* over them. erp/demo-mapping.toml reads these views
-- unchanged. Over a real ERP you write only the views (CREATE VIEW … AS SELECT … FROM <your
-- tables>); see docs/ERP-INTERFACE.md. The integration tests of crates/erp load this file.
--
-- updated_at: timestamptz everywhere except erp_units and erp_buildings, which use a
-- timestamp without time zone holding UTC (as many ERPs do). The views show how to make a row's
-- updated_at cover its lists without triggers: GREATEST over the rows the lists are built from.

CREATE TABLE erp_clients (
    client_id   integer PRIMARY KEY,
    client_no   integer NOT NULL UNIQUE,
    name        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE erp_properties (
    property_id integer PRIMARY KEY,
    client_id   integer NOT NULL REFERENCES erp_clients,
    property_no integer NOT NULL,
    name        text,
    is_weg      boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (client_id, property_no)
);

CREATE TABLE erp_buildings (
    building_id integer PRIMARY KEY,
    property_id integer NOT NULL REFERENCES erp_properties,
    building_no varchar(10) NOT NULL,
    street      varchar(100),
    house_no    varchar(20),
    postal_code char(5),
    city        varchar(100),
    year_built  smallint,
    updated_at  timestamp(0) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    UNIQUE (property_id, building_no)
);

CREATE TABLE erp_units (
    unit_id            integer PRIMARY KEY,
    building_id        integer NOT NULL REFERENCES erp_buildings,
    unit_no            varchar(10) NOT NULL,
    usage_type         varchar(30) NOT NULL,
    rooms              numeric(3, 1),
    floor_text         varchar(60),
    area               numeric(8, 2),
    features           text,
    energy_cert_type   varchar(10),
    energy_value       numeric(6, 1),
    energy_class       varchar(3),
    energy_valid_until date,
    year_built         smallint,
    updated_at         timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    UNIQUE (building_id, unit_no)
);

CREATE TABLE erp_persons (
    person_id    integer PRIMARY KEY,
    client_id    integer NOT NULL REFERENCES erp_clients,
    person_no    bigint NOT NULL,
    salutation   varchar(20),
    title        varchar(30),
    first_name   varchar(100),
    surname      varchar(100),
    company_name varchar(200),
    birth_date   date,
    email        varchar(200),
    phone        varchar(40),
    mobile       varchar(40),
    street       varchar(100),
    house_no     varchar(20),
    postal_code  char(5),
    city         varchar(100),
    anonymised   boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (client_id, person_no)
);

CREATE TABLE erp_leases (
    lease_id      integer PRIMARY KEY,
    client_id     integer NOT NULL REFERENCES erp_clients,
    lease_no      bigint NOT NULL,
    unit_id       integer NOT NULL REFERENCES erp_units,
    start_date    date NOT NULL,
    end_date      date,
    net_cold_rent numeric(10, 2),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (client_id, lease_no)
);
CREATE INDEX ix_leases_unit ON erp_leases (unit_id, start_date);

CREATE TABLE erp_lease_parties (
    lease_id  integer NOT NULL REFERENCES erp_leases,
    person_id integer NOT NULL REFERENCES erp_persons,
    role      char(2) NOT NULL, -- HM, MB, VP
    PRIMARY KEY (lease_id, person_id)
);
CREATE INDEX ix_lease_parties_person ON erp_lease_parties (person_id, lease_id);

CREATE TABLE erp_ownerships (
    ownership_id    integer PRIMARY KEY,
    client_id       integer NOT NULL REFERENCES erp_clients,
    ownership_no    bigint NOT NULL,
    unit_id         integer NOT NULL REFERENCES erp_units,
    owner_person_id integer NOT NULL REFERENCES erp_persons,
    start_date      date NOT NULL,
    end_date        date,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (client_id, ownership_no)
);
CREATE INDEX ix_ownerships_owner ON erp_ownerships (owner_person_id);

-- updated_at follows every UPDATE that does not set it itself.
CREATE FUNCTION erp_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

-- The same for timestamp-without-time-zone columns holding UTC.
CREATE FUNCTION erp_touch_utc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now() AT TIME ZONE 'UTC';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER trg_erp_clients_touch BEFORE UPDATE ON erp_clients
    FOR EACH ROW EXECUTE FUNCTION erp_touch();
CREATE TRIGGER trg_erp_properties_touch BEFORE UPDATE ON erp_properties
    FOR EACH ROW EXECUTE FUNCTION erp_touch();
CREATE TRIGGER trg_erp_buildings_touch BEFORE UPDATE ON erp_buildings
    FOR EACH ROW EXECUTE FUNCTION erp_touch_utc();
CREATE TRIGGER trg_erp_units_touch BEFORE UPDATE ON erp_units
    FOR EACH ROW EXECUTE FUNCTION erp_touch_utc();
CREATE TRIGGER trg_erp_persons_touch BEFORE UPDATE ON erp_persons
    FOR EACH ROW EXECUTE FUNCTION erp_touch();
CREATE TRIGGER trg_erp_leases_touch BEFORE UPDATE ON erp_leases
    FOR EACH ROW EXECUTE FUNCTION erp_touch();
CREATE TRIGGER trg_erp_ownerships_touch BEFORE UPDATE ON erp_ownerships
    FOR EACH ROW EXECUTE FUNCTION erp_touch();

CREATE TABLE erp_vacancies (
    vacancy_id      integer PRIMARY KEY,
    unit_id         integer NOT NULL REFERENCES erp_units,
    status          varchar(20) NOT NULL,  -- OFFEN, VERMIETET, ZURUECKGEZOGEN
    available_from  date,
    available_text  varchar(60),
    net_cold_rent   numeric(10, 2),
    operating_costs numeric(10, 2),
    heating_costs   numeric(10, 2),
    total_rent      numeric(10, 2),
    deposit         numeric(10, 2),
    heating_type    varchar(12),
    title           varchar(200),
    description     text,
    location_text   text,
    equipment_text  text,
    contact_name    varchar(100),
    contact_email   varchar(200),
    contact_phone   varchar(40),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_vacancies_unit ON erp_vacancies (unit_id, status);

CREATE TABLE erp_vacancy_documents (
    document_id integer PRIMARY KEY,
    vacancy_id  integer NOT NULL REFERENCES erp_vacancies,
    seq         integer NOT NULL,
    kind        varchar(20) NOT NULL,
    title       varchar(200) NOT NULL,
    file_path   varchar(500) NOT NULL
);
CREATE INDEX ix_vacancy_documents ON erp_vacancy_documents (vacancy_id, seq);

CREATE TRIGGER trg_erp_vacancies_touch BEFORE UPDATE ON erp_vacancies
    FOR EACH ROW EXECUTE FUNCTION erp_touch();

-- ---------------------------------------------------------------------------------------------
-- The ERP interface views.

CREATE VIEW v_clients AS
SELECT c.client_no, c.name, c.updated_at
FROM erp_clients c;

CREATE VIEW v_properties AS
SELECT c.client_no, p.property_no, p.name, p.updated_at
FROM erp_properties p
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_buildings AS
SELECT c.client_no, p.property_no, b.building_no, b.street, b.house_no, b.postal_code, b.city,
       b.year_built, b.updated_at
FROM erp_buildings b
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_units AS
SELECT c.client_no, p.property_no, b.building_no, u.unit_no, u.usage_type, u.rooms,
       u.floor_text, u.area, u.features, u.energy_cert_type, u.energy_value, u.energy_class,
       u.energy_valid_until,
       coalesce(u.year_built, b.year_built) AS year_built,
       (SELECT string_agg(l.lease_no || ':main_tenant:' || to_char(l.start_date, 'YYYY-MM-DD')
                          || ':' || coalesce(to_char(l.end_date, 'YYYY-MM-DD'), ''),
                          ';' ORDER BY l.start_date)
          FROM erp_leases l
         WHERE l.unit_id = u.unit_id) AS tenancies,
       -- timestamp (UTC) → timestamptz, then the latest change of the unit or its leases.
       GREATEST(u.updated_at AT TIME ZONE 'UTC',
                (SELECT max(l.updated_at) FROM erp_leases l WHERE l.unit_id = u.unit_id))
           AS updated_at
FROM erp_units u
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_persons AS
SELECT c.client_no, pe.person_no, pe.salutation, pe.title, pe.first_name, pe.surname,
       pe.company_name, pe.birth_date, pe.email, pe.phone, pe.mobile, pe.street, pe.house_no,
       pe.postal_code, pe.city, pe.anonymised,
       (SELECT string_agg(l.lease_no || ':'
                          || CASE lp.role WHEN 'HM' THEN 'main_tenant'
                                          WHEN 'MB' THEN 'co_resident'
                                          WHEN 'VP' THEN 'contract_partner'
                                          ELSE lp.role END
                          || ':' || to_char(l.start_date, 'YYYY-MM-DD')
                          || ':' || coalesce(to_char(l.end_date, 'YYYY-MM-DD'), ''),
                          ';' ORDER BY l.start_date)
          FROM erp_lease_parties lp
          JOIN erp_leases l ON l.lease_id = lp.lease_id
         WHERE lp.person_id = pe.person_id) AS tenancies,
       (SELECT string_agg(o.ownership_no::text, ';' ORDER BY o.ownership_no)
          FROM erp_ownerships o
         WHERE o.owner_person_id = pe.person_id) AS ownerships,
       GREATEST(pe.updated_at,
                (SELECT max(l.updated_at)
                   FROM erp_lease_parties lp
                   JOIN erp_leases l ON l.lease_id = lp.lease_id
                  WHERE lp.person_id = pe.person_id),
                (SELECT max(o.updated_at)
                   FROM erp_ownerships o
                  WHERE o.owner_person_id = pe.person_id)) AS updated_at
FROM erp_persons pe
JOIN erp_clients c ON c.client_id = pe.client_id;

CREATE VIEW v_leases AS
SELECT c.client_no, l.lease_no, p.property_no, b.building_no, u.unit_no, l.start_date,
       l.end_date, l.net_cold_rent,
       (SELECT string_agg(pe.person_no || ':'
                          || CASE lp.role WHEN 'HM' THEN 'main_tenant'
                                          WHEN 'MB' THEN 'co_resident'
                                          WHEN 'VP' THEN 'contract_partner'
                                          ELSE lp.role END,
                          ';' ORDER BY CASE lp.role WHEN 'HM' THEN 0 WHEN 'MB' THEN 1 ELSE 2 END,
                                   pe.person_no)
          FROM erp_lease_parties lp
          JOIN erp_persons pe ON pe.person_id = lp.person_id
         WHERE lp.lease_id = l.lease_id) AS parties,
       l.updated_at
FROM erp_leases l
JOIN erp_units u ON u.unit_id = l.unit_id
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_ownerships AS
SELECT c.client_no, o.ownership_no, p.property_no, b.building_no, u.unit_no,
       pe.person_no AS owner_person_no, o.start_date, o.end_date, o.updated_at
FROM erp_ownerships o
JOIN erp_units u ON u.unit_id = o.unit_id
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_persons pe ON pe.person_id = o.owner_person_id
JOIN erp_clients c ON c.client_id = p.client_id;

-- Open vacancies with their unit's facts; documents one per line as KIND|title|path.
CREATE VIEW v_vacancies AS
SELECT c.client_no, p.property_no, b.building_no, u.unit_no, u.usage_type, u.rooms,
       u.floor_text, u.area, u.features, u.energy_cert_type, u.energy_value, u.energy_class,
       u.energy_valid_until,
       coalesce(u.year_built, b.year_built) AS year_built,
       b.street, b.house_no, b.postal_code, b.city,
       v.available_from, v.available_text, v.net_cold_rent, v.operating_costs,
       v.heating_costs, v.total_rent, v.deposit, v.heating_type, v.title, v.description,
       v.location_text, v.equipment_text, v.contact_name, v.contact_email, v.contact_phone,
       (SELECT string_agg(d.kind || '|' || d.title || '|' || d.file_path, chr(10)
                          ORDER BY d.seq)
          FROM erp_vacancy_documents d
         WHERE d.vacancy_id = v.vacancy_id) AS attachments,
       GREATEST(v.updated_at, u.updated_at AT TIME ZONE 'UTC', b.updated_at AT TIME ZONE 'UTC')
           AS updated_at
FROM erp_vacancies v
JOIN erp_units u ON u.unit_id = v.unit_id
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id
WHERE v.status = 'OFFEN';

-- Interface table immohub writes into (docs/ERP-INTERFACE.md, "Interface tables"): prospects
-- sent in by partners. The ERP's import reads rows with import_status 'neu' and fills the
-- import columns. external_ref is unique: a repeated write finds the existing row (GEN-11);
-- technical_user is the partner's technical ERP user (GEN-3). Give immohub's database user
-- INSERT and SELECT on this table only.
CREATE TABLE immohub_in_prospects (
    id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    external_ref   varchar(255) NOT NULL UNIQUE,
    technical_user varchar(20) NOT NULL CHECK (technical_user <> ''),
    partner        varchar(100) NOT NULL,
    received_at    timestamptz NOT NULL,
    written_at     timestamptz NOT NULL DEFAULT now(),
    unit_id        varchar(100) NOT NULL,
    client_no      varchar(30) NOT NULL,
    property_no    varchar(30) NOT NULL,
    building_no    varchar(30) NOT NULL,
    unit_no        varchar(30) NOT NULL,
    salutation     varchar(30),
    first_name     varchar(100),
    surname        varchar(100) NOT NULL,
    birth_date     date,
    email          varchar(200),
    phone          varchar(40),
    street         varchar(100),
    house_no       varchar(20),
    postal_code    varchar(10),
    city           varchar(100),
    country        char(2),
    message        text,
    source         varchar(20) NOT NULL,
    payload_hash   varchar(64) NOT NULL,
    linked_person_no varchar(30),
    match_score    varchar(10),
    match_note     text,
    import_status  varchar(20) NOT NULL DEFAULT 'neu',
    import_message text,
    person_no      varchar(30),
    offer_no       varchar(30),
    imported_at    timestamptz
);
CREATE INDEX immohub_in_prospects_open ON immohub_in_prospects (import_status, id);

-- Interface table for share-room tracking (SHR-7, SHR-10): one activity per event, unique by
-- external_ref ('share-event:<id>'). Give immohub's database user INSERT and SELECT.
CREATE TABLE immohub_in_activities (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    external_ref    varchar(255) NOT NULL UNIQUE,
    technical_user  varchar(20) NOT NULL CHECK (technical_user <> ''),
    activity_type   varchar(40) NOT NULL,
    occurred_at     timestamptz NOT NULL,
    written_at      timestamptz NOT NULL DEFAULT now(),
    object_kind     varchar(20) NOT NULL,
    object_id       varchar(100) NOT NULL,
    room_title      varchar(200) NOT NULL,
    recipient_kind  varchar(20) NOT NULL,
    recipient_ref   varchar(255),
    recipient_name  varchar(200) NOT NULL,
    recipient_email varchar(200),
    file_name       varchar(200),
    description     text NOT NULL,
    import_status   varchar(20) NOT NULL DEFAULT 'neu',
    import_message  text,
    imported_at     timestamptz
);
CREATE INDEX immohub_in_activities_open ON immohub_in_activities (import_status, id);

-- Interface tables for tenants accepted at a partner without a lease yet (TEN-1, TEN-2): the
-- main tenant (one row, becomes the business partner) and the dossier's files. Give immohub's
-- database user INSERT and SELECT; the dossier files go to the ERP's dossier directory.
CREATE TABLE immohub_in_tenants (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    external_ref     varchar(255) NOT NULL UNIQUE,
    technical_user   varchar(20) NOT NULL CHECK (technical_user <> ''),
    partner          varchar(100) NOT NULL,
    received_at      timestamptz NOT NULL,
    written_at       timestamptz NOT NULL DEFAULT now(),
    unit_id          varchar(100) NOT NULL,
    client_no        varchar(20) NOT NULL,
    property_no      varchar(20) NOT NULL,
    building_no      varchar(20) NOT NULL,
    unit_no          varchar(20) NOT NULL,
    salutation       varchar(30),
    first_name       varchar(100),
    surname          varchar(100) NOT NULL,
    birth_date       date,
    email            varchar(200),
    phone            varchar(40),
    street           varchar(100),
    house_no         varchar(20),
    postal_code      varchar(10),
    city             varchar(100),
    country          char(2),
    message          text,
    move_in          date,
    household        text NOT NULL,
    household_count  bigint NOT NULL,
    document_count   bigint NOT NULL,
    dossier_path     varchar(200) NOT NULL,
    source           varchar(20) NOT NULL,
    payload_hash     varchar(64) NOT NULL,
    linked_person_no varchar(20),
    match_score      varchar(10),
    match_note       text,
    import_status    varchar(20) NOT NULL DEFAULT 'neu',
    import_message   text,
    person_no        varchar(20),
    imported_at      timestamptz
);
CREATE INDEX immohub_in_tenants_open ON immohub_in_tenants (import_status, id);
CREATE TABLE immohub_in_tenant_documents (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_ref   varchar(255) NOT NULL REFERENCES immohub_in_tenants (external_ref),
    position     bigint NOT NULL,
    kind         varchar(20) NOT NULL,
    kind_label   varchar(40) NOT NULL,
    file_name    varchar(200) NOT NULL,
    content_type varchar(100),
    size_bytes   bigint NOT NULL,
    sha256       char(64) NOT NULL,
    path         varchar(400) NOT NULL,
    UNIQUE (tenant_ref, position)
);
