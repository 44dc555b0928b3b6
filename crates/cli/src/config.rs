//! `immohub.toml`: layered configuration.
//!
//! Precedence (later wins): built-in defaults → `immohub.toml` → environment variables
//! `IMMOHUB__SECTION__KEY` (e.g. `IMMOHUB__STORE__URL=postgres://…`). Unknown keys are
//! errors, so a typo does not silently fall back to a default. The file holds no secrets:
//! partner API keys are stored in the hub store, as SHA-256 hashes only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use immohub_domain::Separator;
use immohub_domain::profile::PartnerProfile;
use immohub_domain::rules::UnitTypeMapping;
use immohub_domain::{Schedule, UseCase};
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
    /// Start due runs by their schedules while `serve` runs (GEN-6). Several instances on one
    /// PostgreSQL database may all schedule: each due run starts once.
    #[serde(default = "yes")]
    pub scheduler: bool,
    /// Name of this instance in run leases and the protocol (default: host name/process ID).
    #[serde(default)]
    pub instance: Option<String>,
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
    /// Schedules per use case (GEN-6), e.g. `{ stammdaten = "Di, Do, So 02:00" }`; a use case
    /// not listed runs by the catalogue's default schedule.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
}

/// The schedule of one use case of a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseCaseSchedule {
    pub use_case: UseCase,
    pub schedule: Schedule,
    /// Written in `immohub.toml` (else the catalogue's default).
    pub configured: bool,
}

impl PartnerEntry {
    pub fn engine_config(&self) -> PartnerConfig {
        PartnerConfig {
            name: self.name.clone(),
            profile: self.profile,
            separator: self.separator,
            clients: self.clients.clone(),
            unit_types: self.unit_types.clone().unwrap_or_default(),
        }
    }

    /// The schedule of every use case (configured, else the default), checked against the
    /// use case's maximum frequency. Errors name the partner and the problem, in German.
    pub fn schedules(&self) -> anyhow::Result<Vec<UseCaseSchedule>> {
        let mut configured = BTreeMap::new();
        for (key, text) in &self.schedules {
            let use_case = UseCase::parse(key).with_context(|| {
                format!(
                    "Partner „{}“: unbekannter Use Case „{key}“ in schedules (bekannt: {})",
                    self.name,
                    UseCase::names()
                )
            })?;
            let schedule = Schedule::parse_for(use_case, text)
                .with_context(|| format!("Partner „{}“", self.name))?;
            if configured.insert(use_case, schedule).is_some() {
                anyhow::bail!(
                    "Partner „{}“: Zeitplan für {} ist mehrfach angegeben",
                    self.name,
                    use_case.label_de()
                );
            }
        }
        Ok(UseCase::ALL
            .into_iter()
            .map(|use_case| match configured.remove(&use_case) {
                Some(schedule) => UseCaseSchedule {
                    use_case,
                    schedule,
                    configured: true,
                },
                None => UseCaseSchedule {
                    use_case,
                    schedule: use_case.default_schedule(),
                    configured: false,
                },
            })
            .collect())
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
            scheduler: true,
            instance: None,
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

    /// Checks what serde cannot: unique partner names, valid schedules within the use cases'
    /// maximum frequencies (GEN-6).
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.partners {
            if !seen.insert(&p.name) {
                anyhow::bail!("Partner „{}“ ist mehrfach konfiguriert", p.name);
            }
            if p.name.is_empty() || p.name.chars().any(|c| c.is_whitespace()) {
                anyhow::bail!("Partnername „{}“: leer oder mit Leerzeichen", p.name);
            }
            p.schedules()?;
        }
        Ok(())
    }
}
