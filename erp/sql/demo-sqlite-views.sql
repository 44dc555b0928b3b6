-- Demo ERP (SQLite): the ERP interface views (docs/ERP-INTERFACE.md).
--
-- One view per entity, column names as the interface defines them. List columns (tenancies,
-- parties, ownerships) are built with correlated subqueries over covering indexes, so SQLite
-- streams each view in one pass over its driving table. updated_at is the latest change of
-- anything a row shows: the demo's triggers (demo-sqlite-indexes.sql) touch a unit when one of
-- its leases changes, and a person when a lease or ownership of theirs changes.

CREATE VIEW v_clients AS
SELECT c.client_no,
       c.name,
       c.updated_at
FROM erp_clients c;

CREATE VIEW v_properties AS
SELECT c.client_no,
       p.property_no,
       p.name,
       p.updated_at
FROM erp_properties p
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_buildings AS
SELECT c.client_no,
       p.property_no,
       b.building_no,
       b.street,
       b.house_no,
       b.postal_code,
       b.city,
       b.year_built,
       b.updated_at
FROM erp_buildings b
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_units AS
SELECT c.client_no,
       p.property_no,
       b.building_no,
       u.unit_no,
       u.usage_type,
       u.rooms,
       u.floor_text,
       u.area,
       u.features,
       u.energy_cert_type,
       u.energy_value,
       u.energy_class,
       u.energy_valid_until,
       coalesce(u.year_built, b.year_built) AS year_built,
       (SELECT group_concat(l.lease_no || ':main_tenant:' || l.start_date || ':'
                            || coalesce(l.end_date, ''), ';')
          FROM erp_leases l
         WHERE l.unit_id = u.unit_id) AS tenancies,
       u.updated_at
FROM erp_units u
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id;

CREATE VIEW v_persons AS
SELECT c.client_no,
       pe.person_no,
       pe.salutation,
       pe.title,
       pe.first_name,
       pe.surname,
       pe.company_name,
       pe.birth_date,
       pe.email,
       pe.phone,
       pe.mobile,
       pe.street,
       pe.house_no,
       pe.postal_code,
       pe.city,
       pe.anonymised,
       (SELECT group_concat(l.lease_no || ':'
                            || CASE lp.role WHEN 'HM' THEN 'main_tenant'
                                            WHEN 'MB' THEN 'co_resident'
                                            WHEN 'VP' THEN 'contract_partner'
                                            ELSE lp.role END
                            || ':' || l.start_date || ':' || coalesce(l.end_date, ''), ';')
          FROM erp_lease_parties lp
          JOIN erp_leases l ON l.lease_id = lp.lease_id
         WHERE lp.person_id = pe.person_id) AS tenancies,
       (SELECT group_concat(o.ownership_no, ';')
          FROM erp_ownerships o
         WHERE o.owner_person_id = pe.person_id) AS ownerships,
       pe.updated_at
FROM erp_persons pe
JOIN erp_clients c ON c.client_id = pe.client_id;

CREATE VIEW v_leases AS
SELECT c.client_no,
       l.lease_no,
       p.property_no,
       b.building_no,
       u.unit_no,
       l.start_date,
       l.end_date,
       l.net_cold_rent,
       (SELECT group_concat(pe.person_no || ':'
                            || CASE lp.role WHEN 'HM' THEN 'main_tenant'
                                            WHEN 'MB' THEN 'co_resident'
                                            WHEN 'VP' THEN 'contract_partner'
                                            ELSE lp.role END, ';')
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
SELECT c.client_no,
       o.ownership_no,
       p.property_no,
       b.building_no,
       u.unit_no,
       pe.person_no AS owner_person_no,
       o.start_date,
       o.end_date,
       o.updated_at
FROM erp_ownerships o
JOIN erp_units u ON u.unit_id = o.unit_id
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_persons pe ON pe.person_id = o.owner_person_id
JOIN erp_clients c ON c.client_id = p.client_id;

-- Open vacancies (VAC-2) with the unit's facts. A vacancy that ended (let or withdrawn) leaves
-- the view, and immohub tells the partner to remove the listing (VAC-6).
-- attachments: one line per document, `KIND|title|path` (path relative to the document root).
CREATE VIEW v_vacancies AS
SELECT c.client_no,
       p.property_no,
       b.building_no,
       u.unit_no,
       u.usage_type,
       u.rooms,
       u.floor_text,
       u.area,
       u.features,
       u.energy_cert_type,
       u.energy_value,
       u.energy_class,
       u.energy_valid_until,
       coalesce(u.year_built, b.year_built) AS year_built,
       b.street,
       b.house_no,
       b.postal_code,
       b.city,
       v.available_from,
       v.available_text,
       v.net_cold_rent,
       v.operating_costs,
       v.heating_costs,
       v.total_rent,
       v.deposit,
       v.heating_type,
       v.title,
       v.description,
       v.location_text,
       v.equipment_text,
       v.contact_name,
       v.contact_email,
       v.contact_phone,
       (SELECT group_concat(d.kind || '|' || d.title || '|' || d.file_path, char(10))
          FROM (SELECT kind, title, file_path FROM erp_vacancy_documents
                 WHERE vacancy_id = v.vacancy_id ORDER BY seq) d) AS attachments,
       max(v.updated_at, u.updated_at, b.updated_at) AS updated_at
FROM erp_vacancies v
JOIN erp_units u ON u.unit_id = v.unit_id
JOIN erp_buildings b ON b.building_id = u.building_id
JOIN erp_properties p ON p.property_id = b.property_id
JOIN erp_clients c ON c.client_id = p.client_id
WHERE v.status = 'OFFEN';
