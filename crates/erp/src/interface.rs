//! The ERP interface: per entity, the view name and the columns it must (or may) return.
//!
//! This is the machine-readable twin of `docs/ERP-INTERFACE.md`. `immohub check` uses it to
//! report missing columns; a test keeps the document and this list in step. The column names are
//! those that [`immohub_domain::Entity::parse`] reads.

use immohub_domain::ErpEntity;

/// Name of the optional change-timestamp column every view may return.
pub const CHANGED_COLUMN: &str = "updated_at";

/// One column of the ERP interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceColumn {
    /// Column name as the view must return it.
    pub name: &'static str,
    /// `true` if a row without a value here is invalid.
    pub required: bool,
    /// German term in the ERP (glossary).
    pub german: &'static str,
    /// Expected content (English).
    pub content: &'static str,
}

const fn req(name: &'static str, german: &'static str, content: &'static str) -> InterfaceColumn {
    InterfaceColumn {
        name,
        required: true,
        german,
        content,
    }
}

const fn opt(name: &'static str, german: &'static str, content: &'static str) -> InterfaceColumn {
    InterfaceColumn {
        name,
        required: false,
        german,
        content,
    }
}

const CLIENT_NO: InterfaceColumn = req("client_no", "Mandantennummer", "ERP number of the client");
const PROPERTY_NO: InterfaceColumn = req(
    "property_no",
    "WE-Nummer (Wirtschaftseinheit)",
    "ERP number of the property, unique within the client",
);
const BUILDING_NO: InterfaceColumn = req(
    "building_no",
    "Gebäudenummer",
    "ERP number of the building, unique within the property",
);
const UNIT_NO: InterfaceColumn = req(
    "unit_no",
    "VE-Nummer (Verwaltungseinheit)",
    "ERP number of the unit, unique within the building",
);
const UPDATED_AT: InterfaceColumn = opt(
    CHANGED_COLUMN,
    "Änderungszeitpunkt",
    "time of the last change of anything this row shows (timestamp, UTC)",
);

const CLIENTS: &[InterfaceColumn] = &[
    CLIENT_NO,
    req("name", "Mandantenname", "name of the client"),
    UPDATED_AT,
];

const PROPERTIES: &[InterfaceColumn] = &[
    CLIENT_NO,
    PROPERTY_NO,
    opt("name", "Bezeichnung der WE", "name of the property"),
    UPDATED_AT,
];

const BUILDINGS: &[InterfaceColumn] = &[
    CLIENT_NO,
    PROPERTY_NO,
    BUILDING_NO,
    req("street", "Straße", "street name without house number"),
    opt(
        "house_no",
        "Hausnummer",
        "house number with suffix (`12a`, `7-9`)",
    ),
    req(
        "postal_code",
        "Postleitzahl",
        "five-digit German postal code",
    ),
    req("city", "Ort", "city"),
    opt("year_built", "Baujahr", "year of construction (integer)"),
    UPDATED_AT,
];

const UNITS: &[InterfaceColumn] = &[
    CLIENT_NO,
    PROPERTY_NO,
    BUILDING_NO,
    UNIT_NO,
    req(
        "usage_type",
        "Nutzungsart",
        "the ERP's usage code (`WOHNUNG`, `GEWERBE`, `STELLPLATZ`, …), mapped per connection (STM-4)",
    ),
    opt("rooms", "Zimmer", "number of rooms, decimal (`2.5`)"),
    opt(
        "floor_text",
        "Etage/Lage",
        "free floor text (`EG links`, `3. OG`, `Dachgeschoss`); the floor number is derived (STM-3)",
    ),
    opt("area", "Wohn-/Nutzfläche", "area in m², decimal"),
    opt(
        "features",
        "Ausstattung",
        "feature list separated by `,` or `;` (`Balkon, Einbauküche, Aufzug`)",
    ),
    opt(
        "energy_cert_type",
        "Energieausweis: Art",
        "`bedarf` (demand) or `verbrauch` (consumption)",
    ),
    opt(
        "energy_value",
        "Energieausweis: Kennwert",
        "energy value in kWh/(m²·a), decimal",
    ),
    opt(
        "energy_class",
        "Energieausweis: Effizienzklasse",
        "efficiency class `A+` … `H`",
    ),
    opt(
        "energy_valid_until",
        "Energieausweis: gültig bis",
        "expiry date of the certificate",
    ),
    opt(
        "year_built",
        "Baujahr",
        "year of construction (the building's, if the unit has none)",
    ),
    opt(
        "tenancies",
        "Mietverhältnisse",
        "leases of the unit: `lease_no:main_tenant:start:end` entries separated by `;`, end empty while running",
    ),
    UPDATED_AT,
];

const PERSONS: &[InterfaceColumn] = &[
    CLIENT_NO,
    req(
        "person_no",
        "Personennummer / Geschäftspartnernummer",
        "ERP number of the person, unique within the client",
    ),
    opt("salutation", "Anrede", "`Herr`, `Frau`, `Firma`, …"),
    opt("title", "Titel", "academic title (`Dr.`)"),
    opt("first_name", "Vorname", "first name(s)"),
    opt(
        "surname",
        "Nachname",
        "surname including name prefixes (`von der Heide`); empty for companies and estates",
    ),
    opt(
        "company_name",
        "Firmenname",
        "name of a company, estate (`Erbengemeinschaft nach …`) or other organisation",
    ),
    opt("birth_date", "Geburtsdatum", "date of birth"),
    opt("email", "E-Mail", "e-mail address"),
    opt("phone", "Telefon", "landline number"),
    opt("mobile", "Mobiltelefon", "mobile number"),
    opt(
        "street",
        "Straße (Postanschrift)",
        "postal address street; when given, `postal_code` and `city` are required too",
    ),
    opt("house_no", "Hausnummer (Postanschrift)", "house number"),
    opt(
        "postal_code",
        "Postleitzahl (Postanschrift)",
        "five-digit postal code",
    ),
    opt("city", "Ort (Postanschrift)", "city"),
    opt(
        "anonymised",
        "anonymisiert (DSGVO)",
        "`1` if the ERP anonymised the person, else `0` or empty",
    ),
    opt(
        "tenancies",
        "Mietverhältnisse",
        "leases in which the person is a party: `lease_no:role:start:end` entries separated by `;`",
    ),
    opt(
        "ownerships",
        "Eigentümerverträge",
        "ownership numbers in which the person is the owner, separated by `;`",
    ),
    UPDATED_AT,
];

const LEASES: &[InterfaceColumn] = &[
    CLIENT_NO,
    req("lease_no", "Mietvertragsnummer", "ERP number of the lease"),
    PROPERTY_NO,
    BUILDING_NO,
    UNIT_NO,
    req("start_date", "Vertragsbeginn", "start of the lease"),
    opt(
        "end_date",
        "Vertragsende",
        "end of the lease; empty while it runs",
    ),
    opt(
        "net_cold_rent",
        "Nettokaltmiete",
        "monthly net cold rent in euros, decimal (never a binary float)",
    ),
    opt(
        "parties",
        "Vertragspartner",
        "persons of the lease: `person_no:role` entries separated by `;`",
    ),
    UPDATED_AT,
];

const OWNERSHIPS: &[InterfaceColumn] = &[
    CLIENT_NO,
    req(
        "ownership_no",
        "Eigentümervertragsnummer",
        "ERP number of the ownership contract",
    ),
    PROPERTY_NO,
    BUILDING_NO,
    UNIT_NO,
    req(
        "owner_person_no",
        "Personennummer des Eigentümers",
        "person number of the owner",
    ),
    req("start_date", "Beginn", "start of the ownership"),
    opt(
        "end_date",
        "Ende",
        "end of the ownership; empty while it runs",
    ),
    UPDATED_AT,
];

const VACANCIES: &[InterfaceColumn] = &[
    CLIENT_NO,
    PROPERTY_NO,
    BUILDING_NO,
    UNIT_NO,
    req(
        "usage_type",
        "Nutzungsart",
        "the unit's usage code, mapped per connection (STM-4): living, commercial, parking",
    ),
    opt("rooms", "Zimmer", "number of rooms, decimal (`2.5`)"),
    opt(
        "floor_text",
        "Etage/Lage",
        "free floor text; the floor number is derived (STM-3)",
    ),
    opt("area", "Wohn-/Nutzfläche", "area in m², decimal"),
    opt(
        "features",
        "Ausstattung",
        "the unit's feature list (`Keller, Einbauküche, Gegensprechanlage, Aufzug, Fahrradraum, Gäste-WC`)",
    ),
    opt(
        "energy_cert_type",
        "Energieausweis: Art",
        "`bedarf` or `verbrauch`",
    ),
    opt(
        "energy_value",
        "Energieausweis: Kennwert",
        "kWh/(m²·a), decimal",
    ),
    opt(
        "energy_class",
        "Energieausweis: Effizienzklasse",
        "`A+` … `H`",
    ),
    opt("energy_valid_until", "Energieausweis: gültig bis", "date"),
    opt("year_built", "Baujahr", "year built (four digits)"),
    req("street", "Straße", "street of the building"),
    opt("house_no", "Hausnummer", "house number with suffix (`12a`)"),
    req("postal_code", "PLZ", "five-digit German postal code"),
    req("city", "Ort", "city"),
    opt(
        "available_from",
        "verfügbar ab",
        "date from which the unit can be let",
    ),
    opt(
        "available_text",
        "Bezugstermin (Text)",
        "free text such as `sofort`, `nach Vereinbarung`",
    ),
    opt(
        "net_cold_rent",
        "Nettokaltmiete",
        "monthly net cold rent in euros, decimal; a vacancy without it is not sent (VAC-1)",
    ),
    opt(
        "operating_costs",
        "Betriebskosten",
        "monthly operating-cost advance in euros, decimal",
    ),
    opt(
        "heating_costs",
        "Heizkosten",
        "monthly heating-cost advance in euros, decimal",
    ),
    opt(
        "total_rent",
        "Gesamtmiete",
        "monthly total in euros as the ERP holds it; checked against the parts (VAC-5)",
    ),
    opt("deposit", "Kaution", "deposit in euros, decimal"),
    opt(
        "heating_type",
        "Heizungsart",
        "`ZENTRAL`, `FERN`, `ETAGE`, `OFEN` or `FUSSBODEN`",
    ),
    opt("title", "Objekttitel", "listing title"),
    opt("description", "Objektbeschreibung", "description text"),
    opt(
        "location_text",
        "Lagebeschreibung",
        "text about the location",
    ),
    opt(
        "equipment_text",
        "Ausstattungsbeschreibung",
        "text about the equipment",
    ),
    opt(
        "contact_name",
        "Ansprechpartner",
        "name of the letting contact",
    ),
    opt(
        "contact_email",
        "Ansprechpartner: E-Mail",
        "e-mail of the letting contact",
    ),
    opt(
        "contact_phone",
        "Ansprechpartner: Telefon",
        "phone of the letting contact",
    ),
    opt(
        "attachments",
        "Dokumente",
        "one line per document, `KIND|title|path`; KIND is `BILD`, `GRUNDRISS`, `ENERGIEAUSWEIS` or `DOKUMENT`; path relative to `[erp] documents_dir`",
    ),
    UPDATED_AT,
];

/// The columns of an entity's view, in documentation order.
pub fn interface_columns(entity: ErpEntity) -> &'static [InterfaceColumn] {
    match entity {
        ErpEntity::Client => CLIENTS,
        ErpEntity::Property => PROPERTIES,
        ErpEntity::Building => BUILDINGS,
        ErpEntity::Unit => UNITS,
        ErpEntity::Person => PERSONS,
        ErpEntity::Lease => LEASES,
        ErpEntity::Ownership => OWNERSHIPS,
        ErpEntity::Vacancy => VACANCIES,
    }
}

/// Name of the view that provides an entity (`v_units`, …).
pub fn view_name(entity: ErpEntity) -> &'static str {
    match entity {
        ErpEntity::Client => "v_clients",
        ErpEntity::Property => "v_properties",
        ErpEntity::Building => "v_buildings",
        ErpEntity::Unit => "v_units",
        ErpEntity::Person => "v_persons",
        ErpEntity::Lease => "v_leases",
        ErpEntity::Ownership => "v_ownerships",
        ErpEntity::Vacancy => "v_vacancies",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_columns_are_required_interface_columns() {
        for entity in ErpEntity::ALL {
            let cols = interface_columns(entity);
            for key in entity.key_columns() {
                let col = cols.iter().find(|c| c.name == *key);
                assert!(
                    col.is_some_and(|c| c.required),
                    "{entity}: key column {key} must be a required interface column"
                );
            }
            assert!(cols.iter().any(|c| c.name == CHANGED_COLUMN));
        }
    }
}
