//! Webhook endpoints: registration, signing secrets and their rotation (GEN-12).
//!
//! The secret of endpoint `N` is kept in the [`Vault`] as `webhook:N` (owner: the connection);
//! during a rotation the previous one stays as `webhook:N:previous` until the overlap ends, and
//! deliveries carry both signatures meanwhile.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use immohub_store::{NewEndpoint, Store, StoreError, WebhookEndpoint};
use immohub_transport::webhook::SigningSecret;
use secrecy::{ExposeSecret, SecretString};

use crate::vault::{Vault, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum WebhookAdminError {
    #[error("ungültige URL „{0}“: erwartet http:// oder https:// mit Host")]
    BadUrl(String),
    #[error("Webhook-Endpunkt {0} gibt es für diese Verbindung nicht")]
    Unknown(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("gespeichertes Webhook-Geheimnis ist unlesbar")]
    BadStoredSecret,
}

pub(crate) fn current_name(id: i64) -> String {
    format!("webhook:{id}")
}
pub(crate) fn previous_name(id: i64) -> String {
    format!("webhook:{id}:previous")
}

/// Checks a webhook URL: http(s), a host, no credentials in it.
pub fn check_url(url: &str) -> Result<(), WebhookAdminError> {
    let bad = || WebhookAdminError::BadUrl(url.to_owned());
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || url.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    Ok(())
}

/// Registers an endpoint and returns it with its new signing secret (`whsec_…`), which is shown
/// to the partner this once and stored encrypted.
pub async fn register(
    store: &Arc<dyn Store>,
    vault: &dyn Vault,
    new: &NewEndpoint,
) -> Result<(WebhookEndpoint, SecretString), WebhookAdminError> {
    check_url(&new.url)?;
    let endpoint = store.create_endpoint(new).await?;
    let (_, text) = SigningSecret::generate();
    if let Err(e) = vault
        .put(
            &endpoint.connection,
            &current_name(endpoint.id),
            text.expose_secret().as_bytes(),
        )
        .await
    {
        // Without a secret the endpoint is useless: take it back.
        let _ = store
            .delete_endpoint(&endpoint.connection, endpoint.id)
            .await;
        return Err(e.into());
    }
    Ok((endpoint, text))
}

/// Starts a secret rotation: a new secret signs from now on; the previous one signs too until
/// `now + overlap`, so the partner can switch without losing a delivery.
pub async fn rotate_secret(
    store: &Arc<dyn Store>,
    vault: &dyn Vault,
    connection: &str,
    id: i64,
    overlap: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<SecretString, WebhookAdminError> {
    let endpoint = store
        .endpoint(id)
        .await?
        .filter(|e| e.connection == connection)
        .ok_or(WebhookAdminError::Unknown(id))?;
    let current = vault
        .get(connection, &current_name(id))
        .await?
        .ok_or(WebhookAdminError::BadStoredSecret)?;
    let (_, text) = SigningSecret::generate();
    vault
        .put(connection, &previous_name(id), current.expose_secret())
        .await?;
    vault
        .put(
            connection,
            &current_name(id),
            text.expose_secret().as_bytes(),
        )
        .await?;
    store
        .set_previous_secret_until(endpoint.id, Some(now + overlap))
        .await?;
    Ok(text)
}

/// Deletes an endpoint and its secrets.
pub async fn remove(
    store: &Arc<dyn Store>,
    vault: &dyn Vault,
    connection: &str,
    id: i64,
) -> Result<(), WebhookAdminError> {
    if !store.delete_endpoint(connection, id).await? {
        return Err(WebhookAdminError::Unknown(id));
    }
    vault.delete(connection, &current_name(id)).await?;
    vault.delete(connection, &previous_name(id)).await?;
    Ok(())
}

/// The secrets that sign a delivery now: the current one, plus the previous one while a
/// rotation overlaps.
pub async fn signing_secrets(
    vault: &dyn Vault,
    endpoint: &WebhookEndpoint,
    now: DateTime<Utc>,
) -> Result<Vec<SigningSecret>, WebhookAdminError> {
    let mut out = Vec::with_capacity(2);
    let current = vault
        .get(&endpoint.connection, &current_name(endpoint.id))
        .await?
        .ok_or(WebhookAdminError::BadStoredSecret)?;
    out.push(parse(current.expose_secret())?);
    if endpoint
        .previous_secret_until
        .is_some_and(|until| now < until)
        && let Some(previous) = vault
            .get(&endpoint.connection, &previous_name(endpoint.id))
            .await?
    {
        out.push(parse(previous.expose_secret())?);
    }
    Ok(out)
}

fn parse(bytes: &[u8]) -> Result<SigningSecret, WebhookAdminError> {
    let text = std::str::from_utf8(bytes).map_err(|_| WebhookAdminError::BadStoredSecret)?;
    SigningSecret::parse(text).map_err(|_| WebhookAdminError::BadStoredSecret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        for ok in [
            "https://partner.example/hooks",
            "http://127.0.0.1:9000/",
            "https://x.example",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x",
            "https://",
            "https://user:pw@x.example/",
            "partner.example",
            "https://a b",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
