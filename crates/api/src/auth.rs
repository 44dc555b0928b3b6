//! API keys: hashing, reading the key from a request, and the [`Caller`] extractor.
//!
//! The connection a request acts for follows from its API key only, never from the URL, so a
//! key sees its own connection's feeds, records and runs and nothing else (GEN-2).

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use immohub_domain::profile::{FeedKind, PartnerProfile};
use immohub_store::Connection;
use sha2::{Digest, Sha256};

use crate::ApiState;
use crate::error::ApiError;

/// The SHA-256 of an API key as lowercase hex: the form in which keys are stored
/// ([`Connection::api_key_hash`]) and looked up.
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The API key of a request: `Authorization: Bearer <key>`, else `X-API-Key: <key>`.
fn api_key(headers: &HeaderMap) -> Option<&str> {
    request_key(headers, "x-api-key")
}

/// A key from `Authorization: Bearer <key>`, else from the header `fallback`; blank counts as
/// missing. Shared by partner keys and staff keys (`staff.rs`).
pub(crate) fn request_key<'a>(headers: &'a HeaderMap, fallback: &str) -> Option<&'a str> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, key) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
        });
    let key = bearer.or_else(|| {
        headers
            .get(fallback)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    })?;
    (!key.is_empty()).then_some(key)
}

/// The authenticated connection a request acts for, with its partner profile.
///
/// Use it as a handler argument: requests without a valid key are answered with 401.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The connection the API key belongs to.
    pub connection: Connection,
    /// The connection's partner profile (which feeds it receives).
    pub profile: PartnerProfile,
}

impl Caller {
    /// The connection name (the store's partition key).
    pub fn name(&self) -> &str {
        &self.connection.name
    }

    /// Parses a feed path segment and checks that this connection receives the feed.
    /// Unknown feeds and feeds outside the profile are both 404.
    pub fn feed(&self, segment: &str) -> Result<FeedKind, ApiError> {
        let Some(feed) = FeedKind::parse(segment) else {
            let known = self
                .profile
                .feeds()
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ApiError::not_found(
                format!("unbekannter Feed „{segment}“ (verfügbar: {known})"),
                format!("unknown feed \"{segment}\" (available: {known})"),
            ));
        };
        if !self.profile.receives(feed) {
            return Err(ApiError::not_found(
                format!(
                    "Der Feed „{feed}“ gehört nicht zum Profil „{}“ dieser Verbindung",
                    self.profile
                ),
                format!(
                    "feed \"{feed}\" is not part of this connection's profile \"{}\"",
                    self.profile
                ),
            ));
        }
        Ok(feed)
    }
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        let Some(key) = api_key(&parts.headers) else {
            tracing::debug!("Anfrage ohne API-Schlüssel");
            return Err(ApiError::Unauthorized);
        };
        let Some(connection) = state
            .store
            .connection_by_key_hash(&hash_api_key(key))
            .await?
        else {
            tracing::info!("Anfrage mit unbekanntem API-Schlüssel");
            return Err(ApiError::Unauthorized);
        };
        let profile = connection.profile.parse::<PartnerProfile>().map_err(|e| {
            ApiError::internal(format!(
                "Verbindung „{}“ hat ein ungültiges Profil: {e}",
                connection.name
            ))
        })?;
        tracing::Span::current().record("connection", connection.name.as_str());
        Ok(Caller {
            connection,
            profile,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn hash_is_lowercase_sha256_hex() {
        assert_eq!(
            hash_api_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn key_from_bearer_or_x_api_key() {
        let mut h = HeaderMap::new();
        assert_eq!(api_key(&h), None);
        h.insert("x-api-key", HeaderValue::from_static(" k2 "));
        assert_eq!(api_key(&h), Some("k2"));
        h.insert("authorization", HeaderValue::from_static("bearer k1"));
        assert_eq!(api_key(&h), Some("k1"));
        h.insert("authorization", HeaderValue::from_static("Basic xyz"));
        assert_eq!(api_key(&h), Some("k2"));
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Bearer "));
        assert_eq!(api_key(&h), None);
    }
}
