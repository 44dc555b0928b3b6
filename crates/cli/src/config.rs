//! `immohub.toml`: layered configuration.
//!
//! Precedence (later wins): built-in defaults → `immohub.toml` → environment variables
//! `IMMOHUB__SECTION__KEY` (e.g. `IMMOHUB__STORE__URL=postgres://…`). Unknown keys are
//! errors, so a typo does not silently fall back to a default. The file holds no secrets:
//! partner API keys are stored in the hub store, as SHA-256 hashes only; credentials are stored
//! there sealed with the master key (`[secrets]`, GEN-5).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use immohub_domain::Separator;
use immohub_domain::profile::PartnerProfile;
use immohub_domain::prospect::TechnicalUser;
use immohub_domain::rules::UnitTypeMapping;
use immohub_domain::{Schedule, UseCase};
use immohub_engine::PartnerConfig;
use immohub_store::Environment;
use serde::{Deserialize, Serialize};

/// The generated instance name, fixed for the life of the process.
static INSTANCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub erp: ErpConfig,
    #[serde(default)]
    pub secrets: SecretsConfig,
    /// Push delivery to webhook endpoints.
    #[serde(default)]
    pub delivery: crate::delivery::DeliverySection,
    /// The duplicate check of incoming prospects (PRO-3): keys (`[matching.weights]`),
    /// thresholds `upper`/`lower`, `mode = "fuzzy" | "legacy_exact"`; see docs/MATCHING.md.
    #[serde(default)]
    pub matching: immohub_matching::MatchConfig,
    /// Share rooms (immoCloud): company name, logo, public URL, limits (`[shares]`).
    #[serde(default)]
    pub shares: immohub_shares::SharesConfig,
    /// SMTP for share links and staff notices (`[mail]`); absent: no e-mail.
    #[serde(default)]
    pub mail: Option<immohub_shares::mail::MailSettings>,
    /// Accepted tenants with dossier (`[tenants]`, TEN-1..TEN-3).
    #[serde(default)]
    pub tenants: TenantsSection,
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
    /// Name of this instance in claims and leases. Default: host, process ID and a random
    /// part. A fixed name lets a restarted instance resume its own claims at once instead of
    /// waiting for them to expire; never give two running instances the same name.
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
    /// Where immohub writes the ERP's interface tables (prospects), if not `url`: e.g. the
    /// same database with a user that may insert into those tables only.
    #[serde(default)]
    pub write_url: Option<String>,
    /// Mapping file (one SQL query per entity). Default: the demo ERP's mapping, built in.
    #[serde(default)]
    pub mapping: Option<PathBuf>,
    /// Root of the ERP's document store: the vacancy documents' paths (`attachments`) are
    /// relative to it. Needed for OpenImmo exports with images and PDFs (VAC-2, VAC-4).
    #[serde(default)]
    pub documents_dir: Option<PathBuf>,
    /// Where the ERP reads the dossiers of accepted tenants (TEN-1): a directory (share) the
    /// ERP and its staff can open. Without it, immohub accepts no tenants.
    #[serde(default)]
    pub dossier_dir: Option<PathBuf>,
}

/// `[tenants]`: accepted tenants with dossier (TEN-1..TEN-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantsSection {
    /// Largest dossier file in MB (default 100).
    #[serde(default = "default_max_file_mb")]
    pub max_file_mb: u64,
}

impl Default for TenantsSection {
    fn default() -> Self {
        TenantsSection {
            max_file_mb: default_max_file_mb(),
        }
    }
}

fn default_max_file_mb() -> u64 {
    100
}

/// Credentials at rest (GEN-5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// File of the master key that seals stored credentials, used when the environment
    /// variable `IMMOHUB_MASTER_KEY` is not set. Created (mode 0600) on first start when
    /// missing. Back it up: without it the stored credentials cannot be opened.
    #[serde(default = "default_master_key_file")]
    pub master_key_file: PathBuf,
}

/// One partner connection as written in `immohub.toml`: its fields are the production
/// configuration; `[partner.test]` is the test environment (GEN-4).
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
    /// The test environment: a separate store connection `NAME@test` with its own API key,
    /// feeds, cursors, record states and credentials. Absent or `enabled = false`: off.
    #[serde(default)]
    pub test: Option<TestEnvironment>,
    /// Schedules per use case (GEN-6), e.g. `{ stammdaten = "Di, Do, So 02:00" }`; a use case
    /// not listed runs by the catalogue's default schedule.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// OpenImmo file exports after each vacancy run (`[[partner.openimmo]]`, VAC-4).
    #[serde(default)]
    pub openimmo: Vec<crate::openimmo::OpenImmoEntry>,
    /// OpenImmo-Feedback files with prospects, picked up by `sync run interessenten`
    /// (`[[partner.feedback]]`, PRO-2).
    #[serde(default)]
    pub feedback: Vec<crate::openimmo::FeedbackEntry>,
}

/// `[partner.test]`: the test environment of a partner (GEN-4). Fields that are given
/// override the production configuration; the profile is the same.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestEnvironment {
    /// Off by default: no test connection, no test API key, no test runs.
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub clients: Option<Vec<String>>,
    #[serde(default)]
    pub separator: Option<Separator>,
    #[serde(default)]
    pub unit_types: Option<UnitTypeMapping>,
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
    /// The production configuration, as the engine uses it.
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

    /// Whether the test environment is switched on.
    pub fn test_enabled(&self) -> bool {
        self.test.as_ref().is_some_and(|t| t.enabled)
    }

    /// The store connection of an environment: `NAME` or `NAME@test`.
    pub fn connection(&self, env: Environment) -> String {
        env.connection(&self.name)
    }

    /// The configuration of an environment, as the engine uses it: production as written,
    /// test with its overrides and the connection name `NAME@test`. Whether the test
    /// environment is enabled is the caller's check.
    pub fn engine_config_for(&self, env: Environment) -> PartnerConfig {
        let mut cfg = self.engine_config();
        if env == Environment::Test {
            cfg.name = self.connection(env);
            if let Some(t) = &self.test {
                if let Some(clients) = &t.clients {
                    cfg.clients = clients.clone();
                }
                if let Some(separator) = t.separator {
                    cfg.separator = separator;
                }
                if let Some(unit_types) = &t.unit_types {
                    cfg.unit_types = unit_types.clone();
                }
            }
        }
        cfg
    }

    /// The active environment of a use case that never ran nor was switched: test when the
    /// test environment is on, else production.
    pub fn default_environment(&self) -> Environment {
        if self.test_enabled() {
            Environment::Test
        } else {
            Environment::Production
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
fn default_master_key_file() -> PathBuf {
    PathBuf::from("data/master.key")
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
impl Default for SecretsConfig {
    fn default() -> Self {
        Self {
            master_key_file: default_master_key_file(),
        }
    }
}
impl Default for ErpConfig {
    fn default() -> Self {
        Self {
            url: default_erp_url(),
            write_url: None,
            mapping: None,
            documents_dir: None,
            dossier_dir: None,
        }
    }
}

impl Config {
    /// This process's name in claims and leases (`server.instance`, else host:pid:random).
    pub fn instance(&self) -> String {
        self.server
            .instance
            .clone()
            .unwrap_or_else(|| INSTANCE.get_or_init(crate::delivery::instance_name).clone())
    }

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
        self.delivery.validate()?;
        if self.tenants.max_file_mb == 0 || self.tenants.max_file_mb > 10_240 {
            anyhow::bail!(
                "[tenants] max_file_mb: {} liegt nicht zwischen 1 und 10240",
                self.tenants.max_file_mb
            );
        }
        self.matching
            .validate()
            .map_err(|e| anyhow::anyhow!("[matching]: {e}"))?;
        let mut seen = std::collections::HashSet::new();
        for p in &self.partners {
            if !seen.insert(&p.name) {
                anyhow::bail!("Partner „{}“ ist mehrfach konfiguriert", p.name);
            }
            if p.name.is_empty() || p.name.chars().any(|c| c.is_whitespace()) {
                anyhow::bail!("Partnername „{}“: leer oder mit Leerzeichen", p.name);
            }
            // `NAME@test` is the test environment's connection (GEN-4).
            if p.name.contains('@') {
                anyhow::bail!(
                    "Partnername „{}“ enthält „@“: das Zeichen ist der Testumgebung vorbehalten \
                     (Verbindung „NAME@test“)",
                    p.name
                );
            }
            p.schedules()?;
            let mut targets = std::collections::HashSet::new();
            for t in &p.openimmo {
                if !targets.insert(&t.name) {
                    anyhow::bail!(
                        "Partner „{}“: OpenImmo-Ziel „{}“ ist mehrfach konfiguriert",
                        p.name,
                        t.name
                    );
                }
                t.parse_target()
                    .with_context(|| format!("Partner „{}“", p.name))?;
            }
            for f in &p.feedback {
                f.parse_target()
                    .with_context(|| format!("Partner „{}“", p.name))?;
            }
        }
        Ok(())
    }
}
