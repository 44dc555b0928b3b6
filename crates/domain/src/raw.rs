//! Raw rows as the ERP adapter reads them: every column as optional text.
//!
//! The ERP interface (see `docs/ERP-INTERFACE.md`) defines, per entity, the column names a view
//! must return. Adapters convert every database type to text (integers as digits, decimals with
//! a `.` decimal point, dates as `YYYY-MM-DD`, timestamps as RFC 3339 in UTC) so that parsing and
//! validation live here, once, for every source database.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The entities the ERP interface exposes, in the order a sync reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErpEntity {
    Client,
    Property,
    Building,
    Unit,
    Person,
    Lease,
    Ownership,
    /// Open vacancies (Leerstände) offered for letting: use case `leerstaende`.
    Vacancy,
}

impl ErpEntity {
    /// The master-data entities (use case `stammdaten`).
    pub const MASTER_DATA: [ErpEntity; 7] = [
        ErpEntity::Client,
        ErpEntity::Property,
        ErpEntity::Building,
        ErpEntity::Unit,
        ErpEntity::Person,
        ErpEntity::Lease,
        ErpEntity::Ownership,
    ];

    pub const ALL: [ErpEntity; 8] = [
        ErpEntity::Client,
        ErpEntity::Property,
        ErpEntity::Building,
        ErpEntity::Unit,
        ErpEntity::Person,
        ErpEntity::Lease,
        ErpEntity::Ownership,
        ErpEntity::Vacancy,
    ];

    /// Name used in mapping files, the store and the CLI (`units`, `persons`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErpEntity::Client => "clients",
            ErpEntity::Property => "properties",
            ErpEntity::Building => "buildings",
            ErpEntity::Unit => "units",
            ErpEntity::Person => "persons",
            ErpEntity::Lease => "leases",
            ErpEntity::Ownership => "ownerships",
            ErpEntity::Vacancy => "vacancies",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// German name for protocol lines.
    pub fn label_de(self) -> &'static str {
        match self {
            ErpEntity::Client => "Mandant",
            ErpEntity::Property => "Wirtschaftseinheit",
            ErpEntity::Building => "Gebäude",
            ErpEntity::Unit => "Einheit",
            ErpEntity::Person => "Person",
            ErpEntity::Lease => "Mietvertrag",
            ErpEntity::Ownership => "Eigentümervertrag",
            ErpEntity::Vacancy => "Leerstand",
        }
    }

    /// The columns that together identify a row of this entity in the ERP, in order.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            ErpEntity::Client => &["client_no"],
            ErpEntity::Property => &["client_no", "property_no"],
            ErpEntity::Building => &["client_no", "property_no", "building_no"],
            ErpEntity::Unit => &["client_no", "property_no", "building_no", "unit_no"],
            ErpEntity::Person => &["client_no", "person_no"],
            ErpEntity::Lease => &["client_no", "lease_no"],
            ErpEntity::Ownership => &["client_no", "ownership_no"],
            ErpEntity::Vacancy => &["client_no", "property_no", "building_no", "unit_no"],
        }
    }
}

impl fmt::Display for ErpEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Separator of the internal store key. ASCII "unit separator": it cannot appear in an ERP
/// number read from a text column without being rejected (see [`RawRecord::key`]).
pub const KEY_SEP: char = '\u{1f}';

/// One row read from the ERP: column name → text value (`None` for SQL NULL or empty text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawRecord {
    pub columns: BTreeMap<String, Option<String>>,
}

impl RawRecord {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder used by adapters and tests.
    pub fn with(mut self, column: &str, value: Option<&str>) -> Self {
        self.set(column, value.map(str::to_owned));
        self
    }

    /// Sets a column; empty or all-blank text counts as missing.
    pub fn set(&mut self, column: &str, value: Option<String>) {
        let value = value.and_then(|v| {
            let t = v.trim();
            if t.is_empty() {
                None
            } else if t.len() == v.len() {
                Some(v)
            } else {
                Some(t.to_owned())
            }
        });
        self.columns.insert(column.to_owned(), value);
    }

    pub fn get(&self, column: &str) -> Option<&str> {
        self.columns.get(column).and_then(|v| v.as_deref())
    }

    /// Internal store key of this row: the key columns joined by [`KEY_SEP`].
    pub fn key(&self, entity: ErpEntity) -> Result<String, FieldError> {
        key_of(entity, |c| self.get(c))
    }
}

/// Builds the internal key from a column lookup; shared by full rows and key-only rows.
pub fn key_of<'a>(
    entity: ErpEntity,
    get: impl Fn(&str) -> Option<&'a str>,
) -> Result<String, FieldError> {
    let mut key = String::new();
    for (i, col) in entity.key_columns().iter().enumerate() {
        let v = get(col).ok_or_else(|| FieldError::new(*col, "Pflichtfeld fehlt"))?;
        if v.contains(KEY_SEP) {
            return Err(FieldError::new(*col, "enthält ein Steuerzeichen"));
        }
        if i > 0 {
            key.push(KEY_SEP);
        }
        key.push_str(v);
    }
    Ok(key)
}

/// Splits an internal key into its parts.
pub fn key_parts(key: &str) -> Vec<&str> {
    key.split(KEY_SEP).collect()
}

/// A field that failed validation: which field and why (German, shown to staff).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("Feld „{field}“: {reason}")]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
