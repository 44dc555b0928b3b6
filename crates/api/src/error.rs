//! [`ApiError`]: the one error type of the partner API and its JSON shape.
//!
//! Every error answer has the same body, with a stable machine-readable `code`:
//!
//! ```json
//! { "error": { "code": "not_found", "message": "…", "message_en": "…", "field": null } }
//! ```
//!
//! | code           | status | when                                                     |
//! |----------------|--------|----------------------------------------------------------|
//! | `unauthorized` | 401    | API key (or, on `/staff/v1`, staff key) missing or unknown |
//! | `not_found`    | 404    | unknown feed, feed not in the profile, record or run     |
//! | `bad_request`  | 400    | a parameter or the body is invalid (`field` names it)    |
//! | `conflict`     | 409    | e.g. acknowledging past the end of a feed, an idempotency key reused for other content |
//! | `unprocessable`| 422    | a body field's value cannot be accepted (`field` names it) |
//! | `too_large`    | 413    | an uploaded file is larger than allowed (`field` names the part) |
//! | `run_in_progress` | 409 | the run asked for is already running (GEN-6)             |
//! | `unavailable`  | 503    | this instance cannot do it (e.g. start runs)             |
//! | `internal`     | 500    | anything else; logged with its cause, details hidden     |

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use immohub_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer of the partner API. Messages are German (`message`) and English
/// (`message_en`); internal causes are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No API key, or one that belongs to no connection (401).
    #[error("API-Schlüssel fehlt oder ist ungültig")]
    Unauthorized,
    /// No staff key, or one of no active staff account (401, code `unauthorized`).
    #[error("Mitarbeiter-Schlüssel fehlt oder ist ungültig")]
    StaffUnauthorized,
    /// The addressed feed, record or run does not exist for this connection (404).
    #[error("{message}")]
    NotFound {
        /// German message.
        message: Cow<'static, str>,
        /// English message.
        message_en: Cow<'static, str>,
    },
    /// A parameter or the request body is invalid (400).
    #[error("{message}")]
    BadRequest {
        /// The offending query parameter, path segment or body field, if one is to blame.
        field: Option<Cow<'static, str>>,
        /// German message.
        message: Cow<'static, str>,
        /// English message.
        message_en: Cow<'static, str>,
    },
    /// The request contradicts the stored state (409).
    #[error("{message}")]
    Conflict {
        /// German message.
        message: Cow<'static, str>,
        /// English message.
        message_en: Cow<'static, str>,
    },
    /// The run asked for is already running (409, code `run_in_progress`).
    #[error("{message}")]
    RunInProgress {
        /// German message.
        message: Cow<'static, str>,
        /// English message.
        message_en: Cow<'static, str>,
    },
    /// The body is well-formed but a value cannot be used (422).
    #[error("{message}")]
    Unprocessable {
        /// The first body field at fault (`address.postal_code` for nested ones).
        field: Option<Cow<'static, str>>,
        /// German message.
        message: Cow<'static, str>,
        /// English message.
        message_en: Cow<'static, str>,
    },
    /// An uploaded part is larger than allowed (413).
    #[error("{message}")]
    TooLarge {
        /// The multipart part at fault.
        field: Option<Cow<'static, str>>,
        /// German message.
        message: Cow<'static, str>,
        /// English message.
        message_en: Cow<'static, str>,
    },
    /// This instance cannot do what was asked (503).
    #[error("{message}")]
    Unavailable {
        /// German message.
        message: Cow<'static, str>,
        /// English message.
        message_en: Cow<'static, str>,
    },
    /// Anything the client cannot fix (500). The cause is logged and not sent.
    #[error("interner Fehler: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl ApiError {
    /// A 404 with German and English message.
    pub fn not_found(
        message: impl Into<Cow<'static, str>>,
        message_en: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError::NotFound {
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    /// A 400 blaming `field`, with German and English message.
    pub fn bad_request(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        message_en: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError::BadRequest {
            field: Some(field.into()),
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    /// A 409 with German and English message.
    pub fn conflict(
        message: impl Into<Cow<'static, str>>,
        message_en: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError::Conflict {
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    /// A 422 blaming the body field `field`, with German and English message.
    pub fn unprocessable(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        message_en: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError::Unprocessable {
            field: Some(field.into()),
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    /// A 413 blaming the part `field`, with German and English message.
    pub fn too_large(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        message_en: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError::TooLarge {
            field: Some(field.into()),
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    /// A 503 with German and English message.
    pub fn unavailable(
        message: impl Into<Cow<'static, str>>,
        message_en: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError::Unavailable {
            message: message.into(),
            message_en: message_en.into(),
        }
    }

    /// A 500 whose cause is logged but not sent.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        ApiError::Internal(cause.into())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::StaffUnauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict { .. } | ApiError::RunInProgress { .. } => StatusCode::CONFLICT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized | ApiError::StaffUnauthorized => "unauthorized",
            ApiError::NotFound { .. } => "not_found",
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Conflict { .. } => "conflict",
            ApiError::RunInProgress { .. } => "run_in_progress",
            ApiError::Unprocessable { .. } => "unprocessable",
            ApiError::TooLarge { .. } => "too_large",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn body(&self) -> ErrorDetail {
        let (message, message_en, field): (&str, &str, Option<&str>) = match self {
            ApiError::Unauthorized => (
                "API-Schlüssel fehlt oder ist ungültig. Senden Sie ihn als \
                 „Authorization: Bearer <Schlüssel>“ oder „X-API-Key: <Schlüssel>“.",
                "API key missing or invalid. Send it as \"Authorization: Bearer <key>\" \
                 or \"X-API-Key: <key>\".",
                None,
            ),
            ApiError::StaffUnauthorized => (
                "Mitarbeiter-Schlüssel fehlt oder ist ungültig. Senden Sie ihn als \
                 „Authorization: Bearer <Schlüssel>“ oder „X-Staff-Key: <Schlüssel>“ \
                 (`immohub staff add NAME`).",
                "Staff key missing or invalid. Send it as \"Authorization: Bearer <key>\" \
                 or \"X-Staff-Key: <key>\" (`immohub staff add NAME`).",
                None,
            ),
            ApiError::NotFound {
                message,
                message_en,
            }
            | ApiError::Conflict {
                message,
                message_en,
            }
            | ApiError::RunInProgress {
                message,
                message_en,
            }
            | ApiError::Unavailable {
                message,
                message_en,
            } => (message, message_en, None),
            ApiError::BadRequest {
                field,
                message,
                message_en,
            }
            | ApiError::Unprocessable {
                field,
                message,
                message_en,
            }
            | ApiError::TooLarge {
                field,
                message,
                message_en,
            } => (message, message_en, field.as_deref()),
            ApiError::Internal(_) => (
                "Interner Fehler. Bitte später erneut versuchen; der Betreiber findet die \
                 Ursache im Log.",
                "Internal error. Please try again later; the operator finds the cause in \
                 the log.",
                None,
            ),
        };
        ErrorDetail {
            code: self.code().to_owned(),
            message: message.to_owned(),
            message_en: message_en.to_owned(),
            field: field.map(str::to_owned),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(
                format!("nicht gefunden: {what}"),
                format!("not found: {what}"),
            ),
            StoreError::Conflict(what) => {
                ApiError::conflict(format!("Konflikt: {what}"), format!("conflict: {what}"))
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %ErrorChain(cause.as_ref()), "interner Fehler in der Partner-API");
        }
        let status = self.status();
        let body = ErrorBody { error: self.body() };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"immohub\""),
            );
        }
        response
    }
}

/// Displays an error with its whole `source()` chain: `a: b: c`.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`, `field`) and people (`message`, `message_en`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `unauthorized`, `not_found`, `bad_request`, `conflict`, `run_in_progress`,
    /// `unprocessable`, `unavailable` or `internal`.
    #[schema(example = "not_found")]
    pub code: String,
    /// German message.
    pub message: String,
    /// English message.
    pub message_en: String,
    /// The parameter or body field at fault (only for `bad_request` and `unprocessable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
