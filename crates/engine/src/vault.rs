//! Where the engine keeps secrets it must be able to read again (webhook signing secrets,
//! partner credentials): behind [`Vault`], implemented over the encrypted secrets table by the
//! application, and in memory for tests.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use secrecy::SecretBox;

#[derive(Debug, thiserror::Error)]
#[error("Tresor: {0}")]
pub struct VaultError(pub String);

/// Secret storage by owner (a connection) and name.
#[async_trait]
pub trait Vault: Send + Sync {
    async fn put(&self, owner: &str, name: &str, value: &[u8]) -> Result<(), VaultError>;
    async fn get(&self, owner: &str, name: &str) -> Result<Option<SecretBox<[u8]>>, VaultError>;
    async fn delete(&self, owner: &str, name: &str) -> Result<(), VaultError>;
}

/// A vault in memory (tests, benchmarks).
#[derive(Debug, Default)]
pub struct MemoryVault(Mutex<HashMap<(String, String), Vec<u8>>>);

#[async_trait]
impl Vault for MemoryVault {
    async fn put(&self, owner: &str, name: &str, value: &[u8]) -> Result<(), VaultError> {
        let mut m = self.0.lock().map_err(|_| VaultError("gesperrt".into()))?;
        m.insert((owner.to_owned(), name.to_owned()), value.to_vec());
        Ok(())
    }
    async fn get(&self, owner: &str, name: &str) -> Result<Option<SecretBox<[u8]>>, VaultError> {
        let m = self.0.lock().map_err(|_| VaultError("gesperrt".into()))?;
        Ok(m.get(&(owner.to_owned(), name.to_owned()))
            .map(|v| SecretBox::new(v.clone().into_boxed_slice())))
    }
    async fn delete(&self, owner: &str, name: &str) -> Result<(), VaultError> {
        let mut m = self.0.lock().map_err(|_| VaultError("gesperrt".into()))?;
        m.remove(&(owner.to_owned(), name.to_owned()));
        Ok(())
    }
}
