//! The one error type of the ERP layer. Messages are German: they end up in the protocol and in
//! the output of `immohub check`, which staff read.

use std::path::PathBuf;

use immohub_domain::ErpEntity;

/// A database driver's error (sqlx or rusqlite).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while reading an ERP or creating the demo ERP.
///
/// Every variant names what failed (entity, column, file) so that a user can find the view or the
/// mapping entry to fix without reading logs.
#[derive(Debug, thiserror::Error)]
pub enum ErpError {
    /// The mapping file could not be read.
    #[error("Mapping-Datei {path} kann nicht gelesen werden: {source}")]
    MappingFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The mapping file is not valid TOML or does not have the expected shape.
    #[error("Mapping-Datei ungültig: {0}")]
    MappingSyntax(String),

    /// An entry of the mapping file is invalid: which section (entity) and which field.
    #[error("Mapping-Datei, Abschnitt [{section}]{}: {reason}", field_suffix(.field))]
    MappingEntry {
        /// Section name as written in the file (`units`, …).
        section: String,
        /// Field inside the section (`query`, `changed_column`, …), if one is to blame.
        field: Option<String>,
        reason: String,
    },

    /// The entity has no query in the mapping file.
    #[error("Für {entity} ({label}) ist in der Mapping-Datei keine Abfrage hinterlegt", label = .entity.label_de())]
    NotMapped { entity: ErpEntity },

    /// The URL names no supported database.
    #[error(
        "nicht unterstützte ERP-Datenbank-URL „{url}“ (erwartet sqlite:, postgres://, mysql:// oder mariadb://)"
    )]
    UnsupportedUrl {
        /// The URL with any password replaced by `***`.
        url: String,
    },

    /// The ERP database could not be reached or opened.
    #[error("Verbindung zur ERP-Datenbank {url} fehlgeschlagen: {source}")]
    Connect {
        /// The URL with any password replaced by `***`.
        url: String,
        #[source]
        source: BoxError,
    },

    /// A query of an entity failed in the database.
    #[error("ERP-Abfrage für {entity} fehlgeschlagen: {source}")]
    Query {
        entity: ErpEntity,
        #[source]
        source: BoxError,
    },

    /// A value of a column could not be converted to text.
    #[error(
        "ERP-Abfrage für {entity}: Spalte „{column}“ (Typ {type_name}) kann nicht gelesen werden: {reason}"
    )]
    Column {
        entity: ErpEntity,
        column: String,
        type_name: String,
        reason: String,
    },

    /// The demo ERP file exists and `force` was not given.
    #[error("Die Datei {0} existiert bereits; zum Überschreiben „force“ angeben")]
    DemoExists(PathBuf),

    /// File system error while creating the demo ERP.
    #[error("Demo-ERP {path}: {source}")]
    DemoIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Writing into an interface table failed. `transient` errors (connection lost, deadlock,
    /// table missing, no permission) may go away when tried again later; the others are the
    /// record's fault (a value the table refuses).
    #[error("Schreiben in die ERP-Schnittstellentabelle {table} fehlgeschlagen: {source}")]
    Write {
        table: &'static str,
        transient: bool,
        #[source]
        source: BoxError,
    },

    /// Database error while creating the demo ERP, with the step that failed.
    #[error("Demo-ERP: {step} fehlgeschlagen: {source}")]
    Demo {
        step: String,
        #[source]
        source: sqlx::Error,
    },

    /// A demo ERP action that its data does not allow (e.g. accepting an offer that is not
    /// open); German.
    #[error("Demo-ERP: {0}")]
    DemoRule(String),
}

fn field_suffix(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|f| format!(", Feld „{f}“"))
        .unwrap_or_default()
}

impl ErpError {
    /// `true` if trying again later may succeed: the ERP could not be reached, or a write
    /// failed for a reason other than the record's content.
    pub fn is_transient(&self) -> bool {
        match self {
            ErpError::Connect { .. } => true,
            ErpError::Write { transient, .. } => *transient,
            _ => false,
        }
    }

    pub(crate) fn query(entity: ErpEntity, source: impl Into<BoxError>) -> Self {
        ErpError::Query {
            entity,
            source: source.into(),
        }
    }

    pub(crate) fn entry(section: &str, field: Option<&str>, reason: impl Into<String>) -> Self {
        ErpError::MappingEntry {
            section: section.to_owned(),
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }

    pub(crate) fn demo(step: impl Into<String>, source: sqlx::Error) -> Self {
        ErpError::Demo {
            step: step.into(),
            source,
        }
    }
}

/// Replaces the password of a database URL by `***`, so that URLs can appear in messages.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &userinfo[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:geheim@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/test"),
            "mysql://root@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite:demo.db"), "sqlite:demo.db");
        assert_eq!(redact_url("mysql://a:b@c@h/db"), "mysql://a:***@h/db");
    }
}
