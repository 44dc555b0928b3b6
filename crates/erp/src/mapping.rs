//! The mapping file: per entity, the SQL that reads it from the ERP database.
//!
//! ```toml
//! [units]
//! # Any SELECT that returns the interface columns of the entity (docs/ERP-INTERFACE.md).
//! query = "SELECT * FROM v_units"
//! # Optional: column with the time of the last change; enables incremental reads (STM-5).
//! changed_column = "updated_at"
//! # Optional: a cheaper query for the key columns only (deletion check, GEN-10).
//! keys_query = "SELECT client_no, property_no, building_no, unit_no FROM v_units"
//! ```
//!
//! Sections are named like [`ErpEntity::as_str`] (`clients`, `properties`, `buildings`, `units`,
//! `persons`, `leases`, `ownerships`). A missing section means the ERP does not provide that
//! entity; reading it is an error ([`ErpError::NotMapped`]), so an entity is never taken for
//! empty by mistake.

use std::collections::BTreeMap;
use std::path::Path;

use immohub_domain::ErpEntity;
use serde::{Deserialize, Serialize};

use crate::error::ErpError;

/// The mapping file shipped for the demo ERP (`erp/demo-mapping.toml`).
pub const DEMO_MAPPING_TOML: &str = include_str!("../../../erp/demo-mapping.toml");

/// How one entity is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityMapping {
    /// A `SELECT` returning the entity's interface columns, one row per record. It is wrapped as
    /// a subquery (`SELECT … FROM (<query>) q`), so it must not end with `;` (a trailing one is
    /// removed) and must not contain `ORDER BY … LIMIT` that changes its meaning when wrapped.
    pub query: String,
    /// Name of the change-timestamp column the query returns (usually `updated_at`). With it,
    /// [`crate::ErpSource::rows`] can read only rows changed since a watermark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_column: Option<String>,
    /// A query returning only the key columns of every row. Default:
    /// `SELECT <key columns> FROM (<query>) q`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys_query: Option<String>,
}

impl EntityMapping {
    /// A mapping with only a query.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            changed_column: None,
            keys_query: None,
        }
    }

    /// Sets the change-timestamp column.
    pub fn with_changed_column(mut self, column: impl Into<String>) -> Self {
        self.changed_column = Some(column.into());
        self
    }

    /// Sets the key query.
    pub fn with_keys_query(mut self, query: impl Into<String>) -> Self {
        self.keys_query = Some(query.into());
        self
    }

    /// Checks and normalises the entry (trailing `;` removed, blanks trimmed).
    fn normalised(self, section: &str) -> Result<Self, ErpError> {
        let query = clean_sql(&self.query)
            .ok_or_else(|| ErpError::entry(section, Some("query"), "die Abfrage ist leer"))?;
        let keys_query = match self.keys_query {
            None => None,
            Some(q) => Some(clean_sql(&q).ok_or_else(|| {
                ErpError::entry(section, Some("keys_query"), "die Abfrage ist leer")
            })?),
        };
        let changed_column = match self.changed_column {
            None => None,
            Some(c) => {
                let c = c.trim().to_owned();
                if !is_identifier(&c) {
                    return Err(ErpError::entry(
                        section,
                        Some("changed_column"),
                        format!(
                            "„{c}“ ist kein gültiger Spaltenname (erlaubt: Buchstaben, Ziffern, _)"
                        ),
                    ));
                }
                Some(c)
            }
        };
        Ok(Self {
            query,
            changed_column,
            keys_query,
        })
    }
}

/// The whole mapping file: which entities the ERP provides and how to read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    entities: BTreeMap<ErpEntity, EntityMapping>,
}

impl Mapping {
    /// An empty mapping (no entity mapped).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the mapping of an entity (validated like a file entry).
    pub fn with(mut self, entity: ErpEntity, mapping: EntityMapping) -> Result<Self, ErpError> {
        let mapping = mapping.normalised(entity.as_str())?;
        self.entities.insert(entity, mapping);
        Ok(self)
    }

    /// Parses a mapping from TOML text. Errors name the section and field at fault.
    pub fn from_toml(text: &str) -> Result<Self, ErpError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| ErpError::MappingSyntax(e.to_string()))?;
        let mut mapping = Mapping::new();
        for (section, value) in table {
            let entity = ErpEntity::parse(&section).ok_or_else(|| {
                ErpError::entry(
                    &section,
                    None,
                    format!(
                        "unbekannter Abschnitt; erlaubt sind {}",
                        ErpEntity::ALL
                            .iter()
                            .map(|e| format!("[{e}]"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            if !value.is_table() {
                return Err(ErpError::entry(
                    &section,
                    None,
                    "muss ein Abschnitt mit „query = …“ sein",
                ));
            }
            let entry = EntityMapping::deserialize(value)
                .map_err(|e| ErpError::entry(&section, None, e.message().trim().to_owned()))?;
            mapping.entities.insert(entity, entry.normalised(&section)?);
        }
        Ok(mapping)
    }

    /// Reads and parses a mapping file.
    pub fn load(path: &Path) -> Result<Self, ErpError> {
        let text = std::fs::read_to_string(path).map_err(|source| ErpError::MappingFile {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// The mapping for the demo ERP created by [`crate::create_demo`].
    pub fn demo() -> Result<Self, ErpError> {
        Self::from_toml(DEMO_MAPPING_TOML)
    }

    /// The mapping of an entity, if the ERP provides it.
    pub fn get(&self, entity: ErpEntity) -> Option<&EntityMapping> {
        self.entities.get(&entity)
    }

    /// The mapped entities, in sync order.
    pub fn entities(&self) -> impl Iterator<Item = ErpEntity> + '_ {
        self.entities.keys().copied()
    }

    /// Serialises the mapping back to TOML (sections in sync order).
    pub fn to_toml(&self) -> String {
        let mut table = toml::Table::new();
        for (entity, m) in &self.entities {
            if let Ok(v) = toml::Value::try_from(m) {
                table.insert(entity.as_str().to_owned(), v);
            }
        }
        table.to_string()
    }
}

/// Trims white space and trailing semicolons; `None` if nothing is left.
fn clean_sql(sql: &str) -> Option<String> {
    let s = sql
        .trim()
        .trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_owned())
}

/// A plain SQL identifier: letter or `_`, then letters, digits or `_`.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_and_strips_semicolons() {
        let m = Mapping::from_toml(
            r#"
            [units]
            query = "SELECT * FROM v_units ;  "
            changed_column = "updated_at"
            [clients]
            query = "SELECT * FROM v_clients"
            "#,
        )
        .unwrap();
        let u = m.get(ErpEntity::Unit).unwrap();
        assert_eq!(u.query, "SELECT * FROM v_units");
        assert_eq!(u.changed_column.as_deref(), Some("updated_at"));
        assert!(m.get(ErpEntity::Person).is_none());
        assert_eq!(
            m.entities().collect::<Vec<_>>(),
            vec![ErpEntity::Client, ErpEntity::Unit]
        );
    }

    #[test]
    fn unknown_field_names_section_and_field() {
        let err = Mapping::from_toml("[units]\nquery = \"SELECT 1\"\nquerry = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[units]"), "{err}");
        assert!(err.contains("querry"), "{err}");
    }

    #[test]
    fn unknown_section_is_named() {
        let err = Mapping::from_toml("[unitz]\nquery = \"SELECT 1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[unitz]"), "{err}");
        assert!(err.contains("[units]"), "{err}");
    }

    #[test]
    fn missing_query_and_bad_column_are_named() {
        let err = Mapping::from_toml("[leases]\nchanged_column = \"updated_at\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[leases]") && err.contains("query"), "{err}");
        let err = Mapping::from_toml("[leases]\nquery = \"SELECT 1\"\nchanged_column = \"a b\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("changed_column"), "{err}");
        let err = Mapping::from_toml("[leases]\nquery = \" ; \"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("query") && err.contains("leer"), "{err}");
    }

    #[test]
    fn syntax_errors_are_reported() {
        let err = Mapping::from_toml("[units\nquery=1").unwrap_err();
        assert!(matches!(err, ErpError::MappingSyntax(_)));
    }

    #[test]
    fn demo_mapping_maps_every_entity_with_change_column() {
        let m = Mapping::demo().unwrap();
        for e in ErpEntity::ALL {
            let em = m.get(e).unwrap_or_else(|| panic!("{e} not mapped"));
            assert_eq!(em.changed_column.as_deref(), Some("updated_at"));
        }
        let again = Mapping::from_toml(&m.to_toml()).unwrap();
        assert_eq!(again, m);
    }
}
