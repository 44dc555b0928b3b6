//! [`ShareError`]: the errors of the share service, and their API form.

use immohub_api::ApiError;
use immohub_store::StoreError;

/// What went wrong in the share service. Messages are German and name the field.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// A request field is invalid.
    #[error("Feld „{field}“: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Room, folder, file or recipient does not exist.
    #[error("nicht gefunden: {0}")]
    NotFound(String),
    /// Conflicts with the stored state (e.g. SHR-1: the object has a room).
    #[error("Konflikt: {0}")]
    Conflict(String),
    /// The upload exceeds the size limit.
    #[error("Datei ist größer als die erlaubten {limit} Bytes")]
    TooLarge { limit: u64 },
    /// Not configured (e.g. no `[mail]` section).
    #[error("nicht eingerichtet: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("Dateiablage: {0}")]
    Io(#[from] std::io::Error),
    #[error("ERP: {0}")]
    Erp(#[from] immohub_erp::ErpError),
    #[error("E-Mail: {0}")]
    Mail(String),
}

impl ShareError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ShareError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl From<StoreError> for ShareError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ShareError::NotFound(what),
            StoreError::Conflict(what) => ShareError::Conflict(what),
            other => ShareError::Store(other),
        }
    }
}

impl From<ShareError> for ApiError {
    fn from(e: ShareError) -> Self {
        match e {
            ShareError::Invalid { field, reason } => ApiError::unprocessable(
                field,
                format!("Feld „{field}“: {reason}"),
                format!("field \"{field}\" is invalid: {reason}"),
            ),
            ShareError::NotFound(what) => ApiError::not_found(
                format!("nicht gefunden: {what}"),
                format!("not found: {what}"),
            ),
            ShareError::Conflict(what) => {
                ApiError::conflict(format!("Konflikt: {what}"), format!("conflict: {what}"))
            }
            ShareError::TooLarge { limit } => ApiError::unprocessable(
                "body",
                format!("Datei ist größer als die erlaubten {limit} Bytes"),
                format!("file exceeds the limit of {limit} bytes"),
            ),
            ShareError::Unavailable(what) => ApiError::Unavailable {
                message: format!("nicht eingerichtet: {what}").into(),
                message_en: format!("not configured: {what}").into(),
            },
            other => ApiError::internal(other),
        }
    }
}
