-- Demo ERP (SQLite): indexes and change-timestamp triggers, created after the bulk load.

-- ERP numbers are unique per parent.
CREATE UNIQUE INDEX ux_clients_no ON erp_clients (client_no);
CREATE UNIQUE INDEX ux_properties_no ON erp_properties (client_id, property_no);
CREATE UNIQUE INDEX ux_buildings_no ON erp_buildings (property_id, building_no);
CREATE UNIQUE INDEX ux_units_no ON erp_units (building_id, unit_no);
CREATE UNIQUE INDEX ux_persons_no ON erp_persons (client_id, person_no);
CREATE UNIQUE INDEX ux_leases_no ON erp_leases (client_id, lease_no);
CREATE UNIQUE INDEX ux_ownerships_no ON erp_ownerships (client_id, ownership_no);

-- The views aggregate per unit and per person with correlated subqueries; these indexes cover
-- them, so each list is one index range read (no table lookups, no sorting).
CREATE INDEX ix_leases_unit ON erp_leases (unit_id, start_date, lease_no, end_date);
CREATE INDEX ix_lease_parties_person ON erp_lease_parties (person_id, lease_id, role);
CREATE INDEX ix_ownerships_unit ON erp_ownerships (unit_id);
CREATE INDEX ix_ownerships_owner ON erp_ownerships (owner_person_id, ownership_no);
CREATE INDEX ix_vacancies_unit ON erp_vacancies (unit_id, status);
CREATE INDEX ix_vacancy_documents ON erp_vacancy_documents (vacancy_id, seq, kind, title, file_path);

-- updated_at follows every UPDATE (unless the statement sets updated_at itself).

CREATE TRIGGER trg_erp_clients_touch AFTER UPDATE ON erp_clients FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_clients SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE client_id = NEW.client_id;
END;

CREATE TRIGGER trg_erp_properties_touch AFTER UPDATE ON erp_properties FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_properties SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE property_id = NEW.property_id;
END;

CREATE TRIGGER trg_erp_buildings_touch AFTER UPDATE ON erp_buildings FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_buildings SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE building_id = NEW.building_id;
END;

CREATE TRIGGER trg_erp_units_touch AFTER UPDATE ON erp_units FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_units SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE unit_id = NEW.unit_id;
END;

CREATE TRIGGER trg_erp_persons_touch AFTER UPDATE ON erp_persons FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE person_id = NEW.person_id;
END;

CREATE TRIGGER trg_erp_leases_touch AFTER UPDATE ON erp_leases FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_leases SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE lease_id = NEW.lease_id;
END;

CREATE TRIGGER trg_erp_ownerships_touch AFTER UPDATE ON erp_ownerships FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_ownerships SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE ownership_id = NEW.ownership_id;
END;

-- updated_at of a unit or person is the time of the last change of anything its view row shows,
-- so changes of leases, lease parties and ownerships also touch the units and persons they list.
-- (Over a real ERP without such stamps, compute the maximum in the view instead; see
-- docs/ERP-INTERFACE.md.)

CREATE TRIGGER trg_erp_leases_insert_propagate AFTER INSERT ON erp_leases FOR EACH ROW
BEGIN
    UPDATE erp_units SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE unit_id = NEW.unit_id;
END;

CREATE TRIGGER trg_erp_leases_update_propagate AFTER UPDATE ON erp_leases FOR EACH ROW
BEGIN
    UPDATE erp_units SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE unit_id IN (OLD.unit_id, NEW.unit_id);
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE person_id IN (SELECT person_id FROM erp_lease_parties WHERE lease_id = NEW.lease_id);
END;

CREATE TRIGGER trg_erp_leases_delete_propagate AFTER DELETE ON erp_leases FOR EACH ROW
BEGIN
    UPDATE erp_units SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE unit_id = OLD.unit_id;
END;

-- Adding or removing a person of a lease changes the lease and that person.
CREATE TRIGGER trg_erp_lease_parties_insert AFTER INSERT ON erp_lease_parties FOR EACH ROW
BEGIN
    UPDATE erp_leases SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE lease_id = NEW.lease_id;
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE person_id = NEW.person_id;
END;

CREATE TRIGGER trg_erp_lease_parties_update AFTER UPDATE ON erp_lease_parties FOR EACH ROW
BEGIN
    UPDATE erp_leases SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE lease_id IN (OLD.lease_id, NEW.lease_id);
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE person_id IN (OLD.person_id, NEW.person_id);
END;

CREATE TRIGGER trg_erp_lease_parties_delete AFTER DELETE ON erp_lease_parties FOR EACH ROW
BEGIN
    UPDATE erp_leases SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE lease_id = OLD.lease_id;
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE person_id = OLD.person_id;
END;

-- An ownership change changes the owner's list of ownerships.
CREATE TRIGGER trg_erp_ownerships_insert_propagate AFTER INSERT ON erp_ownerships FOR EACH ROW
BEGIN
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE person_id = NEW.owner_person_id;
END;

CREATE TRIGGER trg_erp_ownerships_update_propagate AFTER UPDATE ON erp_ownerships FOR EACH ROW
BEGIN
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE person_id IN (OLD.owner_person_id, NEW.owner_person_id);
END;

CREATE TRIGGER trg_erp_ownerships_delete_propagate AFTER DELETE ON erp_ownerships FOR EACH ROW
BEGIN
    UPDATE erp_persons SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
    WHERE person_id = OLD.owner_person_id;
END;

CREATE TRIGGER trg_erp_vacancies_touch AFTER UPDATE ON erp_vacancies FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE erp_vacancies SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE vacancy_id = NEW.vacancy_id;
END;
