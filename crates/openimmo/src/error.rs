//! Errors of the OpenImmo export and the feedback parser. Messages are German (user-visible).

use thiserror::Error;

/// A listing that cannot be written: names the listing's object ID, the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("Objekt {object_id}: {field}: {reason}")]
pub struct ValidationError {
    /// `objektnr_extern` of the listing (may be empty when that is what is missing)
    pub object_id: String,
    /// OpenImmo path of the offending element, e.g. `preise/nettokaltmiete`
    pub field: &'static str,
    /// German reason
    pub reason: String,
}

/// Errors while writing an OpenImmo document or ZIP.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("Kopfdaten: {field}: {reason}")]
    Header { field: &'static str, reason: String },
    #[error("Anhang {path}: {reason}")]
    AttachmentPath { path: String, reason: String },
    #[error("Anhang {path} konnte nicht gelesen werden: {source}")]
    AttachmentRead {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("Schreibfehler: {0}")]
    Io(#[from] std::io::Error),
    #[error("ZIP-Fehler: {0}")]
    Zip(#[from] zip::result::ZipError),
}
