//! Shared set-up of the commands: configuration, store, master key and cipher (GEN-5), ERP,
//! partner connections (production and, when enabled, test: GEN-4).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use immohub_erp::{ErpSource, Mapping, redact_url};
use immohub_secrets::secrecy::{SecretSlice, SecretString};
use immohub_secrets::{Cipher, KeySource};
use immohub_store::{Connection, Environment, SecretInfo, SecretStore, SqlStore, Store};
use rand::RngCore;

use crate::config::Config;

pub struct App {
    pub config: Config,
    pub store: Arc<SqlStore>,
    /// Seals and opens the stored credentials (GEN-5).
    pub cipher: Cipher,
    /// Where the master key came from (environment or file).
    pub key_source: KeySource,
}

impl App {
    /// immohub's own data directory (where the master key file lives): work files such as
    /// export ZIPs being built go below it.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.config.secrets.master_key_file.parent().map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        )
    }

    /// The engine's vault over the encrypted credential store (GEN-5).
    pub fn vault(&self) -> Arc<dyn immohub_engine::Vault> {
        Arc::new(crate::vault::StoreVault {
            store: self.store.clone(),
            cipher: self.cipher.clone(),
        })
    }

    pub async fn open(config_path: &Path) -> anyhow::Result<App> {
        let config = Config::load(config_path)?;
        config.validate()?;
        ensure_sqlite_dir(&config.store.url)?;
        let store = immohub_store::open(&config.store.url)
            .await
            .with_context(|| {
                format!(
                    "Hub-Datenbank {} nicht erreichbar",
                    redact_url(&config.store.url)
                )
            })?;
        let key = crate::secrets::load_master_key(&config, &store).await?;
        let app = App {
            config,
            store: Arc::new(store),
            cipher: key.cipher(),
            key_source: key.source().clone(),
        };
        app.register_partners().await?;
        Ok(app)
    }

    /// Writes the partners of the configuration into the store, keeping existing key hashes:
    /// the production connection `NAME` always, the test connection `NAME@test` only while
    /// the test environment is enabled (GEN-4). A test connection whose environment was
    /// switched off keeps its row, but its key hash is disabled (`disabled:…`, which no key
    /// hashes to), so its API key stops working at once and works again when re-enabled.
    pub async fn register_partners(&self) -> anyhow::Result<()> {
        for p in &self.config.partners {
            let mut envs = vec![Environment::Production];
            if p.test_enabled() {
                envs.push(Environment::Test);
            } else {
                self.disable_connection(&p.connection(Environment::Test))
                    .await?;
            }
            for env in envs {
                let cfg = p.engine_config_for(env);
                let existing = self.store.connection(&cfg.name).await?;
                let api_key_hash = match existing {
                    Some(c) => match c.api_key_hash.strip_prefix(DISABLED) {
                        Some(hash) => hash.to_owned(),
                        None => c.api_key_hash,
                    },
                    // No key yet: a value no SHA-256 hex digest can equal.
                    None => format!("{UNSET}{}", cfg.name),
                };
                self.store
                    .upsert_connection(&Connection {
                        name: cfg.name.clone(),
                        profile: p.profile.as_str().to_owned(),
                        api_key_hash,
                        clients: cfg.clients.clone(),
                        config: serde_json::to_value(&cfg)?,
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// Makes a connection's API key invalid, keeping its hash for a later re-enable.
    async fn disable_connection(&self, name: &str) -> anyhow::Result<()> {
        if let Some(mut c) = self.store.connection(name).await?
            && !c.api_key_hash.starts_with(DISABLED)
        {
            c.api_key_hash = format!("{DISABLED}{}", c.api_key_hash);
            self.store.upsert_connection(&c).await?;
        }
        Ok(())
    }

    // --- credentials (GEN-5) ------------------------------------------------------------

    /// Seals `value` as the credential `name` of a store connection (`NAME` or `NAME@test`)
    /// and stores it, replacing an earlier value.
    pub async fn set_secret(
        &self,
        connection: &str,
        name: &str,
        value: &[u8],
    ) -> anyhow::Result<()> {
        let sealed = self.cipher.seal(connection, name, value)?;
        self.store
            .put_secret(connection, name, &sealed, self.cipher.key_id())
            .await?;
        Ok(())
    }

    /// The credential `name` of a store connection, opened (`None` when not stored).
    // For the features that use credentials (webhook signing, FTP); allowed until they land.
    #[allow(dead_code)]
    pub async fn secret(
        &self,
        connection: &str,
        name: &str,
    ) -> anyhow::Result<Option<SecretSlice<u8>>> {
        match self.store.secret(connection, name).await? {
            Some(s) => Ok(Some(self.cipher.open(connection, name, &s.sealed)?)),
            None => Ok(None),
        }
    }

    /// Like [`App::secret`], for text credentials (passwords, tokens).
    // For the features that use credentials (webhook signing, FTP); allowed until they land.
    #[allow(dead_code)]
    pub async fn secret_string(
        &self,
        connection: &str,
        name: &str,
    ) -> anyhow::Result<Option<SecretString>> {
        match self.store.secret(connection, name).await? {
            Some(s) => Ok(Some(self.cipher.open_string(connection, name, &s.sealed)?)),
            None => Ok(None),
        }
    }

    /// Opens every stored credential (and drops the plaintext at once): which open and why
    /// the others do not. For `check` and `serve`.
    pub async fn check_secrets(&self) -> anyhow::Result<Vec<(SecretInfo, Result<(), String>)>> {
        let mut out = Vec::new();
        for info in self.store.secret_list(None).await? {
            let opened = match self.store.secret(&info.owner, &info.name).await? {
                Some(s) => self
                    .cipher
                    .open(&info.owner, &info.name, &s.sealed)
                    .map(drop)
                    .map_err(|e| e.to_string()),
                None => continue, // deleted meanwhile
            };
            out.push((info, opened));
        }
        Ok(out)
    }

    pub async fn erp(&self) -> anyhow::Result<ErpSource> {
        let mapping = match &self.config.erp.mapping {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("Mapping-Datei {} nicht lesbar", path.display()))?;
                Mapping::from_toml(&text)
                    .with_context(|| format!("Mapping-Datei {}", path.display()))?
            }
            None => Mapping::demo().context("eingebautes Demo-Mapping")?,
        };
        ErpSource::connect(&self.config.erp.url, mapping)
            .await
            .with_context(|| format!("ERP {} nicht erreichbar", redact_url(&self.config.erp.url)))
    }

    /// Creates a new API key for a store connection (`NAME`, or `NAME@test`); only its hash
    /// is stored. Returns the key.
    pub async fn rotate_key(&self, partner: &str) -> anyhow::Result<String> {
        let mut c = self
            .store
            .connection(partner)
            .await?
            .with_context(|| format!("Partner „{partner}“ ist nicht registriert"))?;
        if c.api_key_hash.starts_with(DISABLED) {
            anyhow::bail!("die Verbindung „{partner}“ ist ausgeschaltet");
        }
        let key = new_api_key();
        c.api_key_hash = immohub_api::hash_api_key(&key);
        self.store.upsert_connection(&c).await?;
        Ok(key)
    }
}

/// Prefix of the key hash of a connection that never had a key.
pub const UNSET: &str = "unset:";
/// Prefix of the key hash of a switched-off connection (a test environment turned off).
pub const DISABLED: &str = "disabled:";

/// 32 random bytes, hex, with a recognisable prefix (`ihk_`).
pub fn new_api_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("ihk_{}", hex::encode(bytes))
}

/// Creates the directory of a `sqlite:` file URL.
pub fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("Verzeichnis {} nicht anlegbar", dir.display()))?;
        }
    }
    Ok(())
}
