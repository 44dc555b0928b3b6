//! The interface document and the code agree.

use immohub_domain::{Entity, ErpEntity, RawRecord};
use immohub_erp::{interface_columns, view_name};

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ERP-INTERFACE.md");
    std::fs::read_to_string(path).expect("docs/ERP-INTERFACE.md")
}

/// Every view's section in the document lists every interface column of that view.
#[test]
fn interface_document_lists_every_column() {
    let doc = doc();
    for entity in ErpEntity::ALL {
        let view = view_name(entity);
        let start = doc
            .find(&format!("### `{view}`"))
            .unwrap_or_else(|| panic!("no section ### `{view}`"));
        let section = &doc[start..];
        let end = section[4..].find("\n### ").map_or(section.len(), |e| e + 4);
        let section = &section[..end];
        for col in interface_columns(entity) {
            assert!(
                section.contains(&format!("| `{}` |", col.name)),
                "{view}: column {} missing in the document",
                col.name
            );
            assert!(
                section.contains(col.german),
                "{view}: German term {}",
                col.german
            );
        }
    }
}

/// A row with every interface column filled in plausibly parses: the column list matches what
/// the domain reads.
#[test]
fn interface_columns_are_what_the_domain_parses() {
    for entity in ErpEntity::ALL {
        let mut raw = RawRecord::new();
        for col in interface_columns(entity) {
            let v = match col.name {
                "start_date" | "birth_date" | "energy_valid_until" | "available_from" => {
                    "2024-01-01"
                }
                "contact_email" => "vermietung@example.de",
                "attachments" => "BILD|Wohnzimmer|bilder/a.png",
                "operating_costs" | "heating_costs" | "total_rent" | "deposit" => "2.5",
                "end_date" => "2024-12-31",
                "postal_code" => "22763",
                "year_built" => "1958",
                "email" => "a@b.de",
                "anonymised" => "0",
                "tenancies" => "1000001:main_tenant:2024-01-01:",
                "parties" => "100001:main_tenant",
                "rooms" | "area" | "energy_value" | "net_cold_rent" => "2.5",
                "updated_at" => "2024-01-01T00:00:00Z",
                _ => "1",
            };
            raw.set(col.name, Some(v.to_owned()));
        }
        let parsed = Entity::parse(entity, &raw).unwrap_or_else(|e| panic!("{entity}: {e}"));
        assert_eq!(parsed.kind(), entity);
        // Required columns are required by the domain.
        for col in interface_columns(entity).iter().filter(|c| c.required) {
            let mut without = raw.clone();
            without.set(col.name, None);
            assert!(
                Entity::parse(entity, &without).is_err(),
                "{entity}: {} is documented as required but the domain accepts it missing",
                col.name
            );
        }
    }
}

/// The interface table's section lists every column immohub writes and the ERP fills, and the
/// SQL files create each of them.
#[test]
fn interface_table_document_and_sql_list_every_column() {
    use immohub_erp::sink::{PROSPECT_ERP_COLUMNS, PROSPECT_WRITE_COLUMNS};
    let doc = doc();
    let start = doc
        .find("### `immohub_in_prospects`")
        .expect("section ### `immohub_in_prospects`");
    let section = &doc[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let sql = [
        include_str!("../../../../erp/sql/demo-sqlite-interface.sql"),
        include_str!("../../../../erp/sql/example-postgres.sql"),
        include_str!("../../../../erp/sql/example-mariadb.sql"),
    ];
    for col in PROSPECT_WRITE_COLUMNS.iter().chain(&PROSPECT_ERP_COLUMNS) {
        assert!(
            section.contains(&format!("| `{col}` |")),
            "column {col} missing in the document"
        );
        for s in sql {
            let table = &s[s
                .find("CREATE TABLE IF NOT EXISTS immohub_in_prospects")
                .or_else(|| s.find("CREATE TABLE immohub_in_prospects"))
                .expect("table in SQL")..];
            let table = &table[..table.find(";").unwrap()];
            assert!(
                table
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{col} "))),
                "column {col} missing in SQL:\n{table}"
            );
        }
    }
}
