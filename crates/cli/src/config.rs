//! `immohub.toml`: layered configuration.
//!
//! Precedence (later wins): built-in defaults → `immohub.toml` → environment variables
//! `IMMOHUB__SECTION__KEY` (e.g. `IMMOHUB__STORE__URL=postgres://…`). Unknown keys are
//! errors, so a typo does not silently fall back to a default. The file holds no secrets:
//! partner API keys are stored in the hub store, as SHA-256 hashes only.

use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use immohub_domain::Separator;
use immohub_domain::profile::PartnerProfile;
use immohub_domain::prospect::TechnicalUser;
use immohub_domain::rules::UnitTypeMapping;
use immohub_engine::PartnerConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub erp: ErpConfig,
    /// Partner connections, `[[partner]]` tables.
    #[serde(default, rename = "partner")]
    pub partners: Vec<PartnerEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the partner API listens on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Run a master-data sync for every partner when `serve` starts (initial onboarding).
    #[serde(default = "yes")]
    pub sync_on_start: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite:PATH` (default) or `postgres://user@host/db`.
    #[serde(default = "default_store_url")]
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpConfig {
    /// The ERP database: `sqlite:PATH`, `postgres://…` or `mysql://…`.
    #[serde(default = "default_erp_url")]
    pub url: String,
    /// Where immohub writes the ERP's interface tables (prospects), if not `url`: e.g. the
    /// same database with a user that may insert into those tables only.
    #[serde(default)]
    pub write_url: Option<String>,
    /// Mapping file (one SQL query per entity). Default: the demo ERP's mapping, built in.
    #[serde(default)]
    pub mapping: Option<PathBuf>,
}

/// One partner connection as written in `immohub.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerEntry {
    pub name: String,
    pub profile: PartnerProfile,
    #[serde(default)]
    pub separator: Separator,
    #[serde(default)]
    pub clients: Vec<String>,
    #[serde(default)]
    pub unit_types: Option<UnitTypeMapping>,
    /// Technical ERP user written on every record immohub writes into the ERP for this
    /// partner (GEN-3), e.g. `"IMMOMIO"` or `"042"`. Required for a partner that sends data in
    /// (prospects); without it the partner API refuses them.
    #[serde(default)]
    pub technical_user: Option<TechnicalUser>,
}

impl PartnerEntry {
    pub fn engine_config(&self) -> PartnerConfig {
        PartnerConfig {
            name: self.name.clone(),
            profile: self.profile,
            separator: self.separator,
            clients: self.clients.clone(),
            unit_types: self.unit_types.clone().unwrap_or_default(),
            technical_user: self.technical_user.clone(),
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".to_owned()
}
fn default_store_url() -> String {
    "sqlite:data/immohub.db".to_owned()
}
fn default_erp_url() -> String {
    "sqlite:data/demo-erp.db".to_owned()
}
fn yes() -> bool {
    true
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            sync_on_start: true,
        }
    }
}
impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: default_store_url(),
        }
    }
}
impl Default for ErpConfig {
    fn default() -> Self {
        Self {
            url: default_erp_url(),
            write_url: None,
            mapping: None,
        }
    }
}

impl Config {
    /// Loads defaults, then the file (if it exists), then the environment.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if path.exists() {
            fig = fig.merge(Toml::file(path));
        }
        fig = fig.merge(Env::prefixed("IMMOHUB__").split("__"));
        fig.extract()
            .with_context(|| format!("Konfiguration {} ist ungültig", path.display()))
    }

    pub fn partner(&self, name: &str) -> anyhow::Result<&PartnerEntry> {
        self.partners
            .iter()
            .find(|p| p.name == name)
            .with_context(|| {
                let known: Vec<_> = self.partners.iter().map(|p| p.name.as_str()).collect();
                format!(
                    "Partner „{name}“ ist nicht konfiguriert (konfiguriert: {})",
                    if known.is_empty() {
                        "keine".to_owned()
                    } else {
                        known.join(", ")
                    }
                )
            })
    }

    /// Checks what serde cannot: unique partner names.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.partners {
            if !seen.insert(&p.name) {
                anyhow::bail!("Partner „{}“ ist mehrfach konfiguriert", p.name);
            }
            if p.name.is_empty() || p.name.chars().any(|c| c.is_whitespace()) {
                anyhow::bail!("Partnername „{}“: leer oder mit Leerzeichen", p.name);
            }
        }
        Ok(())
    }
}
