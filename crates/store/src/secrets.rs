//! Credentials at rest (GEN-5): the sealed values of every connection, in one table.
//!
//! The store never sees plaintext: values arrive sealed (see the `immohub-secrets` crate) with
//! the ID of the master key that sealed them. The owner is a store connection name
//! (`immomio`, or `immomio@test` for the test environment); webhook signing secrets, FTP
//! passwords and partner API credentials all live here, each under its own name.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;

/// One stored credential: the sealed text, never plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSecret {
    /// Store connection name, e.g. `immomio` or `immomio@test`.
    pub owner: String,
    /// Name of the value, e.g. `api_password`.
    pub name: String,
    /// Sealed text (`v1.<key_id>.<…>`).
    pub sealed: String,
    /// ID of the master key that sealed it.
    pub key_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A credential without its value: for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    pub owner: String,
    pub name: String,
    pub key_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A value sealed again with a new master key (the result of a [`SecretStore::reseal_all`]
/// callback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resealed {
    pub sealed: String,
    pub key_id: String,
}

/// The callback of [`SecretStore::reseal_all`]: opens a stored value with the old key and
/// seals it with the new one. An error aborts the whole re-seal.
pub type ResealFn<'a> = dyn Fn(&StoredSecret) -> Result<Resealed> + Send + Sync + 'a;

/// Credentials at rest. Every method is one transaction.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Creates or replaces the value `name` of `owner` (`created_at` kept on replace).
    async fn put_secret(&self, owner: &str, name: &str, sealed: &str, key_id: &str) -> Result<()>;

    /// The stored value `name` of `owner`.
    async fn secret(&self, owner: &str, name: &str) -> Result<Option<StoredSecret>>;

    /// Names and dates (never values) of one owner's credentials, or of all, ordered by owner
    /// and name.
    async fn secret_list(&self, owner: Option<&str>) -> Result<Vec<SecretInfo>>;

    /// Deletes the value; `false` when there was none.
    async fn delete_secret(&self, owner: &str, name: &str) -> Result<bool>;

    /// Re-seals every stored value with `f` in ONE transaction: all values get the new
    /// sealing, or (on any error, also of `f`) none. Returns the number of values re-sealed.
    async fn reseal_all(&self, f: &ResealFn<'_>) -> Result<u64>;
}
