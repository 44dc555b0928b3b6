//! The engine's [`Vault`] over the hub store's encrypted `secrets` table (GEN-5): values are
//! sealed with the master key's cipher, bound to owner and name.

use std::sync::Arc;

use async_trait::async_trait;
use immohub_engine::vault::{Vault, VaultError};
use immohub_secrets::Cipher;
use immohub_secrets::secrecy::SecretSlice;
use immohub_store::{SecretStore, SqlStore};

pub struct StoreVault {
    pub store: Arc<SqlStore>,
    pub cipher: Cipher,
}

#[async_trait]
impl Vault for StoreVault {
    async fn put(&self, owner: &str, name: &str, value: &[u8]) -> Result<(), VaultError> {
        let sealed = self
            .cipher
            .seal(owner, name, value)
            .map_err(|e| VaultError(e.to_string()))?;
        self.store
            .put_secret(owner, name, &sealed, self.cipher.key_id())
            .await
            .map_err(|e| VaultError(e.to_string()))
    }

    async fn get(&self, owner: &str, name: &str) -> Result<Option<SecretSlice<u8>>, VaultError> {
        let Some(stored) = self
            .store
            .secret(owner, name)
            .await
            .map_err(|e| VaultError(e.to_string()))?
        else {
            return Ok(None);
        };
        self.cipher
            .open(owner, name, &stored.sealed)
            .map(Some)
            .map_err(|e| VaultError(e.to_string()))
    }

    async fn delete(&self, owner: &str, name: &str) -> Result<(), VaultError> {
        self.store
            .delete_secret(owner, name)
            .await
            .map(|_| ())
            .map_err(|e| VaultError(e.to_string()))
    }
}
