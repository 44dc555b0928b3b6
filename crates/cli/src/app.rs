//! Shared set-up of the commands: configuration, store, ERP, partner connections.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use immohub_erp::{ErpSource, Mapping, redact_url};
use immohub_store::{Connection, SqlStore, Store};
use rand::RngCore;

use crate::config::Config;

pub struct App {
    pub config: Config,
    pub store: Arc<SqlStore>,
}

impl App {
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
        let app = App {
            config,
            store: Arc::new(store),
        };
        app.register_partners().await?;
        Ok(app)
    }

    /// Writes the partners of the configuration into the store, keeping existing key hashes.
    pub async fn register_partners(&self) -> anyhow::Result<()> {
        for p in &self.config.partners {
            let existing = self.store.connection(&p.name).await?;
            let api_key_hash = existing
                .map(|c| c.api_key_hash)
                // No key yet: a value no SHA-256 hex digest can equal.
                .unwrap_or_else(|| format!("unset:{}", p.name));
            self.store
                .upsert_connection(&Connection {
                    name: p.name.clone(),
                    profile: p.profile.as_str().to_owned(),
                    api_key_hash,
                    clients: p.clients.clone(),
                    config: serde_json::to_value(p.engine_config())?,
                })
                .await?;
        }
        Ok(())
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

    /// Creates a new API key for a partner; only its hash is stored. Returns the key.
    pub async fn rotate_key(&self, partner: &str) -> anyhow::Result<String> {
        let mut c = self
            .store
            .connection(partner)
            .await?
            .with_context(|| format!("Partner „{partner}“ ist nicht registriert"))?;
        let key = new_api_key();
        c.api_key_hash = immohub_api::hash_api_key(&key);
        self.store.upsert_connection(&c).await?;
        Ok(key)
    }
}

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
