//! Staff authentication: staff accounts with their own API keys (stored as SHA-256 hashes in
//! the hub store, `staff_users`), and the [`Staff`] extractor for the staff API `/staff/v1`.
//!
//! Partner API keys do not work here, and staff keys do not work on the partner API: the two
//! are looked up in different tables.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use immohub_store::StaffUser;

use crate::ApiState;
use crate::auth::{hash_api_key, request_key};
use crate::error::ApiError;

/// The staff key of a request: `Authorization: Bearer <key>`, else `X-Staff-Key: <key>`.
fn staff_key(headers: &HeaderMap) -> Option<&str> {
    request_key(headers, "x-staff-key")
}

/// The SHA-256 of a staff key (lowercase hex), the form in which staff keys are stored.
pub fn hash_staff_key(key: &str) -> String {
    hash_api_key(key)
}

/// The authenticated staff user of a request. Use it as a handler argument in any router
/// whose state gives an [`ApiState`] (`FromRef`): requests without a valid, active staff key
/// are answered with 401 in the API's JSON error shape.
#[derive(Debug, Clone)]
pub struct Staff {
    /// The staff account the key belongs to.
    pub user: StaffUser,
}

impl Staff {
    /// The staff user's name (for `created_by` columns and the log).
    pub fn name(&self) -> &str {
        &self.user.name
    }
}

impl<S> FromRequestParts<S> for Staff
where
    S: Send + Sync,
    ApiState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let api = ApiState::from_ref(state);
        let Some(key) = staff_key(&parts.headers) else {
            tracing::debug!("Anfrage ohne Mitarbeiter-Schlüssel");
            return Err(ApiError::StaffUnauthorized);
        };
        let Some(user) = api.store.staff_by_key_hash(&hash_staff_key(key)).await? else {
            tracing::info!("Anfrage mit unbekanntem Mitarbeiter-Schlüssel");
            return Err(ApiError::StaffUnauthorized);
        };
        tracing::Span::current().record("connection", format!("staff:{}", user.name));
        Ok(Staff { user })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn key_from_bearer_or_x_staff_key() {
        let mut h = HeaderMap::new();
        assert_eq!(staff_key(&h), None);
        h.insert("x-staff-key", HeaderValue::from_static(" s2 "));
        assert_eq!(staff_key(&h), Some("s2"));
        h.insert("authorization", HeaderValue::from_static("Bearer s1"));
        assert_eq!(staff_key(&h), Some("s1"));
        let mut h = HeaderMap::new();
        h.insert("x-api-key", HeaderValue::from_static("partner"));
        assert_eq!(staff_key(&h), None);
    }
}
