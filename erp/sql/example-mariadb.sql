-- Example ERP schema and interface views for MariaDB / MySQL.
--
-- The same base tables as the demo ERP, with real column types (DECIMAL, DATE, DATETIME,
-- TIMESTAMP, TINYINT(1)), and the interface views v_* over them. erp/demo-mapping.toml reads
-- these views unchanged. Over a real ERP you write only the views; see docs/ERP-INTERFACE.md.
-- The integration tests of crates/erp load this file.
--
-- immohub reads with time_zone = '+00:00': TIMESTAMP columns arrive in UTC, DATETIME columns are
-- taken as UTC (convert local times in the view with CONVERT_TZ). It also raises
-- group_concat_max_len, which cuts lists at 1024 bytes by default.
-- updated_at is maintained by ON UPDATE CURRENT_TIMESTAMP; the views take the GREATEST over the
-- rows a list is built from (COALESCE, because GREATEST is NULL if any argument is).

CREATE TABLE erp_clients (
    client_id   INT PRIMARY KEY,
    client_no   INT NOT NULL UNIQUE,
    name        VARCHAR(200) NOT NULL,
    updated_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_properties (
    property_id INT PRIMARY KEY,
    client_id   INT NOT NULL,
    property_no INT NOT NULL,
    name        VARCHAR(200),
    is_weg      TINYINT(1) NOT NULL DEFAULT 0,
    updated_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY (client_id, property_no),
    FOREIGN KEY (client_id) REFERENCES erp_clients (client_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_buildings (
    building_id INT PRIMARY KEY,
    property_id INT NOT NULL,
    building_no VARCHAR(10) NOT NULL,
    street      VARCHAR(100),
    house_no    VARCHAR(20),
    postal_code CHAR(5),
    city        VARCHAR(100),
    year_built  SMALLINT,
    updated_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY (property_id, building_no),
    FOREIGN KEY (property_id) REFERENCES erp_properties (property_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_units (
    unit_id            INT PRIMARY KEY,
    building_id        INT NOT NULL,
    unit_no            VARCHAR(10) NOT NULL,
    usage_type         VARCHAR(30) NOT NULL,
    rooms              DECIMAL(3, 1),
    floor_text         VARCHAR(60),
    area               DECIMAL(8, 2),
    features           TEXT,
    energy_cert_type   VARCHAR(10),
    energy_value       DECIMAL(6, 1),
    energy_class       VARCHAR(3),
    energy_valid_until DATE,
    year_built         SMALLINT,
    updated_at         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
                           ON UPDATE CURRENT_TIMESTAMP(3),
    UNIQUE KEY (building_id, unit_no),
    FOREIGN KEY (building_id) REFERENCES erp_buildings (building_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_persons (
    person_id    INT PRIMARY KEY,
    client_id    INT NOT NULL,
    person_no    BIGINT UNSIGNED NOT NULL,
    salutation   VARCHAR(20),
    title        VARCHAR(30),
    first_name   VARCHAR(100),
    surname      VARCHAR(100),
    company_name VARCHAR(200),
    birth_date   DATE,
    email        VARCHAR(200),
    phone        VARCHAR(40),
    mobile       VARCHAR(40),
    street       VARCHAR(100),
    house_no     VARCHAR(20),
    postal_code  CHAR(5),
    city         VARCHAR(100),
    anonymised   TINYINT(1) NOT NULL DEFAULT 0,
    updated_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY (client_id, person_no),
    FOREIGN KEY (client_id) REFERENCES erp_clients (client_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_leases (
    lease_id      INT PRIMARY KEY,
    client_id     INT NOT NULL,
    lease_no      BIGINT NOT NULL,
    unit_id       INT NOT NULL,
    start_date    DATE NOT NULL,
    end_date      DATE,
    net_cold_rent DECIMAL(10, 2),
    updated_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY (client_id, lease_no),
    KEY ix_leases_unit (unit_id, start_date),
    FOREIGN KEY (unit_id) REFERENCES erp_units (unit_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_lease_parties (
    lease_id  INT NOT NULL,
    person_id INT NOT NULL,
    role      CHAR(2) NOT NULL,
    PRIMARY KEY (lease_id, person_id),
    KEY ix_lease_parties_person (person_id, lease_id),
    FOREIGN KEY (lease_id) REFERENCES erp_leases (lease_id),
    FOREIGN KEY (person_id) REFERENCES erp_persons (person_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_ownerships (
    ownership_id    INT PRIMARY KEY,
    client_id       INT NOT NULL,
    ownership_no    BIGINT NOT NULL,
    unit_id         INT NOT NULL,
    owner_person_id INT NOT NULL,
    start_date      DATE NOT NULL,
    end_date        DATE,
    updated_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY (client_id, ownership_no),
    KEY ix_ownerships_owner (owner_person_id),
    FOREIGN KEY (unit_id) REFERENCES erp_units (unit_id),
    FOREIGN KEY (owner_person_id) REFERENCES erp_persons (person_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_vacancies (
    vacancy_id      INT PRIMARY KEY,
    unit_id         INT NOT NULL,
    status          VARCHAR(20) NOT NULL,
    available_from  DATE,
    available_text  VARCHAR(60),
    net_cold_rent   DECIMAL(10, 2),
    operating_costs DECIMAL(10, 2),
    heating_costs   DECIMAL(10, 2),
    total_rent      DECIMAL(10, 2),
    deposit         DECIMAL(10, 2),
    heating_type    VARCHAR(12),
    title           VARCHAR(200),
    description     TEXT,
    location_text   TEXT,
    equipment_text  TEXT,
    contact_name    VARCHAR(100),
    contact_email   VARCHAR(200),
    contact_phone   VARCHAR(40),
    updated_at      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
                        ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_vacancies_unit (unit_id, status),
    FOREIGN KEY (unit_id) REFERENCES erp_units (unit_id)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE erp_vacancy_documents (
    document_id INT PRIMARY KEY,
    vacancy_id  INT NOT NULL,
    seq         INT NOT NULL,
    kind        VARCHAR(20) NOT NULL,
    title       VARCHAR(200) NOT NULL,
    file_path   VARCHAR(500) NOT NULL,
    KEY ix_vacancy_documents (vacancy_id, seq),
    FOREIGN KEY (vacancy_id) REFERENCES erp_vacancies (vacancy_id)
) DEFAULT CHARSET = utf8mb4;

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
       COALESCE(u.year_built, b.year_built) AS year_built,
       (SELECT GROUP_CONCAT(CONCAT(l.lease_no, ':main_tenant:',
                                   DATE_FORMAT(l.start_date, '%Y-%m-%d'), ':',
                                   COALESCE(DATE_FORMAT(l.end_date, '%Y-%m-%d'), ''))
                            ORDER BY l.start_date SEPARATOR ';')
          FROM erp_leases l
         WHERE l.unit_id = u.unit_id) AS tenancies,
       GREATEST(u.updated_at,
                COALESCE((SELECT MAX(l.updated_at) FROM erp_leases l
                           WHERE l.unit_id = u.unit_id), u.updated_at)) AS updated_at
FROM erp_units u
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_persons AS
SELECT c.client_no, pe.person_no, pe.salutation, pe.title, pe.first_name, pe.surname,
       pe.company_name, pe.birth_date, pe.email, pe.phone, pe.mobile, pe.street, pe.house_no,
       pe.postal_code, pe.city, pe.anonymised,
       (SELECT GROUP_CONCAT(CONCAT(l.lease_no, ':',
                                   CASE lp.role WHEN 'HM' THEN 'main_tenant'
                                                WHEN 'MB' THEN 'co_resident'
                                                WHEN 'VP' THEN 'contract_partner'
                                                ELSE lp.role END, ':',
                                   DATE_FORMAT(l.start_date, '%Y-%m-%d'), ':',
                                   COALESCE(DATE_FORMAT(l.end_date, '%Y-%m-%d'), ''))
                            ORDER BY l.start_date SEPARATOR ';')
          FROM erp_lease_parties lp
          JOIN erp_leases l ON l.lease_id = lp.lease_id
         WHERE lp.person_id = pe.person_id) AS tenancies,
       (SELECT GROUP_CONCAT(o.ownership_no ORDER BY o.ownership_no SEPARATOR ';')
          FROM erp_ownerships o
         WHERE o.owner_person_id = pe.person_id) AS ownerships,
       GREATEST(pe.updated_at,
                COALESCE((SELECT MAX(l.updated_at)
                            FROM erp_lease_parties lp
                            JOIN erp_leases l ON l.lease_id = lp.lease_id
                           WHERE lp.person_id = pe.person_id), pe.updated_at),
                COALESCE((SELECT MAX(o.updated_at)
                            FROM erp_ownerships o
                           WHERE o.owner_person_id = pe.person_id), pe.updated_at))
           AS updated_at
FROM erp_persons pe
JOIN erp_clients c ON c.client_id = pe.client_id;

CREATE VIEW v_leases AS
SELECT c.client_no, l.lease_no, p.property_no, b.building_no, u.unit_no, l.start_date,
       l.end_date, l.net_cold_rent,
       (SELECT GROUP_CONCAT(CONCAT(pe.person_no, ':',
                                   CASE lp.role WHEN 'HM' THEN 'main_tenant'
                                                WHEN 'MB' THEN 'co_resident'
                                                WHEN 'VP' THEN 'contract_partner'
                                                ELSE lp.role END)
                            ORDER BY CASE lp.role WHEN 'HM' THEN 0 WHEN 'MB' THEN 1 ELSE 2 END,
                                     pe.person_no SEPARATOR ';')
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
       COALESCE(u.year_built, b.year_built) AS year_built,
       b.street, b.house_no, b.postal_code, b.city,
       v.available_from, v.available_text, v.net_cold_rent, v.operating_costs,
       v.heating_costs, v.total_rent, v.deposit, v.heating_type, v.title, v.description,
       v.location_text, v.equipment_text, v.contact_name, v.contact_email, v.contact_phone,
       (SELECT GROUP_CONCAT(CONCAT(d.kind, '|', d.title, '|', d.file_path)
                            ORDER BY d.seq SEPARATOR '\n')
          FROM erp_vacancy_documents d
         WHERE d.vacancy_id = v.vacancy_id) AS attachments,
       GREATEST(v.updated_at, u.updated_at, b.updated_at) AS updated_at
FROM erp_vacancies v
JOIN erp_units u ON u.unit_id = v.unit_id
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id
WHERE v.status = 'OFFEN';

-- Interface table immohub writes into (docs/ERP-INTERFACE.md, "Interface tables"): prospects
-- sent in by partners. The ERP's import reads rows with import_status 'neu' and fills the
-- import columns. external_ref is unique: a repeated write finds the existing row (GEN-11);
-- technical_user is the partner's technical ERP user (GEN-3). Times are UTC (immohub's session
-- runs with time_zone '+00:00'). Give immohub's database user INSERT and SELECT on this table.
CREATE TABLE immohub_in_prospects (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    external_ref   VARCHAR(255) NOT NULL UNIQUE,
    technical_user VARCHAR(20) NOT NULL CHECK (technical_user <> ''),
    partner        VARCHAR(100) NOT NULL,
    received_at    DATETIME(6) NOT NULL,
    written_at     DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    unit_id        VARCHAR(100) NOT NULL,
    client_no      VARCHAR(30) NOT NULL,
    property_no    VARCHAR(30) NOT NULL,
    building_no    VARCHAR(30) NOT NULL,
    unit_no        VARCHAR(30) NOT NULL,
    salutation     VARCHAR(30),
    first_name     VARCHAR(100),
    surname        VARCHAR(100) NOT NULL,
    birth_date     DATE,
    email          VARCHAR(200),
    phone          VARCHAR(40),
    street         VARCHAR(100),
    house_no       VARCHAR(20),
    postal_code    VARCHAR(10),
    city           VARCHAR(100),
    country        CHAR(2),
    message        TEXT,
    source         VARCHAR(20) NOT NULL,
    payload_hash   VARCHAR(64) NOT NULL,
    linked_person_no VARCHAR(30),
    match_score    VARCHAR(10),
    match_note     TEXT,
    import_status  VARCHAR(20) NOT NULL DEFAULT 'neu',
    import_message TEXT,
    person_no      VARCHAR(30),
    offer_no       VARCHAR(30),
    imported_at    DATETIME(6),
    KEY immohub_in_prospects_open (import_status, id)
) DEFAULT CHARSET = utf8mb4;

-- Interface table for share-room tracking (SHR-7, SHR-10): one activity per event, unique by
-- external_ref ('share-event:<id>'). Times UTC. Give immohub's database user INSERT and SELECT.
CREATE TABLE immohub_in_activities (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    external_ref    VARCHAR(255) NOT NULL UNIQUE,
    technical_user  VARCHAR(20) NOT NULL CHECK (technical_user <> ''),
    activity_type   VARCHAR(40) NOT NULL,
    occurred_at     DATETIME(6) NOT NULL,
    written_at      DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    object_kind     VARCHAR(20) NOT NULL,
    object_id       VARCHAR(100) NOT NULL,
    room_title      VARCHAR(200) NOT NULL,
    recipient_kind  VARCHAR(20) NOT NULL,
    recipient_ref   VARCHAR(255),
    recipient_name  VARCHAR(200) NOT NULL,
    recipient_email VARCHAR(200),
    file_name       VARCHAR(200),
    description     TEXT NOT NULL,
    import_status   VARCHAR(20) NOT NULL DEFAULT 'neu',
    import_message  TEXT,
    imported_at     DATETIME(6),
    KEY immohub_in_activities_open (import_status, id)
) DEFAULT CHARSET = utf8mb4;

-- Interface tables for tenants accepted at a partner without a lease yet (TEN-1, TEN-2).
CREATE TABLE immohub_in_tenants (
    id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    external_ref     VARCHAR(255) NOT NULL UNIQUE,
    technical_user   VARCHAR(20) NOT NULL CHECK (technical_user <> ''),
    partner          VARCHAR(100) NOT NULL,
    received_at      DATETIME(6) NOT NULL,
    written_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    unit_id          VARCHAR(100) NOT NULL,
    client_no        VARCHAR(20) NOT NULL,
    property_no      VARCHAR(20) NOT NULL,
    building_no      VARCHAR(20) NOT NULL,
    unit_no          VARCHAR(20) NOT NULL,
    salutation       VARCHAR(30),
    first_name       VARCHAR(100),
    surname          VARCHAR(100) NOT NULL,
    birth_date       DATE,
    email            VARCHAR(200),
    phone            VARCHAR(40),
    street           VARCHAR(100),
    house_no         VARCHAR(20),
    postal_code      VARCHAR(10),
    city             VARCHAR(100),
    country          CHAR(2),
    message          TEXT,
    move_in          DATE,
    household        TEXT NOT NULL,
    household_count  BIGINT NOT NULL,
    document_count   BIGINT NOT NULL,
    dossier_path     VARCHAR(200) NOT NULL,
    source           VARCHAR(20) NOT NULL,
    payload_hash     VARCHAR(64) NOT NULL,
    linked_person_no VARCHAR(20),
    match_score      VARCHAR(10),
    match_note       TEXT,
    import_status    VARCHAR(20) NOT NULL DEFAULT 'neu',
    import_message   TEXT,
    person_no        VARCHAR(20),
    imported_at      DATETIME(6),
    KEY immohub_in_tenants_open (import_status, id)
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE immohub_in_tenant_documents (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    tenant_ref   VARCHAR(255) NOT NULL,
    position     BIGINT NOT NULL,
    kind         VARCHAR(20) NOT NULL,
    kind_label   VARCHAR(40) NOT NULL,
    file_name    VARCHAR(200) NOT NULL,
    content_type VARCHAR(100),
    size_bytes   BIGINT NOT NULL,
    sha256       CHAR(64) NOT NULL,
    path         VARCHAR(400) NOT NULL,
    UNIQUE KEY immohub_in_tenant_documents_pos (tenant_ref, position),
    FOREIGN KEY (tenant_ref) REFERENCES immohub_in_tenants (external_ref)
) DEFAULT CHARSET = utf8mb4;
